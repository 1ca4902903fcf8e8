"""The GitHub Action (action.yml): its lint script run as it is, and its metadata wired to that script."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import BROKEN_FIXABLE, REPO, broken_summary

SCRIPT = REPO / ".github" / "action" / "lint.sh"
needs_bash = pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")


def run_script(cwd: Path, **inputs):
    outputs = cwd / "github-output"
    outputs.write_text("")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin",
        "GITHUB_OUTPUT": str(outputs),
        "PYTHONPATH": str(REPO),
        **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
    }
    done = subprocess.run(["bash", str(SCRIPT)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return done, values


@pytest.fixture
def repo(tmp_path):
    shutil.copytree(REPO / "examples" / "broken-cluster", tmp_path / "envs" / "prod")
    shutil.copytree(REPO / "examples" / "cluster", tmp_path / "envs" / "staging")
    return tmp_path


@needs_bash
def test_findings_give_sarif_annotations_and_exit_code_1(repo):
    done, out = run_script(repo, path="envs/prod")
    assert done.returncode == 0, done.stderr  # the step itself passes: the upload runs before the job fails
    assert out == {"exit-code": "1", "sarif-file": "bps-lint.sarif"}
    log = json.loads((repo / "bps-lint.sarif").read_text())
    jsonschema.validate(log, json.loads((REPO / "schemas" / "sarif-github.schema.json").read_text()))
    assert len(log["runs"][0]["results"]) == 15
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 15
    assert "::error file=envs/prod/worker1/repository/conf/datasources/bps-datasources.xml,line=25,col=21,title=BPS101 bps-ds-autocommit::" in done.stdout
    assert broken_summary().removesuffix(BROKEN_FIXABLE) in done.stdout  # the text report, for the log


@needs_bash
def test_a_clean_tree_exits_0_and_annotates_nothing(repo):
    done, out = run_script(repo, path="envs/staging", sarif_file="report.sarif")
    assert out == {"exit-code": "0", "sarif-file": "report.sarif"}
    assert not [line for line in done.stdout.splitlines() if line.startswith("::")]


@needs_bash
def test_several_paths_fail_on_warning_and_a_baseline(repo):
    subprocess.run(
        [sys.executable, "-m", "linter", "envs/prod", "--write-baseline", "baseline.json"],
        cwd=repo,
        env={"PYTHONPATH": str(REPO)},
        check=True,
        capture_output=True,
    )
    done, out = run_script(repo, path="envs/prod envs/staging", baseline="baseline.json", fail_on="warning")
    assert out["exit-code"] == "0", done.stdout + done.stderr
    assert "(15 in the baseline)" in done.stdout and "2 clusters" in done.stdout


@needs_bash
def test_a_usage_error_exits_2_without_a_report(repo):
    done, out = run_script(repo, path="no/such/folder")
    assert out == {"exit-code": "2"}
    assert "no such file or folder: no/such/folder" in done.stderr


def test_action_metadata_runs_the_script_with_every_input():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    lint = next(s for s in steps if s.get("id") == "lint")
    assert lint["run"] == 'bash "$GITHUB_ACTION_PATH/.github/action/lint.sh"'
    script = SCRIPT.read_text()
    for name, value in lint["env"].items():
        assert name in script, name
        used = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value).group(1)
        assert used in action["inputs"]
    assert {"path", "version", "config", "fail-on"} <= set(action["inputs"])
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ steps.lint.outputs.sarif-file }}"
    assert steps[-1]["run"] == 'exit "$CODE"' and "steps.lint.outputs.exit-code != '0'" in steps[-1]["if"]
    for ref in re.findall(r"\$\{\{ inputs\.([\w-]+)", (REPO / "action.yml").read_text()):
        assert ref in action["inputs"], ref


@pytest.mark.skipif(not shutil.which("shellcheck"), reason="needs shellcheck (pip install '.[release]')")
def test_script_passes_shellcheck():
    done = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
