"""Edits beyond setting a value: an element added where the stock file has it, an absent attribute added, a
start-script flag changed or removed; each touching only its own bytes."""

from __future__ import annotations

import shutil

import pytest

from linter.cli import main
from linter.fix import AddChild, EditLine, SetAttr
from linter.fix.apply import plan, write_atomic
from linter.fix.place import stock_place
from linter.fix.text import FixError, apply, replacements
from linter.parse.location import Loc
from tests.helpers import REPO, lint


def _edit(data: bytes, *edits) -> bytes:
    return apply(data, replacements(data, list(edits)))


def test_stock_place_names_the_siblings_around_an_element_in_the_stock_file():
    after, before = stock_place("/x/worker1/repository/conf/datasources/bps-datasources.xml", "configuration", "validationQuery")
    assert after[0] == "testOnBorrow" and before[0] == "validationInterval"
    after, before = stock_place("conf/bps.xml", "WSO2BPS", "NodeId")
    assert after[0] == "UseInstanceStateCache"
    assert stock_place("/x/unknown.xml", "a", "b") == ((), ())


POOL = b"<configuration>\n    <url>jdbc:mysql://db/bps</url>\n    <testOnBorrow>true</testOnBorrow><!-- on -->\n    <validationInterval>30000</validationInterval>\n</configuration>\n"


def test_an_element_goes_after_the_sibling_the_stock_file_has_before_it():
    edit = AddChild(Loc("f.xml", 1, 1), "configuration", "validationQuery", "SELECT 1", ("testOnBorrow",), ("validationInterval",))
    # the comment that ends the sibling's line stays on it
    assert _edit(POOL, edit) == POOL.replace(b"<!-- on -->\n", b"<!-- on -->\n    <validationQuery>SELECT 1</validationQuery>\n")


def test_without_that_sibling_it_goes_before_the_one_the_stock_file_has_after_it():
    data = POOL.replace(b"    <testOnBorrow>true</testOnBorrow><!-- on -->\n", b"")
    edit = AddChild(Loc("f.xml", 1, 1), "configuration", "validationQuery", "SELECT 1", ("testOnBorrow",), ("validationInterval",))
    assert _edit(data, edit) == data.replace(b"    <validationInterval>", b"    <validationQuery>SELECT 1</validationQuery>\n    <validationInterval>")


def test_without_either_it_goes_after_the_last_child_and_crlf_tabs_stay():
    data = b"<configuration>\r\n\t<url>u</url>\r\n</configuration>\r\n"
    edit = AddChild(Loc("f.xml", 1, 1), "configuration", "validationQuery", "a<b", ("testOnBorrow",), ())
    assert _edit(data, edit) == b"<configuration>\r\n\t<url>u</url>\r\n\t<validationQuery>a&lt;b</validationQuery>\r\n</configuration>\r\n"


def test_two_elements_added_at_one_place_are_both_written_in_order():
    data = POOL.replace(b"    <testOnBorrow>true</testOnBorrow><!-- on -->\n", b"")
    first = AddChild(Loc("f.xml", 1, 1), "configuration", "testOnBorrow", "true", ("url",), ())
    second = AddChild(Loc("f.xml", 1, 1), "configuration", "validationQuery", "SELECT 1", ("testOnBorrow", "url"), ())
    assert _edit(data, first, second) == data.replace(
        b"</url>\n", b"</url>\n    <testOnBorrow>true</testOnBorrow>\n    <validationQuery>SELECT 1</validationQuery>\n"
    )


def test_an_absent_attribute_is_added_after_the_tag_name():
    data = b'<axisconfig>\n    <clustering class="x.Agent"\n                other="1">\n    </clustering>\n</axisconfig>\n'
    assert _edit(data, SetAttr(Loc("f.xml", 2, 5), "clustering", "enable", None, "true")) == data.replace(
        b"<clustering class", b'<clustering enable="true" class'
    )


SCRIPT = b'#!/bin/sh\r\n    -Xms256m -XX:MaxPermSize=256m \\\r\n    -XX:MaxPermSize=512m \\\r\n    -DworkerNode="true" \\\r\n    -DworkerNodes=true\r\n'


def test_a_flag_is_changed_and_removed_in_place():
    assert _edit(SCRIPT, EditLine(Loc("s.sh", 4, 5), '-DworkerNode="true"', '-DworkerNode="false"')) == SCRIPT.replace(b'"true"', b'"false"')
    # the only flag on its line: the line goes; beside others: only the flag and its blank
    assert _edit(SCRIPT, EditLine(Loc("s.sh", 3, 5), "-XX:MaxPermSize=512m", "")) == SCRIPT.replace(b"    -XX:MaxPermSize=512m \\\r\n", b"")
    assert _edit(SCRIPT, EditLine(Loc("s.sh", 2, 14), "-XX:MaxPermSize=256m", "")) == SCRIPT.replace(b"-XX:MaxPermSize=256m ", b"")
    with pytest.raises(FixError):  # a longer flag that starts the same is another flag
        _edit(SCRIPT, EditLine(Loc("s.sh", 5, 5), "-DworkerNode", "x"))


@pytest.fixture
def cluster(tmp_path):
    dest = tmp_path / "cluster"
    shutil.copytree(REPO / "examples" / "cluster", dest)
    return dest


def test_clustering_without_an_enable_attribute_gets_one(cluster, capsys):
    axis2 = cluster / "worker2/repository/conf/axis2/axis2.xml"
    data = axis2.read_bytes().replace(b'\n                enable="true">', b">")
    axis2.write_bytes(data)
    assert [f.rule for f in lint(cluster).findings if f.fix] == ["BPS301"]
    main(["--fix", str(cluster)])
    assert axis2.read_bytes() == data.replace(b'<clustering class="', b'<clustering enable="true" class="')
    assert not [f for f in lint(cluster).findings if f.rule == "BPS301"]


def test_the_manager_started_as_a_worker_is_fixed_in_its_script_only(cluster, capsys):
    script = cluster / "manager/bin/wso2server.sh"
    data = script.read_bytes()
    script.write_bytes(data.replace(b"-DworkerNode=false", b"-DworkerNode=true"))
    main(["--fix", str(cluster)])
    assert script.read_bytes() == data
    assert "fixed 1 finding(s)" in capsys.readouterr().err


def test_nodes_on_one_host_get_free_offsets_and_member_ports(cluster):
    # all three nodes on one machine: 10.0.1.11 for each, the stock offset and cluster port everywhere
    for node in ("worker1", "worker2"):
        axis2 = cluster / node / "repository/conf/axis2/axis2.xml"
        axis2.write_bytes(axis2.read_bytes().replace(b">10.0.1.12<", b">10.0.1.10<").replace(b">10.0.1.11<", b">10.0.1.10<"))
    (cluster / "bps-lint.toml").write_text('[nodes.manager]\nhost = "m1"\n[nodes.worker1]\nhost = "m1"\n[nodes.worker2]\nhost = "m1"\n')
    result = lint(cluster)
    assert {f.rule for f in result.findings if f.fix} >= {"BPS305", "BPS306"}
    changes, refused = plan(result.findings, [str(cluster)], unsafe=True)
    assert not refused
    for change in changes:
        write_atomic(change.real, change.after)
    after = lint(cluster)
    assert not [f for f in after.findings if f.rule in ("BPS305", "BPS306")]
    offsets = sorted((cluster / n / "repository/conf/carbon.xml").read_text().split("<Offset>")[1].split("<")[0] for n in ("manager", "worker1", "worker2"))
    assert offsets == ["0", "1", "2"]


KUBE = REPO / "docs" / "sources" / "examples" / "manifests.yaml"


def test_a_fix_in_a_configmap_is_suggested_as_a_diff_of_the_manifest_and_never_written(tmp_path, capsys, monkeypatch):
    manifest = tmp_path / "manifests.yaml"
    manifest.write_bytes(KUBE.read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["manifests.yaml"]) == 1
    out = capsys.readouterr().out
    assert " BPS401 error" in out and "[*]" not in out and "fixable" not in out.splitlines()[-1]  # --fix does not make it
    assert main(["--diff", "manifests.yaml"]) == 1
    captured = capsys.readouterr()
    assert "-      <tns:UseDistributedLock>false</tns:UseDistributedLock>\n+      <tns:UseDistributedLock>true</tns:UseDistributedLock>\n" in captured.out
    assert "is a suggestion" in captured.err
    (tmp_path / "fix.diff").write_text(captured.out)
    before = manifest.read_bytes()
    main(["--fix", "manifests.yaml"])
    assert manifest.read_bytes() == before and "is a suggestion" in capsys.readouterr().err
    if shutil.which("patch"):
        import subprocess

        subprocess.run(["patch", "-s", "-p0", "-i", "fix.diff"], check=True, cwd=tmp_path)
        assert manifest.read_bytes() == before.replace(b"<tns:UseDistributedLock>false<", b"<tns:UseDistributedLock>true<")
        assert not [f for f in lint(manifest).findings if f.rule == "BPS401"]


def test_an_element_added_in_a_configmap_takes_the_block_indentation(tmp_path, capsys, monkeypatch):
    manifest = tmp_path / "manifests.yaml"
    manifest.write_bytes(KUBE.read_bytes().replace(b"      <tns:UseDistributedLock>false</tns:UseDistributedLock>\n", b""))
    monkeypatch.chdir(tmp_path)
    assert main(["--diff", "manifests.yaml"]) == 1
    out = capsys.readouterr().out
    assert "       <tns:ODESchedulerThreadPoolSize>50</tns:ODESchedulerThreadPoolSize>\n+      <tns:UseDistributedLock>true</tns:UseDistributedLock>\n" in out


def test_a_template_line_holding_a_variable_gets_a_diff_of_the_rendered_text_to_read(tmp_path, capsys):
    tree = tmp_path / "ansible"
    shutil.copytree(REPO / "tests" / "fixtures" / "ansible-ei-2hosts", tree)
    template = tree / "roles/bps/templates/carbon-home/wso2/business-process/conf/axis2/axis2.xml.j2"
    text = template.read_bytes().replace(b"\r\n", b"\n")
    template.write_bytes(text.replace(b'                enable="false">', b"                enable=\"{{ cluster_on | default('false') }}\">", 1))
    before = template.read_bytes()
    assert main(["--diff", str(tree)]) == 1
    captured = capsys.readouterr()
    assert "axis2.xml.j2" not in captured.out  # not a patch of the template: its line is not the rendered text
    assert "does not fall on lines written there byte for byte" in captured.err and '+                enable="true">' in captured.err
    main(["--fix", str(tree)])
    assert template.read_bytes() == before


def test_a_node_the_manifest_places_elsewhere_gets_its_host_as_local_member_host(cluster):
    axis2 = cluster / "worker2/repository/conf/axis2/axis2.xml"
    data = axis2.read_bytes()
    axis2.write_bytes(data.replace(b'"localMemberHost">10.0.1.12<', b'"localMemberHost">10.0.1.11<'))  # copied from worker1
    (cluster / "bps-lint.toml").write_text('[nodes.worker1]\nhost = "10.0.1.11"\n[nodes.worker2]\nhost = "10.0.1.12"\n')
    result = lint(cluster)
    fixes = [f for f in result.findings if f.rule == "BPS305" and f.fix]
    assert [f.node for f in fixes] == ["worker2"]  # worker1 keeps the address
    changes, _ = plan(result.findings, [str(cluster)], unsafe=True)
    assert [c.after for c in changes] == [data]


def test_a_rule_of_your_own_gets_its_fix_from_the_autofix_table_the_usage_page_shows(tmp_path, capsys):
    import re

    usage = (REPO / "docs" / "usage.md").read_text(encoding="utf-8")
    policy = re.search(r"```toml\n# lint-policies/ORG001.toml\n(.*?)```", usage, re.S).group(1)
    autofix = re.search(r"```toml\n(\[autofix\]\n.*?)```", usage, re.S).group(1)
    org = tmp_path / "lint-policies"
    org.mkdir()
    (org / "ORG001.toml").write_text(policy.replace("[check]", autofix + "\n[check]"), encoding="utf-8")
    cluster = tmp_path / "cluster"
    shutil.copytree(REPO / "examples" / "cluster", cluster)
    carbon = cluster / "worker1/repository/conf/carbon.xml"
    data = carbon.read_bytes()
    carbon.write_bytes(data.replace(b"<Offset>0</Offset>", b"<Offset>1</Offset>", 1))
    (cluster / "bps-lint.toml").write_text(f'extra-policies = ["{org}"]\n', encoding="utf-8")
    assert main(["--fix", str(cluster)]) == 0
    assert carbon.read_bytes() == data and "fixed 1 finding(s)" in capsys.readouterr().err


def test_a_comment_that_goes_on_past_the_siblings_line_is_not_entered():
    data = b"<c>\n  <url>u</url> <!-- the pool\n  ends here -->\n</c>\n"
    edit = AddChild(Loc("f.xml", 1, 1), "c", "validationQuery", "SELECT 1", ("url",), ())
    assert _edit(data, edit) == data.replace(b"</url>", b"</url>\n  <validationQuery>SELECT 1</validationQuery>")


def test_a_flag_ending_a_command_leaves_its_line_so_the_next_command_stays_apart():
    data = b"java \\\n    -Dfoo=bar \\\n    -XX:MaxPermSize=512m\necho done\n"
    assert _edit(data, EditLine(Loc("s.sh", 3, 5), "-XX:MaxPermSize=512m", "")) == b"java \\\n    -Dfoo=bar \\\n    \necho done\n"


def test_json_carries_a_suggested_fix_as_byte_ranges_of_the_manifest(tmp_path, capsys, monkeypatch):
    import json

    import jsonschema

    manifest = tmp_path / "manifests.yaml"
    manifest.write_bytes(KUBE.read_bytes())
    monkeypatch.chdir(tmp_path)
    main(["--format", "json", "manifests.yaml"])
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, json.loads((REPO / "schemas" / "findings.schema.json").read_text()))
    (fix,) = [f["fix"] for f in report["findings"] if f["rule"] == "BPS401"]
    assert fix["suggested"] is True and len(fix["edits"]) == 1
    edit = fix["edits"][0]
    assert manifest.read_bytes()[edit["start"] : edit["end"]] == b"false" and edit["content"] == "true"
    main(["--format", "sarif", "manifests.yaml"])
    (result,) = [r for r in json.loads(capsys.readouterr().out)["runs"][0]["results"] if r["ruleId"] == "BPS401"]
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"] == {"byteOffset": edit["start"], "byteLength": 5}
