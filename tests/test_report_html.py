"""``bps-lint report --html``: one self-contained page with the picture, the findings by node and file, the drift tables."""

from __future__ import annotations

import re

import pytest
from lxml import html

from linter.cli import main
from tests.helpers import REPO, broken_totals, materialize

BROKEN = REPO / "examples" / "broken-cluster"


def C(name: str) -> str:
    """XPath: the element has this class."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


@pytest.fixture(scope="module")
def leaky(tmp_path_factory):
    """The broken example with a plaintext password (a finding on its line) and one in a JDBC URL."""
    tmp = tmp_path_factory.mktemp("leaky")
    example = {
        "files": [
            {
                "nodes": ["worker2"],
                "file": "datasources/bps-datasources.xml",
                "replace": "<password>Bps-Prod-2024</password>",
                "with": "<password>hunter2</password>",
            },
            {
                "nodes": ["worker2"],
                "file": "datasources/bps-datasources.xml",
                "replace": "bps_db?autoReconnect=true",
                "with": "bps_db?autoReconnect=true&amp;password=hunter2",
            },
        ]
    }
    return materialize(example, tmp, base=BROKEN)


def _report(tmp_path, cluster, *extra):
    out = tmp_path / "report.html"
    code = main(["report", str(cluster), "--html", str(out), *extra])
    return code, out


def test_report_holds_picture_findings_drift_and_summary(tmp_path, leaky, capsys):
    code, out = _report(tmp_path, leaky)
    assert code == 1
    warnings = broken_totals()["warning"] + 1  # the password in a JDBC URL is plaintext (BPS705), not another database (BPS106)
    assert capsys.readouterr().out.startswith(f"{out}: {broken_totals()['error']} errors, {warnings} warning")
    text = out.read_text(encoding="utf-8")
    assert "hunter2" not in text
    page = html.fromstring(text)
    assert [int(b.text) for b in page.xpath("//*[@id='summary']//b")][:2] == [broken_totals()["error"], warnings]
    section = page.xpath(f"//section[{C('cluster')}]")[0]
    svg = section.xpath(f".//div[{C('picture')}]/svg")[0]
    assert {g.get("data-id") for g in svg.xpath(".//*[local-name()='g'][contains(@class,'box')][contains(@class,'fault')]")} == {"n1", "n2", "n3"}
    # findings grouped by node, then by file, each with its rule link and masked source line
    nodes = [d.get("data-node") for d in section.xpath(f".//details[{C('node-findings')}]")]
    assert nodes == ["manager", "worker1", "worker2"]
    worker1 = section.xpath(f".//details[{C('node-findings')}][@data-node='worker1']")[0]
    files = [f.text for f in worker1.xpath(f".//*[{C('file')}]")]
    assert files == sorted(files) and any(f.endswith("worker1/repository/conf/datasources/bps-datasources.xml") for f in files)
    row = worker1.xpath(".//tr[@data-rule='BPS101']")[0]
    assert row.xpath(".//a")[0].get("href").startswith("https://bps-lint.github.io/bps-lint/") and row.xpath(".//a")[0].get("href").endswith("/rules/BPS101/")
    assert row.xpath(".//td")[0].text == "25:21"
    assert row.xpath(".//pre")[0].text == "<defaultAutoCommit>false</defaultAutoCommit>"
    worker2 = section.xpath(f".//details[{C('node-findings')}][@data-node='worker2']")[0]
    shown = sorted(row.xpath(".//pre")[0].text for row in worker2.xpath(".//tr[@data-rule='BPS705']"))
    assert shown == ["<password>****</password>", "<url>jdbc:mysql://mysql.bps.internal:3306/bps_db?autoReconnect=true&amp;password=****</url>"]
    # the drift tables
    differences = section.xpath(".//table[@data-kind='differences']")[0]
    settings = [tr.get("data-setting") for tr in differences.xpath(".//tbody/tr")]
    assert "datasource(BPS_DS)/defaultAutoCommit" in settings and "datasource(BPS_DS)/password" in settings
    password = differences.xpath(".//tr[@data-setting='datasource(BPS_DS)/password']//code")
    heads = [th.text for th in differences.xpath(".//thead//th")][2:-1]  # setting, file, the nodes, status
    cells = dict(zip(heads, [c.text for c in password][1:]))
    assert cells == {
        "node manager": "vault alias Datasources.BPS_DS.Password",
        "node worker1": "vault alias Datasources.BPS_DS.Password",
        "node worker2": "secret #1",
    }
    per_node = section.xpath(".//table[@data-kind='per-node']")[0]
    assert "duplicate" in per_node.xpath(".//tr[@data-setting='bps/NodeId']/td")[-1].text


def test_report_fetches_nothing(tmp_path):
    _, out = _report(tmp_path, BROKEN, "--exit-zero")
    text = out.read_text(encoding="utf-8")
    page = html.fromstring(text)
    assert not page.xpath("//script|//iframe|//object|//embed|//img|//link[@rel='stylesheet']")
    assert all(link.get("href").startswith("data:") for link in page.xpath("//link"))
    assert "default-src 'none'" in page.xpath("//meta[@http-equiv='Content-Security-Policy']")[0].get("content")
    assert not re.search(r"@import|url\((?!#)|@font-face", text)  # url(#marker) is a reference inside the page


def test_report_of_a_clean_cluster_exits_zero(tmp_path):
    code, out = _report(tmp_path, REPO / "examples" / "cluster")
    assert code == 0
    page = html.fromstring(out.read_text(encoding="utf-8"))
    assert page.xpath("//table[@data-kind='per-node']") and page.xpath(f"//*[{C('drift-empty')}][@data-kind='differences']")


def test_report_of_two_clusters_compares_them(tmp_path):
    code, out = _report(tmp_path, REPO / "examples")
    page = html.fromstring(out.read_text(encoding="utf-8"))
    assert code == 1
    assert sorted(s.get("data-cluster").rsplit("/", 1)[-1] for s in page.xpath(f"//section[{C('cluster')}]")) == ["broken-cluster", "cluster"]
    between = page.xpath("//*[@id='between-clusters']//table")[0]
    assert between.xpath(".//tr[@data-setting='datasource(BPS_DS)/defaultAutoCommit']")
    ids = re.findall(r' id="([^"]+)"', out.read_text(encoding="utf-8"))
    assert len(ids) == len(set(ids))


def test_report_needs_a_file(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["report", str(BROKEN)])
    assert exit.value.code == 2
    assert "--html" in capsys.readouterr().err
