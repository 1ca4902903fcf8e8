"""Policies of your own: ``bps-lint verify`` runs their examples, ``bps-lint docs`` writes their pages, and their
findings link to a page that exists (their ``url``, the organisation's docs-url, never a missing public page)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from linter.cli import main
from tests.helpers import EXAMPLE_CLUSTER, REPO

USAGE = (REPO / "docs" / "usage.md").read_text(encoding="utf-8")
ORG001 = re.search(r"```toml\n# lint-policies/ORG001.toml\n(.*?)```", USAGE, re.S).group(1)


@pytest.fixture
def org(tmp_path):
    folder = tmp_path / "lint-policies"
    folder.mkdir()
    (folder / "ORG001.toml").write_text(ORG001, encoding="utf-8")
    return folder


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_passes_the_usage_pages_policy(org, capsys):
    code, out, _ = run(capsys, "verify", "--policies", str(org))
    assert code == 0
    assert out.splitlines() == ["ok    ORG001 bad example 'Offset 1'", "ok    ORG001 good example 'Offset 0'", "2 of 2 examples of 1 policy behave as they say"]


def test_verify_fails_a_bad_example_that_changes_nothing(org, capsys):
    policy = org / "ORG001.toml"
    policy.write_text(ORG001.replace('with = "<Offset>1</Offset>"', 'with = "<Offset>0</Offset>"'), encoding="utf-8")
    code, out, _ = run(capsys, "verify", "--policies", str(org))
    assert code == 1
    assert "FAIL  ORG001 bad example 'Offset 1': ORG001 does not fire on the bad example" in out


def test_verify_fails_a_good_example_that_fires(org, capsys):
    (org / "ORG001.toml").write_text(
        ORG001.replace('title = "Offset 0"', 'title = "Offset 2"').replace('with = "<Offset>0</Offset>"', 'with = "<Offset>2</Offset>"'), encoding="utf-8"
    )
    code, out, _ = run(capsys, "verify", "--policies", str(org))
    assert code == 1 and "FAIL  ORG001 good example 'Offset 2': ORG001 fires on the good example (Ports/Offset is '2'; expected 0)" in out


def test_verify_fails_an_example_whose_text_is_not_in_the_cluster(org, capsys):
    (org / "ORG001.toml").write_text(
        ORG001.replace('replace = "<Offset>0</Offset>"\nwith = "<Offset>1</Offset>"', 'replace = "<Offset>9</Offset>"\nwith = "<Offset>1</Offset>"'),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "verify", "--policies", str(org))
    assert code == 1 and "cannot apply the example: worker1/carbon.xml: the text to replace is not in the example cluster" in out


def test_verify_the_bundled_rules(capsys):
    code, out, _ = run(capsys, "verify", "-q")
    assert code == 0 and re.fullmatch(r"(\d+) of \1 examples of \d+ policies behave as they say\n", out)


def test_verify_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "verify", "--policies", str(tmp_path / "nope"))
    assert code == 2 and "no such policy folder" in err


def test_docs_writes_rule_pages_for_your_policies(org, tmp_path, capsys):
    out_dir = tmp_path / "site" / "rules"
    code, out, _ = run(capsys, "docs", "--policies", str(org), "--out", str(out_dir))
    assert code == 0 and out == f"wrote 2 pages to {out_dir}\n"
    page = (out_dir / "ORG001.md").read_text()
    assert page.startswith('---\ntitle: "ORG001 org-port-offset-zero"\n---\n\n# ORG001 org-port-offset-zero\n')
    assert "## How to fix\n\nSet <Offset>0</Offset> and move the node to its own host." in page
    assert "(https://bps-lint.github.io/bps-lint/0.1/runbook/clustering/#ports)" in page  # the published runbook, not ../runbook/
    index = (out_dir / "index.md").read_text()
    assert "| [ORG001](ORG001.md) | `org-port-offset-zero` | error |" in index and "BPS101" not in index


def _cluster_with(org, tmp_path, manifest):
    cluster = tmp_path / "cluster"
    shutil.copytree(EXAMPLE_CLUSTER, cluster)
    carbon = cluster / "worker1" / "repository" / "conf" / "carbon.xml"
    carbon.write_text(carbon.read_text().replace("<Offset>0</Offset>", "<Offset>1</Offset>", 1))
    (cluster / "bps-lint.toml").write_text(f'extra-policies = ["{org}"]\n{manifest}', encoding="utf-8")
    return cluster


@pytest.mark.parametrize(
    ("policy_url", "manifest", "expected"),
    [
        ("", "", "https://bps-lint.github.io/bps-lint/0.1/usage/#your-own-policies"),
        ("", 'docs-url = "https://lint.example.org/"\n', "https://lint.example.org/rules/ORG001/"),
        ('url = "https://wiki.example.org/bps/ORG001"\n', 'docs-url = "https://lint.example.org/"\n', "https://wiki.example.org/bps/ORG001"),
    ],
)
def test_a_rule_of_your_own_links_to_a_page_that_exists(org, tmp_path, capsys, monkeypatch, policy_url, manifest, expected):
    monkeypatch.delenv("BPS_LINT_DOCS_URL", raising=False)
    (org / "ORG001.toml").write_text(policy_url + ORG001, encoding="utf-8")
    cluster = _cluster_with(org, tmp_path, manifest)
    code, out, _ = run(capsys, str(cluster))
    line = next(line for line in out.splitlines() if " ORG001 " in line)
    assert code == 1 and line.endswith(f"({expected})")
    assert "/rules/BPS101/" not in out  # nothing else fires


def test_explain_prints_the_runbook_step_as_a_url(capsys):
    code, out, _ = run(capsys, "explain", "BPS101")
    assert code == 0 and "Runbook step: https://bps-lint.github.io/bps-lint/0.1/runbook/datasources/#bps-ds" in out


def test_the_pages_build_in_an_organisations_mkdocs_site(org, tmp_path, capsys):
    """What the usage page tells an organisation to put in its mkdocs.yml is enough for a strict build."""
    site = tmp_path / "org-site"
    assert run(capsys, "docs", "--policies", str(org), "--out", str(site / "docs" / "rules"))[0] == 0
    (site / "docs" / "index.md").write_text("# Our BPS rules\n\nSee [the rules](rules/index.md).\n")
    config = re.search(r"```yaml\n(# mkdocs.yml of your site\n.*?)```", USAGE, re.S).group(1)
    (site / "mkdocs.yml").write_text(config, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"],
        cwd=site,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    page = (site / "site" / "rules" / "ORG001" / "index.html").read_text()
    assert "org-port-offset-zero" in page and 'class="tabbed-set' in page and 'class="admonition danger"' in page
