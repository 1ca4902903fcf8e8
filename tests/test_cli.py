"""The command line: formats, exit codes, subcommands, and no traceback or secret for a user mistake."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import jsonschema
import pytest

from linter.cli import main
from tests.helpers import EXAMPLE_CLUSTER, REPO, materialize, policies

TEXT_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+)(:(?P<col>\d+))?: (?P<rule>BPS\d{3})(?P<fixable> \[\*\])? (?P<sev>error|warning|info): (?P<msg>.+) \[(?P<scope>[^\]]+)\] \((?P<url>https?://\S+/rules/BPS\d{3}/)\)$"
)


def _schema(name):
    return json.loads((REPO / "schemas" / name).read_text())


def _run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "linter", *args], capture_output=True, text=True, cwd=cwd or REPO, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    )


@pytest.fixture
def broken(tmp_path):
    """The example cluster with a worker that has defaultAutoCommit false and a plaintext password."""
    example = {
        "files": [
            {
                "nodes": ["worker1"],
                "file": "datasources/bps-datasources.xml",
                "replace": "<defaultAutoCommit>true</defaultAutoCommit>",
                "with": "<defaultAutoCommit>false</defaultAutoCommit>",
            },
            {
                "nodes": ["worker1"],
                "file": "datasources/bps-datasources.xml",
                "replace": '<password svns:secretAlias="Datasources.BPS_DS.Password"></password>',
                "with": "<password>Sup3r-S3cret-Pa55</password>",
            },
        ]
    }
    return materialize(example, tmp_path)


def test_example_cluster_is_clean(capsys):
    assert main([str(EXAMPLE_CLUSTER)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "0 errors, 0 warnings, 0 infos in 39 files, 3 nodes, 1 cluster"


def test_text_format(broken, capsys):
    assert main([str(broken)]) == 1
    lines = capsys.readouterr().out.splitlines()
    findings, summary = lines[:-1], lines[-1]
    assert summary == "1 error, 1 warning, 0 infos in 39 files, 3 nodes, 1 cluster; 1 fixable with --fix"
    parsed = [TEXT_LINE.match(line) for line in findings]
    assert all(parsed), findings
    first = parsed[0]
    assert first["path"].endswith("worker1/repository/conf/datasources/bps-datasources.xml")
    assert (first["line"], first["col"], first["rule"], first["sev"]) == ("18", "21", "BPS705", "warning")
    second = parsed[1]
    assert (second["line"], second["rule"], second["sev"]) == ("25", "BPS101", "error")
    assert second["msg"] == "BPS_DS defaultAutoCommit is 'false'; expected true"
    assert second["scope"].endswith("/worker1")


def test_json_format_matches_its_schema(broken, capsys):
    assert main([str(broken), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, _schema("findings.schema.json"))
    assert report["summary"] == {"errors": 1, "warnings": 1, "infos": 0, "files": 39, "nodes": 3, "clusters": 1}
    rules = [(f["rule"], f["name"], f["line"], f["node"]) for f in report["findings"]]
    assert rules == [("BPS705", "plaintext-password", 18, "worker1"), ("BPS101", "bps-ds-autocommit", 25, "worker1")]


def test_passwords_never_printed(broken, capsys):
    for args in ([str(broken)], [str(broken), "--format", "json"], ["model", str(broken)]):
        main(args)
        out = capsys.readouterr()
        assert "Sup3r-S3cret-Pa55" not in out.out + out.err


def test_model_matches_its_schema(capsys):
    assert main(["model", str(EXAMPLE_CLUSTER), "--format", "json"]) == 0
    model = json.loads(capsys.readouterr().out)
    jsonschema.validate(model, _schema("model.schema.json"))
    (cluster,) = model["clusters"]
    roles = {n["name"]: n["role"] for n in cluster["nodes"]}
    assert roles == {"manager": "manager", "worker1": "worker", "worker2": "worker"}
    worker1 = next(n for n in cluster["nodes"] if n["name"] == "worker1")
    assert worker1["bps"]["node_id"]["value"] == "bps-worker1" and worker1["bps"]["node_id"]["line"] == 117
    assert worker1["datasources"][0]["password"] == {
        "state": "alias",
        "alias": "Datasources.WSO2_CARBON_DB.Password",
        "is_default": False,
        "path": worker1["datasources"][0]["password"]["path"],
        "line": 19,
        "column": 21,
    }


def test_rules_lists_every_policy(capsys):
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(policies())
    assert any(re.match(r"^BPS101  bps-ds-autocommit\s+error\s+BPS_DS must have defaultAutoCommit set to true$", line) for line in lines)
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} == {p.id for p in policies()}


@pytest.mark.parametrize("key", ["BPS207", "single-writable-node", "bps207"])
def test_explain(key, capsys):
    assert main(["explain", key]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BPS207 single-writable-node (error, cluster scope)")
    assert "Why it matters:" in out and "How to fix:" in out and "Bad example:" in out and "/runbook/registry/#manager-and-workers" in out


def test_docs_url_is_configurable(broken, capsys, monkeypatch):
    main([str(broken), "--docs-url", "https://docs.example.org/bps-lint"])
    assert "(https://docs.example.org/bps-lint/rules/BPS101/)" in capsys.readouterr().out
    monkeypatch.setenv("BPS_LINT_DOCS_URL", "https://intranet.example/lint/")
    main([str(broken)])
    assert "(https://intranet.example/lint/rules/BPS101/)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,message",
    [
        (["no/such/folder"], "bps-lint: no such file or folder: no/such/folder"),
        (["explain", "BPS999"], "bps-lint: unknown rule 'BPS999'; 'bps-lint rules' lists them"),
        (["--statistics", "--format", "json", "examples/cluster"], "bps-lint: --statistics is a text report; --format json lists every finding with its rule"),
        (["--unsafe-fixes", "examples/cluster"], "bps-lint: --unsafe-fixes widens --fix or --diff; give one of them with it"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, message):
    result = _run(*args)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert "Traceback" not in result.stderr


def test_bad_option_exits_2():
    result = _run("--format", "yaml", ".")
    assert result.returncode == 2 and "invalid choice" in result.stderr and "Traceback" not in result.stderr


def test_help_for_each_command():
    for args in (["--help"], ["rules", "--help"], ["explain", "--help"], ["model", "--help"], ["check", "--help"]):
        result = _run(*args)
        assert result.returncode == 0 and "usage: bps-lint" in result.stdout


def test_exit_code_1_and_0_from_a_real_process(broken):
    assert _run(str(broken)).returncode == 1
    assert _run(str(EXAMPLE_CLUSTER)).returncode == 0


def test_runs_from_another_directory(tmp_path):
    target = tmp_path / "repo"
    shutil.copytree(EXAMPLE_CLUSTER, target / "cluster")
    result = _run("cluster", cwd=target)
    assert result.returncode == 0
    assert result.stdout.strip().endswith("in 39 files, 3 nodes, 1 cluster")


def test_paths_are_relative_to_the_current_directory(broken, monkeypatch, capsys):
    monkeypatch.chdir(broken.parent)
    main(["cluster"])
    out = capsys.readouterr().out
    assert out.startswith("cluster/worker1/repository/conf/datasources/bps-datasources.xml:18:21: BPS705")


def test_paths_outside_the_current_directory(broken, monkeypatch, capsys):
    """A sibling folder shows as '../name/...', as typed; a path sharing only the root with the current folder shows
    absolute, not as '../../..' up to the root."""
    (broken.parent / "elsewhere").mkdir()
    monkeypatch.chdir(broken.parent / "elsewhere")
    main(["../cluster"])
    assert capsys.readouterr().out.startswith("../cluster/worker1/repository/conf/datasources/bps-datasources.xml:18:21: BPS705")
    monkeypatch.chdir(next(top for top in ("/usr", "/var", "/etc") if not str(broken).startswith(top + "/")))
    main([str(broken)])
    assert capsys.readouterr().out.startswith(f"{broken}/worker1/repository/conf/datasources/bps-datasources.xml:18:21: BPS705")


def test_a_finding_of_no_node_has_no_empty_brackets(tmp_path, capsys, monkeypatch):
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "cluster")
    (tmp_path / "cluster" / "bps-lint.toml").write_text('[nodes."workr1"]\nreplicas = 2\n')  # names no node folder
    monkeypatch.chdir(tmp_path)  # paths print relative to the working directory when they share a folder with it
    main(["cluster"])
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("cluster/bps-lint.toml: BPS003 error: ") and "[]" not in line and line.endswith("/rules/BPS003/)")


@pytest.mark.parametrize("stream", [b"", b"apiVersion: v1\nkind: Service\nmetadata: {name: bps}\n"])
def test_a_stream_with_nothing_to_check_is_a_usage_error_as_a_folder_is(monkeypatch, capsys, stream):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stream)))
    assert main(["-"]) == 2  # a chart that rendered nothing, or a pipe broken upstream, must not pass CI
    assert (
        capsys.readouterr().err == "bps-lint: no Kubernetes ConfigMap or workload found on standard input; expected YAML such as 'helm template CHART' prints\n"
    )


def test_a_folder_of_puppet_templates_says_they_are_not_rendered(tmp_path, capsys):
    templates = tmp_path / "puppet" / "templates" / "repository" / "conf"
    templates.mkdir(parents=True)
    (templates / "carbon.xml.erb").write_text("<Server><HostName><%= @hostname %></HostName></Server>\n")
    for command in ([], ["model"], ["graph"]):
        assert main([*command, str(tmp_path / "puppet")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "it holds Puppet ERB templates (" in err and "carbon.xml.erb" in err, err


def test_plain_paths_skip_argparse_but_mean_the_same(tmp_path):
    """The fast path for `bps-lint PATH...` must give what argparse gives for the same command line."""
    from linter.cli import _check_parser, parse_check_args

    for argv in ([], ["examples/cluster"], ["a", "b/c.xml"]):
        fast = parse_check_args(argv)
        assert not hasattr(fast, "_get_kwargs")  # really the fast path, not argparse's Namespace
        assert vars(fast) == vars(_check_parser().parse_args(argv))
    assert parse_check_args(["--jobs", "1", "x"]).jobs == 1  # options still go through argparse


def test_paths_are_relative_to_the_current_folder_without_dot_prefix(broken):
    """Run from inside the cluster folder, as an operator in their config repo would."""
    result = _run(".", cwd=broken)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0].startswith("worker1/repository/conf/datasources/bps-datasources.xml:"), result.stdout


def test_a_folder_with_nothing_to_check_is_a_usage_error(tmp_path, capsys):
    # A mistyped or emptied path must not pass a CI job.
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty")]) == 2
    assert "no BPS node configuration found under" in capsys.readouterr().err


def test_one_folder_of_several_with_nothing_to_check_is_a_usage_error(tmp_path, capsys):
    # `bps-lint envs/prod envs/staging` with staging emptied: prod's findings must not pass for a check of both
    (tmp_path / "empty").mkdir()
    assert main([str(EXAMPLE_CLUSTER), str(tmp_path / "empty")]) == 2
    assert capsys.readouterr().err == f"bps-lint: no BPS node configuration found under {tmp_path / 'empty'}\n"
    assert main([str(EXAMPLE_CLUSTER / "worker1" / "repository" / "conf"), str(EXAMPLE_CLUSTER / "manager")]) == 0  # folders inside nodes


def test_output_into_a_folder_not_yet_made(tmp_path):
    """A CI step's --output reports/x.sarif in a fresh checkout: the folder is made."""
    assert main([str(EXAMPLE_CLUSTER), "--format", "sarif", "--output", str(tmp_path / "reports" / "x.sarif")]) == 0
    assert json.loads((tmp_path / "reports" / "x.sarif").read_text())["runs"]
