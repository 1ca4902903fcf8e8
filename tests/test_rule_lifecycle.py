"""Rule ids are an interface: a removed rule keeps its id, name and page; naming it is a warning, never a crash.

The cases use an organisation's policy folder (tests/fixtures/lifecycle) so that no real rule is removed:
ORG100 was removed and replaced by ORG101; ORG102 is in preview; ORG103 is deprecated.
"""

from __future__ import annotations

import shutil

import pytest

from linter.cli import main
from linter.config import Settings, apply_settings
from linter.docsgen import removed_rule_page, removed_rules_table, rule_page, runbook_steps
from linter.evaluate.policy import PolicyError, load_rules
from tests.helpers import REPO, materialize

FIXTURE = REPO / "tests" / "fixtures" / "lifecycle"
DS = "datasources/bps-datasources.xml"
OFF_WITH_SUPPRESSION = "<defaultAutoCommit>false</defaultAutoCommit> <!-- bps-lint: disable=ORG100 -->"
ORG100_GONE = (
    "ORG100 (org-old-autocommit), removed in 0.2.0; it applies to ORG101 instead: name ORG101 there. Why: It read only the manager's datasources file."
)


def _rules():
    return load_rules([str(FIXTURE)])


def _chosen(**settings):
    rules = _rules()
    chosen = apply_settings(rules.live, Settings(**settings), rules.removed)
    return {p.id for p in chosen if p.id.startswith("ORG")}


@pytest.fixture
def cluster(tmp_path):
    """A cluster whose worker1 has auto-commit off, under a config that adds the lifecycle policies."""
    found = materialize(
        {"files": [{"nodes": ["worker1"], "file": DS, "replace": "<defaultAutoCommit>true</defaultAutoCommit>", "with": OFF_WITH_SUPPRESSION}]}, tmp_path
    )
    shutil.copytree(FIXTURE, tmp_path / "org-policies")
    return found


def _config(cluster, text=""):
    (cluster / "bps-lint.toml").write_text(f'extra-policies = ["../org-policies"]\n{text}')


def test_a_removed_rule_is_kept_apart_from_the_rules_in_force():
    rules = _rules()
    assert [p.id for p in rules.removed] == ["ORG100"]
    assert {"ORG101", "ORG102", "ORG103"} <= {p.id for p in rules.live}
    assert "ORG100" not in {p.id for p in rules.live}
    (gone,) = rules.removed
    assert (gone.name, gone.removed_in, gone.replaced_by) == ("org-old-autocommit", "0.2.0", ("ORG101",))


def test_the_id_and_name_of_a_removed_rule_are_never_given_to_another(tmp_path):
    folder = tmp_path / "org"
    shutil.copytree(FIXTURE, folder)
    text = (FIXTURE / "ORG101.toml").read_text()
    (folder / "ORG104.toml").write_text(text.replace('id = "ORG101"', 'id = "ORG100"').replace('"org-autocommit"', '"org-new"'))
    with pytest.raises(PolicyError, match="'ORG100' is already used by"):
        load_rules([str(folder)])
    (folder / "ORG104.toml").write_text(text.replace('id = "ORG101"', 'id = "ORG104"').replace('"org-autocommit"', '"org-old-autocommit"'))
    with pytest.raises(PolicyError, match="'org-old-autocommit' is already used by"):
        load_rules([str(folder)])


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda t: t.replace('replaced_by = ["ORG101"]', 'replaced_by = ["ORG404"]'), "'replaced_by': 'ORG404' is not a rule in force"),
        (lambda t: t.replace('removed_in = "0.2.0"\n', ""), "'removed_in' is a required property"),
        (lambda t: t + '\n[check]\nkind = "function"\n', "a removed rule keeps no 'check'"),
    ],
    ids=["successor-in-force", "when", "no-check"],
)
def test_a_removed_rule_must_say_when_why_and_what_replaced_it(tmp_path, edit, message):
    folder = tmp_path / "org"
    shutil.copytree(FIXTURE, folder)
    gone = folder / "ORG100.toml"
    gone.write_text(edit(gone.read_text()))
    with pytest.raises(PolicyError, match=message):
        load_rules([str(folder)])


def test_ignoring_a_removed_rule_ignores_what_replaced_it_with_a_warning(cluster, capsys):
    _config(cluster, 'ignore = ["ORG100"]\n')
    assert main([str(cluster), "--select", "ORG", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"bps-lint: warning: {cluster / 'bps-lint.toml'}: 'ignore' names {ORG100_GONE}\n"
    rules = {line.split('"')[3] for line in captured.out.splitlines() if '"rule":' in line}
    assert "ORG101" not in rules and "ORG103" in rules


def test_selecting_a_removed_rule_by_name_on_the_command_line_selects_its_successor(cluster, capsys):
    _config(cluster)
    assert main([str(cluster), "--select", "org-old-autocommit"]) == 1
    captured = capsys.readouterr()
    assert "--select names " + ORG100_GONE in captured.err  # the option, not the config file, named it
    assert ": ORG101 error: BPS_DS defaultAutoCommit is 'false'; expected true" in captured.out
    assert "BPS101" not in captured.out


def test_a_suppression_naming_a_removed_rule_is_reported_and_not_carried_over(cluster, capsys):
    _config(cluster, 'select = ["ORG101", "BPS006", "BPS005"]\n')
    assert main([str(cluster)]) == 1
    out = capsys.readouterr().out
    line = next(f for f in out.splitlines() if " BPS006 " in f)
    assert line.split(": BPS006 warning: ")[1].startswith(
        "suppression of ORG100 suppresses nothing: ORG100 (org-old-autocommit) was removed in 0.2.0; name ORG101 if that is meant, or remove it. "
        "Why: It read only the manager's datasources file. ["
    )
    assert "worker1/repository/conf/datasources/bps-datasources.xml:25:" in line
    assert ":25:21: ORG101 error:" in out  # the successor still reports the line
    assert " BPS005 " not in out  # not an unknown rule


def test_a_preview_rule_runs_only_when_named():
    assert "ORG102" not in _chosen()
    assert "ORG102" not in _chosen(select=["ORG"])
    assert "ORG102" in _chosen(select=["ORG102"])
    assert "ORG102" in _chosen(select=["org-autocommit-preview"])


def test_selecting_a_deprecated_rule_warns():
    settings = Settings(select=["org-autocommit-deprecated"])
    rules = _rules()
    assert [p.id for p in apply_settings(rules.live, settings, rules.removed)] == ["ORG103"]
    assert settings.warnings == [
        "--select names ORG103 (org-autocommit-deprecated), which is deprecated; use ORG101. Why: ORG101 checks the same setting on every datasource."
    ]
    assert Settings().warnings == [] and _chosen(select=["ORG"]) == {"ORG101", "ORG103"}


def test_explain_a_removed_rule(cluster, capsys, monkeypatch):
    _config(cluster)
    monkeypatch.chdir(cluster)
    assert main(["explain", "ORG100"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ORG100 org-old-autocommit: removed in 0.2.0\n\nIt read only the manager's datasources file.\n\nReplaced by ORG101.\n")
    assert out.rstrip().endswith("/usage/#your-own-policies")  # no page of the public site for an organisation's rule


def test_rule_pages_show_the_lifecycle():
    rules = _rules()
    by_id = {p.id: p for p in rules.live}
    (gone,) = rules.removed
    page = removed_rule_page(gone, by_id)
    assert '!!! failure "Removed in 0.2.0"' in page
    assert "It read only the manager's datasources file." in page
    assert "- [ORG101 org-autocommit](ORG101.md): BPS_DS must have defaultAutoCommit set to true" in page
    assert "| [ORG100](ORG100.md) | `org-old-autocommit` | 0.2.0 | ORG101 |" in removed_rules_table(rules.removed)
    assert removed_rules_table([]) == ""
    steps = runbook_steps(str(REPO / "docs" / "runbook"))
    assert '!!! warning "Deprecated"\n    ORG101 checks the same setting on every datasource. Use [ORG101](ORG101.md) instead.' in rule_page(
        by_id["ORG103"], steps
    )
    assert '!!! example "Preview"' in rule_page(by_id["ORG102"], steps)
    assert "!!! example" not in rule_page(by_id["ORG101"], steps) and "Deprecated" not in rule_page(by_id["ORG101"], steps)
