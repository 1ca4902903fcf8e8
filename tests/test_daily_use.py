"""Daily use: baseline, statistics, quiet, terminal styles and colour, GitLab and checkstyle reports."""

from __future__ import annotations

import json
import shutil

import pytest
from lxml import etree

from linter.cli import main
from tests.helpers import REPO, broken_summary

BROKEN = REPO / "examples" / "broken-cluster"
DS = "repository/conf/datasources/bps-datasources.xml"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A copy of the broken example cluster, as the current folder (paths in reports are relative to it)."""
    shutil.copytree(BROKEN, tmp_path / "fleet", symlinks=True)
    monkeypatch.chdir(tmp_path / "fleet")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path / "fleet"


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def shift_lines(path, count=7):
    """Insert comment lines after the XML declaration: every finding in the file moves down."""
    lines = path.read_text(encoding="utf-8").split("\n")
    at = 1 if lines[0].startswith("<?xml") else 0
    path.write_text("\n".join([*lines[:at], *["<!-- an unrelated edit -->"] * count, *lines[at:]]), encoding="utf-8")


def test_baseline_round_trip(tree, capsys):
    code, _, err = run(capsys, "--write-baseline", "baseline.json", ".")
    assert code == 0 and "recorded 15 finding(s)" in err
    recorded = json.loads((tree / "baseline.json").read_text())["findings"]
    assert len(recorded) == 15 and all(set(e) == {"fingerprint", "rule", "path", "node", "message"} for e in recorded)
    assert "Bps-Prod-2024" not in (tree / "baseline.json").read_text()

    # Unrelated edits shift the lines of findings in three files: nothing is new.
    for rel in (f"worker1/{DS}", "worker2/repository/conf/carbon.xml", "manager/repository/conf/registry.xml"):
        shift_lines(tree / rel)
    code, out, err = run(capsys, "--baseline", "baseline.json", ".")
    assert code == 0, out
    assert out.splitlines() == ["0 errors, 0 warnings, 0 infos in 39 files, 3 nodes, 1 cluster (15 in the baseline)"]
    assert err == ""

    # A new fault: exactly one new finding, at its shifted place.
    edit(tree / f"worker2/{DS}", "<defaultAutoCommit>true</defaultAutoCommit>", "<defaultAutoCommit>false</defaultAutoCommit>")
    code, out, _ = run(capsys, "--baseline", "baseline.json", ".")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"worker2/{DS}:25:21: BPS101 [*] error:")

    # A recorded fault fixed: its entry is stale and named on stderr.
    edit(tree / f"worker1/{DS}", "<defaultAutoCommit>false</defaultAutoCommit>", "<defaultAutoCommit>true</defaultAutoCommit>")
    code, out, err = run(capsys, "--baseline", "baseline.json", ".")
    assert "1 baseline entry in baseline.json matches nothing any more" in err
    assert f"worker1/{DS}: BPS101 [worker1]" in err
    assert "(14 in the baseline)" in out


def test_baseline_from_the_config_file(tree, capsys):
    run(capsys, "--write-baseline", "known.json", ".")
    (tree / "bps-lint.toml").write_text('baseline = "known.json"\n', encoding="utf-8")
    code, out, _ = run(capsys, ".")
    assert code == 0 and "(15 in the baseline)" in out


def test_a_repeated_fault_is_new_even_when_recorded_once(tree, capsys):
    """Equal fingerprints are counted: a baseline entry hides one finding, not every copy of it."""
    from linter import baseline
    from linter.findings import Finding
    from linter.parse.location import Loc

    f = Finding("BPS101", "x", "error", "at line 3", Loc("a.xml", 3, 1, "root/x"), "c", "n", "u")
    moved = f._replace(loc=Loc("a.xml", 9, 1, "root/x"), message="at line 9")
    entries = json.loads(baseline.render([f], "."))["findings"]
    assert baseline.apply([moved], entries, ".").new == []
    assert baseline.apply([moved, moved], entries, ".").new == [moved]
    other_element = f._replace(loc=Loc("a.xml", 3, 1, "root/y"))
    assert baseline.apply([other_element], entries, ".").new == [other_element]


@pytest.mark.parametrize("content", ["", "[]", '{"format": 1, "findings": [{"rule": "BPS101"}]}', "{not json"])
def test_a_bad_baseline_is_a_one_line_usage_error(tree, capsys, content):
    (tree / "b.json").write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "--baseline", "b.json", ".")
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "Traceback" not in err


def test_missing_baseline_says_how_to_write_one(tree, capsys):
    code, _, err = run(capsys, "--baseline", "nope.json", ".")
    assert code == 2 and "--write-baseline nope.json" in err


def test_statistics_counts_per_rule_most_frequent_first(tree, capsys):
    code, out, _ = run(capsys, "--statistics", ".")
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == "3  BPS502  [*] task-server-count (error)"  # [*]: --fix corrects it
    assert "1  BPS705      plaintext-password (warning)" in lines
    assert lines[-1] == broken_summary()


def test_quiet_prints_the_summary_only_and_nothing_when_clean(tree, capsys):
    code, out, _ = run(capsys, "-q", ".")
    assert code == 1 and out == broken_summary() + "\n"
    code, out, _ = run(capsys, "-q", str(REPO / "examples" / "cluster"))
    assert code == 0 and out == ""


def test_version_short_flag(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["-V"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("bps-lint 0.")


def test_node_label_without_dot_cluster(tree, capsys):
    _, out, _ = run(capsys, ".")
    assert "[./" not in out and f"worker1/{DS}:25:21: BPS101 [*] error: BPS_DS defaultAutoCommit is 'false'; expected true [worker1]" in out


def test_full_style_shows_source_line_caret_and_each_url_once(tree, capsys):
    code, out, _ = run(capsys, "--style", "full", ".")
    assert code == 1
    lines = out.splitlines()
    at = lines.index(f"worker1/{DS}:25:21: BPS101 [*] error: BPS_DS defaultAutoCommit is 'false'; expected true [worker1]")
    assert lines[at + 2] == "25 |                     <defaultAutoCommit>false</defaultAutoCommit>"
    assert lines[at + 3] == "   |                     ^"
    assert lines[at + 3].index("^") == lines[at + 2].index("<defaultAutoCommit>")
    assert out.count("/rules/BPS502/") == 1 and "BPS502: https://" in out
    assert "\x1b[" not in out  # not a terminal


def test_full_style_masks_a_password_line(tree, capsys):
    _, out, _ = run(capsys, "--style", "full", ".")
    assert "Bps-Prod-2024" not in out and "<password>****" in out


@pytest.mark.parametrize(
    ("env", "flag", "coloured"),
    [
        ({}, [], False),
        ({"FORCE_COLOR": "1"}, [], True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False),
        ({"NO_COLOR": "1"}, ["--color", "always"], True),
        ({}, ["--color", "never"], False),
    ],
)
def test_colour_follows_no_color_force_color_and_the_flag(tree, capsys, monkeypatch, env, flag, coloured):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    _, out, _ = run(capsys, *flag, ".")
    assert ("\x1b[1;31merror\x1b[0m" in out) is coloured


def test_colour_on_a_terminal_only():
    import io

    from linter.cli import use_colour

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert use_colour("auto", Tty()) is True
    assert use_colour("auto", io.StringIO()) is False


GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def test_gitlab_code_quality_fields(tree, capsys):
    """The fields GitLab's Code Quality documentation requires, with their types and allowed values."""
    code, out, _ = run(capsys, "--format", "gitlab", ".")
    issues = json.loads(out)
    assert code == 1 and isinstance(issues, list) and len(issues) == 15
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["severity"] in GITLAB_SEVERITIES
        assert isinstance(issue["location"]["path"], str) and not issue["location"]["path"].startswith("/")
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    bps101 = next(i for i in issues if i["check_name"] == "BPS101 bps-ds-autocommit")
    assert bps101["location"] == {"path": f"worker1/{DS}", "lines": {"begin": 25}} and bps101["severity"] == "major"
    assert "Bps-Prod-2024" not in out

    shift_lines(tree / f"worker1/{DS}")
    moved = json.loads(run(capsys, "--format", "gitlab", ".")[1])
    assert {i["fingerprint"] for i in moved} == {i["fingerprint"] for i in issues}


def test_checkstyle_report(tree, capsys):
    code, out, _ = run(capsys, "--format", "checkstyle", ".")
    root = etree.fromstring(out.encode())
    assert code == 1 and root.tag == "checkstyle"
    errors = root.findall("file/error")
    assert len(errors) == 15
    file = root.find(f"file[@name='worker1/{DS}']")
    (error,) = file.findall("error")
    assert (error.get("line"), error.get("column"), error.get("severity"), error.get("source")) == ("25", "21", "error", "bps-lint.BPS101.bps-ds-autocommit")
    assert error.get("message").endswith("/rules/BPS101/)")
    assert {e.get("severity") for e in errors} == {"error", "warning", "info"}


def test_summary_counts_suppressed_findings(tree, capsys):
    edit(tree / f"worker1/{DS}", "<defaultAutoCommit>false", "<!-- bps-lint: disable=BPS101 --><defaultAutoCommit>false")
    _, out, _ = run(capsys, ".")
    assert " BPS101 " not in out
    assert (
        out.splitlines()[-1]
        == "11 errors, 2 warnings, 1 info in 39 files, 3 nodes, 1 cluster (1 suppressed); 5 fixable with --fix (3 more with --unsafe-fixes)"
    )


def test_full_style_masks_secret_named_parameters_and_keeps_the_caret_before_a_mask(tree, capsys):
    axis2 = tree / "worker1" / "repository" / "conf" / "axis2" / "axis2.xml"
    edit(
        axis2,
        '<parameter name="loadMemberHost">10.0.1.11</parameter>',
        '<parameter name="groupPassword">Cluster-Secret-1</parameter><parameter name="loadMemberHost">10.0.1.11</parameter>',
    )
    _, out, _ = run(capsys, "--style", "full", "--select", "BPS303", ".")
    lines = out.splitlines()
    assert "Cluster-Secret-1" not in out
    assert lines[2] == '655 |         <parameter name="groupPassword">****</parameter><parameter name="loadMemberHost">10.0.1.11</parameter>'
    assert lines[3] == "    |         ^"


def test_a_baseline_matches_wherever_bps_lint_runs(tree, capsys, monkeypatch):
    # Written from the folder above the cluster, applied from inside it: the cluster's displayed name changes.
    monkeypatch.chdir(tree.parent)
    code, _, _ = run(capsys, "--write-baseline", "fleet-baseline.json", "fleet")
    assert code == 0
    monkeypatch.chdir(tree)
    code, out, err = run(capsys, "--baseline", "../fleet-baseline.json", ".")
    assert code == 0 and err == "", (out, err)
    assert out.splitlines()[-1].endswith("(15 in the baseline)")
