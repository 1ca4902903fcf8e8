"""Configuration: select/ignore, severity overrides, per-path ignores, exclude, extra policies, fail-on, exit-zero."""

from __future__ import annotations

import shutil

import pytest

from linter.cli import main
from tests.helpers import EXAMPLE_CLUSTER, REPO, broken_summary

BROKEN = REPO / "examples" / "broken-cluster"


@pytest.fixture
def repo(tmp_path):
    shutil.copytree(BROKEN, tmp_path / "envs" / "prod")
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "envs" / "staging")
    return tmp_path


def _rules(capsys):
    out = capsys.readouterr().out.splitlines()
    return sorted({line.split(": ")[1].split()[0] for line in out[:-1]}), out[-1]


def _config(repo, text):
    (repo / "bps-lint.toml").write_text(text)


def test_select_by_id_name_and_prefix(repo, capsys):
    _config(repo, 'select = ["BPS5", "single-writable-node", "node-id"]\n')
    assert main([str(repo / "envs")]) == 1
    rules, _ = _rules(capsys)
    assert rules == ["BPS207", "BPS404", "BPS502"]  # node-id-set has nothing to report here


def test_ignore_and_command_line_override(repo, capsys):
    _config(repo, 'ignore = ["BPS5", "depsync"]\n')
    main([str(repo / "envs")])
    rules, _ = _rules(capsys)
    assert "BPS502" not in rules and "BPS602" not in rules and "BPS101" in rules
    main([str(repo / "envs"), "--ignore", "BPS1,BPS2,BPS3,BPS4,BPS6,BPS7"])  # the flag replaces the config's list
    rules, _ = _rules(capsys)
    assert rules == ["BPS502"]
    main([str(repo / "envs"), "--select", "BPS101"])
    rules, _ = _rules(capsys)
    assert rules == ["BPS101"]


def test_severity_override_and_fail_on(repo, capsys):
    _config(repo, 'select = ["BPS702", "BPS101"]\n[severity]\nBPS101 = "warning"\n')
    assert main([str(repo / "envs")]) == 0  # only warnings left
    out = capsys.readouterr().out
    assert "BPS101 [*] warning: BPS_DS defaultAutoCommit" in out and out.strip().endswith(
        "0 errors, 1 warning, 1 info in 78 files, 6 nodes, 2 clusters; 1 fixable with --fix"
    )
    assert main([str(repo / "envs"), "--fail-on", "warning"]) == 1
    capsys.readouterr()
    _config(repo, 'select = ["BPS101"]\nfail-on = "warning"\n[severity]\nBPS101 = "warning"\n')
    assert main([str(repo / "envs")]) == 1


def test_exit_zero(repo, capsys):
    assert main([str(repo / "envs"), "--exit-zero"]) == 0
    assert capsys.readouterr().out.strip().endswith(broken_summary(files=78, nodes=6, clusters=2))


def test_per_path_ignores(repo, capsys):
    _config(repo, '[per-path-ignores]\n"envs/prod/worker1/**" = ["BPS101", "setup-flag-in-cluster"]\n"envs/prod/*/repository/conf/etc" = ["BPS502"]\n')
    main([str(repo / "envs")])
    out = capsys.readouterr().out
    assert "BPS101" not in out and "BPS702" not in out and "BPS502" not in out
    assert "worker1/repository/conf/registry.xml:46:9: BPS201" in out


def test_exclude(repo, capsys):
    _config(repo, 'exclude = ["envs/prod"]\n')
    assert main([str(repo / "envs")]) == 0
    assert capsys.readouterr().out.strip() == "0 errors, 0 warnings, 0 infos in 39 files, 3 nodes, 1 cluster"


def test_extra_policies(repo, capsys):
    org = repo / "org-policies"
    org.mkdir()
    text = (REPO / "policies" / "BPS301.toml").read_text()
    text = text.replace('id = "BPS301"', 'id = "ORG001"').replace('name = "clustering-enabled"', 'name = "org-port-offset-zero"')
    start, end = text.index("[autofix]"), text.index("[[examples]]")  # BPS301's fix and check replaced
    text = (
        text[:start]
        + '[check]\nfield = "carbon.port_offset"\nequals = "0"\nmessage = "Ports/Offset is {found}; our hosts run one node each, expected 0"\n\n'
        + text[end:]
    )
    (org / "ORG001.toml").write_text(text)
    _config(repo, 'extra-policies = ["org-policies"]\nselect = ["ORG"]\n')
    (repo / "envs/staging/worker2/repository/conf/carbon.xml").write_text(
        (repo / "envs/staging/worker2/repository/conf/carbon.xml").read_text(encoding="latin-1").replace("<Offset>0</Offset>", "<Offset>3</Offset>"),
        encoding="latin-1",
    )
    assert main([str(repo / "envs")]) == 1
    out = capsys.readouterr().out
    assert "staging/worker2/repository/conf/carbon.xml:127:9: ORG001 error: Ports/Offset is '3'; our hosts run one node each, expected 0" in out
    assert "/usage/#your-own-policies)" in out  # the public site has no page for an organisation's rule


@pytest.mark.parametrize(
    "text,message",
    [
        ('select = ["BPS9"]\n', "'select' names no rule: 'BPS9'"),
        ('[severity]\nBPS101 = "fatal"\n', "invalid manifest at 'severity.BPS101'"),
        ('fail-on = "info"\n', "invalid manifest at 'fail-on'"),
        ('ignored = ["BPS101"]\n', "Additional properties are not allowed ('ignored' was unexpected)"),
        ('[per-path-ignores]\n"envs/**" = ["nope"]\n', "'per-path-ignores' names no rule: 'nope'"),
    ],
)
def test_config_errors_name_the_key(repo, capsys, text, message):
    _config(repo, text)
    assert main([str(repo / "envs")]) == 2
    err = capsys.readouterr().err
    assert message in err and "bps-lint.toml" in err and len(err.strip().splitlines()) == 1


def test_explicit_config_file(repo, tmp_path, capsys):
    other = tmp_path / "ci.toml"
    other.write_text('select = ["BPS101"]\n')
    main([str(repo / "envs"), "--config", str(other)])
    rules, _ = _rules(capsys)
    assert rules == ["BPS101"]
    assert main([str(repo / "envs"), "--config", str(tmp_path / "none.toml")]) == 2


def test_a_bad_select_on_the_command_line_is_named_as_the_option_not_the_config(tmp_path, capsys):
    shutil.copytree(EXAMPLE_CLUSTER, tmp_path / "c")
    (tmp_path / "c" / "bps-lint.toml").write_text('ignore = ["BPS702"]\n')
    assert main([str(tmp_path / "c"), "--select", "NOPE"]) == 2
    assert "--select names no rule: 'NOPE'" in capsys.readouterr().err
