"""``bps-lint graph``: what the picture says (nodes, roles, links, faults with rule ids) in Mermaid, DOT and SVG."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from linter.cli import main
from linter.discover.walk import discover
from linter.graph import topology
from linter.graph.svg import document, render
from linter.graph.text import dot, mermaid
from linter.model.build import build_cluster
from tests.helpers import EXAMPLE_CLUSTER, REPO, lint, materialize

BROKEN = REPO / "examples" / "broken-cluster"


def _topology(path):
    cluster = build_cluster(discover([str(path)]).clusters[0]).cluster
    return topology(cluster, lint(path).findings)


@pytest.fixture(scope="module")
def good():
    return _topology(EXAMPLE_CLUSTER)


@pytest.fixture(scope="module")
def broken():
    return _topology(BROKEN)


def _by_title(topo):
    return {b.title: b for b in topo.boxes}


def _arrows(topo):
    """{(source title, target title, kind): arrow}"""
    names = {b.id: b.title for b in topo.boxes}
    return {(names[a.source], names[a.target], a.kind): a for a in topo.arrows}


def test_example_cluster_nodes_roles_and_links(good):
    boxes = _by_title(good)
    assert {(b.title, b.role) for b in good.boxes if b.kind == "node"} == {("manager", "manager"), ("worker1", "worker"), ("worker2", "worker")}
    assert not any(b.rules for b in good.boxes) and not any(a.rules for a in good.arrows)
    assert "shared by 3 nodes" in boxes["bps_db"].lines and "BPS_DS" in boxes["bps_db"].lines
    assert "worker1 only" in boxes["bps_local_worker1"].lines
    arrows = _arrows(good)
    assert ("manager", "bps_registry", "mount-rw") in arrows
    assert ("worker1", "bps_registry", "mount-ro") in arrows and ("worker2", "bps_registry", "mount-ro") in arrows
    assert not any(k == "datasource" and t == "bps_registry" for _, t, k in arrows)  # the mount stands for the pool
    assert ("manager", "bps_local_manager", "datasource") in arrows and ("worker1", "bps_local_manager", "datasource") not in arrows
    # manager and worker1 list each other; worker2 lists both and nobody lists it
    assert arrows[("manager", "worker1", "wka")].both_ways
    assert ("worker2", "manager", "wka") in arrows and ("worker2", "worker1", "wka") in arrows
    assert not any(k == "wka" and t == "worker2" for _, t, k in arrows)
    repo = next(b for b in good.boxes if b.kind == "repository")
    assert [s for s, t, k in arrows if k == "commit"] == ["manager"]
    assert sorted(t for s, t, k in arrows if k == "checkout" and s == repo.title) == ["manager", "worker1", "worker2"]
    assert any(b.kind == "balancer" and b.title == "bps.example.com" for b in good.boxes)


def test_broken_cluster_marks_nodes_and_links_with_rule_ids(broken):
    boxes = _by_title(broken)
    assert boxes["worker2"].role == "manager"  # its registry mount is writable
    assert {"BPS101", "BPS303", "BPS404"} <= set(boxes["worker1"].rules)
    assert "BPS702" not in boxes["worker1"].rules and "BPS201" not in boxes["worker1"].rules  # a warning or info is not marked
    assert set(boxes["manager"].rules) == {"BPS207", "BPS401", "BPS502", "BPS602"}
    arrows = _arrows(broken)
    assert arrows[("worker1", "bps_db", "datasource")].rules == ("BPS101",)
    assert arrows[("worker1", "bps_registry", "mount-ro")].rules == ()  # its cacheId (BPS201) is only a warning
    assert arrows[("manager", "bps_registry", "mount-rw")].rules == ("BPS207",)
    assert arrows[("worker2", "bps_registry", "mount-rw")].rules == ("BPS207",)
    assert {s for s, t, k in arrows if k == "commit"} == {"manager", "worker2"}
    assert all(arrows[(s, t, k)].rules == ("BPS602",) for s, t, k in arrows if k == "commit")
    assert arrows[("manager", "bps_db", "datasource")].rules == ()
    # worker1's localMemberHost is misspelt, so the member the others list is answered by no node
    member = boxes["10.0.1.11:4000"]
    assert member.kind == "member"
    assert {s for s, t, k in arrows if t == member.title} == {"manager", "worker2", "worker1"}
    assert ("manager", "10.0.1.11:4000", "wka-unanswered") in arrows


def test_mermaid_says_the_same(broken):
    text = mermaid([broken])
    ids = {b.title: b.id for b in broken.boxes}
    assert text.startswith("flowchart TB\n")
    assert f'{ids["worker1"]}["worker1<br/>worker<br/>✖ BPS101, BPS303, BPS404, BPS502"]:::worker' in text
    assert f'{ids["worker2"]}["worker2<br/>manager<br/>' in text
    assert f'{ids["bps_db"]}[("bps_db<br/>' in text
    assert f'{ids["worker1"]} -->|"✖ BPS101"| {ids["bps_db"]}' in text
    assert f'{ids["manager"]} -->|"mount rw ✖ BPS207"| {ids["bps_registry"]}' in text
    faulty = re.search(r"^    class (\S+) fault$", text, re.M).group(1).split(",")
    assert sorted(faulty) == sorted(ids[n] for n in ("manager", "worker1", "worker2"))
    # one linkStyle per link, the faulty ones red
    links = [line for line in text.splitlines() if re.match(r"\s+\S+ (-->|-\.->|<-->)", line)]
    styles = re.findall(r"^    linkStyle (\d+) (.*)$", text, re.M)
    assert len(styles) == len(links)
    for link, (_, style) in zip(links, styles):
        assert ("#c62828" in style) == ("✖" in link)


def test_mermaid_of_several_clusters_keeps_ids_apart(good, broken):
    text = mermaid([good, broken])
    assert 'subgraph c1_cluster["cluster examples/cluster"]' in text and 'subgraph c2_cluster["cluster examples/broken-cluster"]' in text
    assert re.search(r"^        c1_n1\[", text, re.M) and re.search(r"^        c2_n1\[", text, re.M)


def test_dot_says_the_same(good, broken):
    text = dot([broken])
    ids = {b.title: b.id for b in broken.boxes}
    node = re.search(rf"^        {ids['worker1']} \[(.*)\];$", text, re.M).group(1)
    assert 'label="worker1\\nworker\\n✖ BPS101, BPS303, BPS404, BPS502"' in node and 'color="#c62828"' in node
    assert re.search(rf'^        {ids["bps_db"]} \[.*shape="cylinder"', text, re.M)
    edge = re.search(rf"^        {ids['worker1']} -> {ids['bps_registry']} \[(.*)\];$", text, re.M).group(1)
    assert 'label="mount ro"' in edge and 'style="dashed"' in edge
    edge = re.search(rf"^        {ids['manager']} -> {ids['bps_registry']} \[(.*)\];$", text, re.M).group(1)
    assert 'label="mount rw ✖ BPS207"' in edge and 'penwidth="3"' in edge
    assert re.search(rf"^        {ids['manager']} -> {ids['worker2']} |^        {ids['worker2']} -> {ids['manager']} ", text, re.M)
    assert text.count("{") == text.count("}")
    clean = dot([good])
    assert "c62828" not in clean and 'dir="both"' in clean


def test_svg_is_well_formed_and_says_the_same(broken):
    svg = etree.fromstring(document([broken]).encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    boxes = {g.get("data-id"): g for g in svg.xpath("//s:g[contains(@class, 'box')]", namespaces=ns)}
    ids = {b.title: b.id for b in broken.boxes}
    worker1 = boxes[ids["worker1"]]
    assert "fault" in worker1.get("class").split() and "worker" in worker1.get("class").split()
    assert set(worker1.get("data-rules").split()) >= {"BPS101", "BPS303", "BPS404"}
    assert "worker1" in "".join(worker1.itertext())
    assert boxes[ids["worker2"]].get("class").split()[:3] == ["box", "node", "manager"]
    arrows = svg.xpath("//s:g[contains(@class, 'arrow')]", namespaces=ns)
    assert len(arrows) == len(broken.arrows)
    bad = [a for a in arrows if a.get("data-source") == ids["worker1"] and a.get("data-target") == ids["bps_db"]]
    assert bad[0].get("data-rules") == "BPS101" and "BPS101" in "".join(bad[0].itertext())
    good_link = [a for a in arrows if a.get("data-source") == ids["manager"] and a.get("data-target") == ids["bps_db"]]
    assert good_link[0].get("data-rules") is None


def test_svg_links_rule_ids_and_keeps_marker_ids_apart(good, broken):
    svg = render(broken, lambda rule: f"../rules/{rule}/", prefix="x1")
    assert '<a href="../rules/BPS101/">' in svg
    ids = re.findall(r' id="([^"]+)"', document([good, broken]))
    assert len(ids) == len(set(ids))


def test_no_credential_reaches_any_format(tmp_path):
    example = {
        "files": [
            {
                "nodes": ["worker1"],
                "file": "datasources/bps-datasources.xml",
                "replace": "bps_db?autoReconnect=true",
                "with": "bps_db?autoReconnect=true&amp;password=hunter2",
            },
            {"nodes": ["manager"], "file": "carbon.xml", "replace": "http://svn.bps.internal", "with": "http://deployer:hunter2@svn.bps.internal"},
        ]
    }
    cluster = materialize(example, tmp_path)
    topo = _topology(cluster)
    for text in (mermaid([topo]), dot([topo]), document([topo])):
        assert "hunter2" not in text
        assert "****" in text


@pytest.mark.parametrize("fmt, marker", [("mermaid", "flowchart TB"), ("dot", "digraph bps_lint {"), ("svg", "<svg")])
def test_cli_writes_each_format(tmp_path, fmt, marker, capsys):
    out = tmp_path / f"graph.{fmt}"
    assert main(["graph", str(BROKEN), "--format", fmt, "--output", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert marker in text and "BPS207" in text
    if fmt == "svg":
        etree.fromstring(text.encode())


def test_cli_graph_of_nothing_is_a_usage_error(tmp_path, capsys):
    assert main(["graph", str(tmp_path)]) == 2
    assert "no BPS node configuration found" in capsys.readouterr().err


def test_replicas_are_drawn_and_counted(tmp_path):
    cluster = materialize({"files": [], "manifest": "[nodes.worker1]\nreplicas = 3\n"}, tmp_path)
    topo = _topology(cluster)
    boxes = _by_title(topo)
    assert boxes["worker1"].lines == ("worker ×3",)
    assert "shared by 5 nodes" in boxes["bps_db"].lines
    assert "worker1 only: shared by its 3 replicas" in boxes["bps_local_worker1"].lines
    assert "BPS108" in boxes["worker1"].rules  # one local registry database for three instances
    assert "worker1<br/>worker ×3" in mermaid([topo])


def test_site_page_shows_both_example_pictures(site):
    page = etree.parse(str(site / "views" / "index.html"), etree.HTMLParser())
    pictures = page.xpath("//article//svg[contains(@class, 'bps-graph')]")
    assert [p.get("data-cluster") for p in pictures] == ["examples/cluster", "examples/broken-cluster"]
    clean, broken = pictures
    assert not clean.xpath(".//g[contains(@class, 'fault')]")
    assert len(broken.xpath(".//g[contains(@class, 'node')][contains(@class, 'fault')]")) == 3
    links = set(broken.xpath(".//a/@href"))
    assert "../rules/BPS207/" in links
    assert all((site / "views" / href / "index.html").resolve().is_file() for href in links)
    tables = page.xpath("//article//table")
    assert any("datasource(BPS_DS)/defaultAutoCommit" in "".join(t.itertext()) for t in tables)


def test_a_finding_on_no_node_marks_the_cluster(good):
    from linter.findings import Finding
    from linter.parse.location import Loc

    cluster = build_cluster(discover([str(EXAMPLE_CLUSTER)]).clusters[0]).cluster
    finding = Finding("BPS105", "db-connection-budget", "error", "too many connections", Loc("x"), cluster.name, None, "u")
    topo = topology(cluster, [finding])
    assert topo.cluster_rules == ("BPS105",) and not any(b.rules for b in topo.boxes)
    assert 'subgraph cluster["cluster examples/cluster  ✖ BPS105"]' in mermaid([topo])
    assert 'data-rules="BPS105"' in render(topo)
    assert topology(cluster, [finding._replace(severity="warning")]).cluster_rules == ()
