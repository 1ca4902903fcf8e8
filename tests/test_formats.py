"""Each output format against its format's structure: SARIF for GitHub code scanning, GitHub workflow commands, JUnit XML."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from lxml import etree

from linter.cli import main
from tests.helpers import BROKEN_FINDINGS, REPO, broken_summary, materialize

BROKEN = REPO / "examples" / "broken-cluster"
GITHUB_COMMAND = re.compile(r"^::(error|warning|notice) file=(?P<file>[^,:]+)(,line=(?P<line>\d+))?(,col=(?P<col>\d+))?,title=(?P<title>[^:]+)::(?P<msg>.+)$")


@pytest.fixture
def relative_cwd(monkeypatch):
    monkeypatch.chdir(REPO)


def _out(capsys, *args):
    code = main(list(args))
    return code, capsys.readouterr().out


def test_sarif_for_github_code_scanning(relative_cwd, capsys):
    code, out = _out(capsys, "examples/broken-cluster", "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    jsonschema.validate(log, json.loads((REPO / "schemas" / "sarif-github.schema.json").read_text()))
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "bps-lint" and len(rules) >= 47
    bps101 = next(r for r in rules if r["id"] == "BPS101")
    assert bps101["name"] == "bps-ds-autocommit" and bps101["defaultConfiguration"] == {"level": "error"}
    assert bps101["helpUri"].endswith("/rules/BPS101/") and bps101["shortDescription"]["text"] == "BPS_DS must have defaultAutoCommit set to true"
    assert next(r for r in rules if r["id"] == "BPS703")["defaultConfiguration"]["level"] == "note"
    results = run["results"]
    assert len(results) == len(BROKEN_FINDINGS)
    first = next(r for r in results if r["ruleId"] == "BPS101")
    assert rules[first["ruleIndex"]]["id"] == "BPS101" and first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "examples/broken-cluster/worker1/repository/conf/datasources/bps-datasources.xml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 25, "startColumn": 21}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.as_uri() + "/"
    assert len({r["partialFingerprints"]["bpsLintFinding/v1"] for r in results}) == len(results)


def test_sarif_file_level_finding_has_a_region(tmp_path, capsys):
    unknown_version = {"nodes": ["worker1"], "file": "carbon.xml", "replace": "<Version>3.6.0</Version>", "with": "<Version>3.2.0</Version>"}
    cluster = materialize({"files": [{"nodes": ["worker1"], "file": "registry.xml", "state": "missing"}, unknown_version]}, tmp_path)
    _, out = _out(capsys, str(cluster), "--format", "sarif")
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "BPS004" and result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("file:///")  # outside the cwd: absolute


def test_github_workflow_commands(relative_cwd, capsys):
    code, out = _out(capsys, "examples/broken-cluster", "--format", "github")
    lines = out.splitlines()
    assert code == 1 and lines[-1] == broken_summary()
    parsed = [GITHUB_COMMAND.match(line) for line in lines[:-1]]
    assert all(parsed), lines
    assert {m[1] for m in parsed} == {"error", "warning", "notice"}
    setup = next(m for m in parsed if m["title"] == "BPS702 setup-flag-in-cluster")
    assert (setup[1], setup["file"], setup["line"], setup["col"]) == ("notice", "examples/broken-cluster/worker1/bin/wso2server.sh", "315", "5")


@pytest.mark.parametrize("fmt", ["github", "gitlab", "checkstyle"])
def test_annotation_formats_name_the_node_as_the_text_report_does(relative_cwd, capsys, fmt):
    """A template or ConfigMap several nodes read gives one annotation per node: each must say which."""
    _, out = _out(capsys, "examples/broken-cluster", "--format", fmt)
    assert "did you mean 'localMemberHost'? [examples/broken-cluster/worker1]" in out, out


def test_github_escapes_data_and_properties():
    from linter.report.github import _data, _property

    assert _data("50% done\nnext") == "50%25 done%0Anext"
    assert _property("a,b:c") == "a%2Cb%3Ac"


def test_junit_one_case_per_rule_per_cluster(tmp_path, capsys):
    envs = tmp_path / "envs"
    import shutil

    shutil.copytree(BROKEN, envs / "prod")
    shutil.copytree(REPO / "examples" / "cluster", envs / "staging")
    code, out = _out(capsys, str(envs), "--format", "junit")
    assert code == 1
    root = etree.fromstring(out.encode())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name").split("/")[-1] for s in suites] == ["prod", "staging"]
    rules = int(suites[0].get("tests"))
    assert rules >= 47 and int(suites[1].get("tests")) == rules and int(root.get("tests")) == 2 * rules
    assert suites[1].get("failures") == "0" and suites[0].get("failures") == "7"  # 7 rules with errors; BPS705 and BPS201 are only warnings
    case = suites[0].find("testcase[@name='BPS502 task-server-count']")
    failure = case.find("failure")
    assert failure.get("type") == "error" and failure.text.count("BPS502 error") == 3
    warning_case = suites[0].find("testcase[@name='BPS705 plaintext-password']")
    assert warning_case.find("failure") is None and "BPS705 warning" in warning_case.find("system-out").text


def test_junit_warning_fails_with_fail_on_warning(capsys):
    _, out = _out(capsys, str(BROKEN), "--format", "junit", "--fail-on", "warning")
    case = etree.fromstring(out.encode()).find(".//testcase[@name='BPS705 plaintext-password']")
    assert case.find("failure").get("type") == "warning"


def test_output_file_is_written_and_text_still_printed(relative_cwd, tmp_path, capsys):
    target = tmp_path / "report.sarif"
    target.write_text("old report")
    code, out = _out(capsys, "examples/broken-cluster", "--format", "sarif", "--output", str(target))
    assert code == 1
    assert out.splitlines()[-1] == broken_summary() and "BPS101 [*] error" in out
    assert json.loads(target.read_text())["version"] == "2.1.0"
    assert [p.name for p in tmp_path.iterdir()] == ["report.sarif"]  # no temporary file left behind


def test_output_to_an_unwritable_place_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "file").write_text("")  # a folder cannot be made below a file
    code = main([str(BROKEN), "--output", str(tmp_path / "file" / "dir" / "r.json")])
    assert code == 2 and "cannot write" in capsys.readouterr().err


def test_a_long_text_report_is_written_in_pieces_each_of_whole_lines(tmp_path, monkeypatch):
    # A fleet's report is a megabyte of text: written a piece at a time, it is never held (or encoded) whole.
    import io
    import shutil

    for index in range(8):
        shutil.copytree(BROKEN, tmp_path / "envs" / f"env{index}")
    writes = []

    class Recorder(io.StringIO):
        def write(self, text):
            writes.append(text)
            return super().write(text)

    for style in ("concise", "full"):
        writes.clear()
        monkeypatch.setattr("sys.stdout", Recorder())
        assert main([str(tmp_path / "envs"), "--jobs", "1", "--style", style]) == 1
        assert len(writes) > 1 and all(piece.endswith("\n") for piece in writes)
        lines = "".join(writes).splitlines()
        assert len([line for line in lines if " BPS101 " in line]) == 8 and lines[-1].startswith("96 errors, ")
