"""--fix, --diff and the byte-exact editing layer: only the bytes at fault change."""

from __future__ import annotations

import os
import shutil
import subprocess

import jsonschema
import json
import pytest

from linter.cli import main
from linter.fix import Fix, SetAttr, SetText
from linter.fix.apply import plan, unified_diff, write_atomic
from linter.fix.text import FixError, apply, replacements
from linter.parse.location import Loc
from tests.helpers import REPO, lint, materialize, policies

FIXABLE = [p for p in policies() if p.autofix.get("safety")]
BAD = [pytest.param(p, e, id=f"{p.id}-{n}") for p in FIXABLE for n, e in enumerate(p.examples) if e["kind"] == "bad"]


@pytest.mark.parametrize("policy", FIXABLE, ids=lambda p: p.id)
def test_a_fixable_rule_fixes_one_of_its_bad_examples(policy, tmp_path):
    offered = []
    for n, example in enumerate(e for e in policy.examples if e["kind"] == "bad"):
        result = lint(materialize(example, tmp_path / str(n)))
        offered += [f for f in result.findings if f.rule == policy.id and f.fix]
    assert offered, f"{policy.id} declares a fix but none of its bad examples gets one"


@pytest.mark.parametrize("policy,example", BAD)
def test_fix_clears_the_bad_example_and_touches_only_its_spans(policy, example, tmp_path):
    cluster = materialize(example, tmp_path)
    result = lint(cluster)
    if not any(f.rule == policy.id and f.fix for f in result.findings):
        return  # a case the rule leaves to a person (test_a_fixable_rule_fixes_one_of_its_bad_examples: not all)
    changes, refused = plan(result.findings, [str(cluster)], unsafe=True)
    assert changes and not refused
    for change in changes:
        found = replacements(change.before, [e for f in result.findings if f.fix and f.fix.edits[0].loc.path == change.path for e in f.fix.edits])
        first, last = min(r.start for r in found), max(r.end for r in found)
        tail = len(change.before) - last
        assert change.after[:first] == change.before[:first] and change.after[len(change.after) - tail :] == change.before[last:]
        assert apply(change.before, found) == change.after  # and between the spans, nothing else changed
        for r in found:
            assert b"\n" not in change.before[r.start : r.end]  # a value, not lines
        write_atomic(change.real, change.after)
    after = lint(cluster)
    assert not [f for f in after.findings if f.rule == policy.id]
    assert plan(after.findings, [str(cluster)], unsafe=True)[0] == []  # a second run changes nothing


def _text(data: bytes, line: int, tag: str, old: str | None, new: str) -> bytes:
    return apply(data, replacements(data, [SetText(Loc("f.xml", line, 1), tag, old, new)]))


def _attr(data: bytes, line: int, tag: str, name: str, old: str | None, new: str) -> bytes:
    return apply(data, replacements(data, [SetAttr(Loc("f.xml", line, 1), tag, name, old, new)]))


def test_crlf_bom_and_tabs_stay():
    data = b"\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>\r\n<a>\r\n\t<b>\tfalse\t</b>\r\n</a>\r\n"
    assert _text(data, 3, "b", "false", "true") == data.replace(b"false", b"true")


def test_comment_inside_the_element_and_a_commented_copy_on_the_line():
    data = b"<a>\n  <!-- <b>no</b> --><b>false<!-- was true --></b>\n</a>\n"
    assert _text(data, 2, "b", "false", "true") == b"<a>\n  <!-- <b>no</b> --><b>true<!-- was true --></b>\n</a>\n"


def test_entity_escaped_values():
    data = b"<a x='a&amp;b &quot;c&quot;' y=\"1\">\n<b>x &lt; y</b></a>\n"
    assert _attr(data, 1, "a", "x", 'a&b "c"', "it's <x>") == b"<a x='it&apos;s &lt;x&gt;' y=\"1\">\n<b>x &lt; y</b></a>\n"
    assert _text(data, 2, "b", "x < y", "a&b") == data.replace(b"x &lt; y", b"a&amp;b")


def test_attribute_quoting_order_and_a_namespace_prefix_stay():
    data = b'<r xmlns:p="urn:x">\n<p:c  class="k"\n   enable = \'false\' other="1">\n</p:c></r>'
    assert _attr(data, 2, "{urn:x}c", "enable", "false", "true") == data.replace(b"'false'", b"'true'")


def test_an_empty_element_gets_its_text():
    assert _text(b"<a><b/></a>", 1, "b", "", "true") == b"<a><b>true</b></a>"


def test_a_value_changed_since_the_check_is_not_edited():
    with pytest.raises(FixError):
        _text(b"<a><b>maybe</b></a>", 1, "b", "false", "true")
    with pytest.raises(FixError):
        _text(b"<a><b>1</b><b>2</b></a>", 1, "b", "1", "3")  # two on one line: ambiguous


def test_utf16_is_not_edited():
    with pytest.raises(FixError, match="encoding UTF-16 is not edited"):
        _text("<?xml version='1.0' encoding='UTF-16'?><a/>".encode("utf-16"), 1, "a", "", "x")


def test_a_utf16_file_with_an_edit_to_place_is_reported_not_a_crash(tmp_path, capsys, monkeypatch):
    # Placing the finding of an uncommenting or attribute fix reads the file's bytes: one in an encoding no fix edits
    # keeps the element's own place (it stopped the run with an internal error).
    bps = tmp_path / "broken" / "manager" / "repository" / "conf" / "bps.xml"
    shutil.copytree(REPO / "examples" / "broken-cluster", tmp_path / "broken")
    text = bps.read_text(encoding="utf-8")
    bps.write_bytes(("<?xml version='1.0' encoding='UTF-16'?>" + text[text.index("?>") + 2 :]).encode("utf-16"))
    monkeypatch.chdir(tmp_path)  # paths print relative to the working directory when they share a folder with it
    assert main(["broken"]) == 1
    assert any(line.startswith("broken/manager/repository/conf/bps.xml:19:") and " BPS401 " in line for line in capsys.readouterr().out.splitlines())


@pytest.fixture
def broken_copy(tmp_path):
    dest = tmp_path / "broken"
    shutil.copytree(REPO / "examples" / "broken-cluster", dest)
    return dest


def _tree(root) -> dict:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_diff_writes_nothing_exits_1_and_applies_with_patch_and_git(broken_copy, capsys, monkeypatch):
    monkeypatch.chdir(broken_copy.parent)
    before = _tree(broken_copy)
    assert main(["--diff", "broken"]) == 1
    diff = capsys.readouterr().out
    assert _tree(broken_copy) == before
    assert "\n--- broken/worker1/repository/conf/datasources/bps-datasources.xml\n+++ broken/worker1/" in diff
    (broken_copy.parent / "fix.diff").write_text(diff)
    if shutil.which("git"):
        subprocess.run(["git", "apply", "-p0", "--check", "fix.diff"], check=True, cwd=broken_copy.parent)
    if shutil.which("patch"):
        subprocess.run(["patch", "-s", "-p0", "-i", "fix.diff"], check=True, cwd=broken_copy.parent)
        assert main(["--diff", "broken"]) == 0  # nothing left to fix
        assert capsys.readouterr().out == ""


def test_diff_shows_every_pass_fix_makes(broken_copy, tmp_path, capsys, monkeypatch):
    """A fix can make another possible (readOnly true on a worker, then its AutoCommit off): --diff shows the tree
    --fix leaves, not its first pass only."""
    other = tmp_path / "other" / "broken"
    shutil.copytree(broken_copy, other)
    main(["--fix", "--unsafe-fixes", str(other)])
    capsys.readouterr()
    monkeypatch.chdir(broken_copy.parent)
    before = _tree(broken_copy)
    assert main(["--diff", "--unsafe-fixes", "broken"]) == 1
    diff = capsys.readouterr().out
    assert _tree(broken_copy) == before  # nothing written, however many passes
    if shutil.which("patch"):
        (broken_copy.parent / "fix.diff").write_text(diff)
        subprocess.run(["patch", "-s", "-p0", "-i", "fix.diff"], check=True, cwd=broken_copy.parent)
        relative = lambda root: {p.relative_to(root): data for p, data in _tree(root).items()}  # noqa: E731
        assert relative(broken_copy) == relative(other)


def test_fix_reports_what_remains_and_a_second_run_changes_nothing(broken_copy, capsys):
    assert main([str(broken_copy)]) == 1
    out = capsys.readouterr().out
    assert " BPS101 [*] error: " in out and "6 fixable with --fix (3 more with --unsafe-fixes)" in out.splitlines()[-1]
    main(["--fix", str(broken_copy)])
    captured = capsys.readouterr()
    assert "fixed 6 finding(s)" in captured.err  # BPS101, BPS201, BPS401 once, BPS502 on each node
    assert not any(f" {rule} " in captured.out for rule in ("BPS101", "BPS201", "BPS401", "BPS502")) and " BPS303 " in captured.out
    assert captured.out.splitlines()[-1].endswith("; 0 fixable with --fix (3 more with --unsafe-fixes)")
    fixed = _tree(broken_copy)
    main(["--fix", str(broken_copy)])
    assert _tree(broken_copy) == fixed


def test_crlf_file_fixed_through_the_cli(broken_copy, capsys):
    path = broken_copy / "worker1/repository/conf/datasources/bps-datasources.xml"
    crlf = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(crlf)
    os.chmod(path, 0o640)
    main(["--fix", str(broken_copy)])
    assert path.read_bytes() == crlf.replace(b"<defaultAutoCommit>false<", b"<defaultAutoCommit>true<")
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_a_link_out_of_the_tree_is_not_written(broken_copy, tmp_path, capsys):
    path = broken_copy / "worker1/repository/conf/datasources/bps-datasources.xml"
    outside = tmp_path / "outside.xml"
    shutil.move(path, outside)
    path.symlink_to(outside)
    before = outside.read_bytes()
    result = lint(broken_copy)
    changes, refused = plan(result.findings, [str(broken_copy)], unsafe=True)
    assert outside.read_bytes() == before and path.is_symlink()
    assert not [c for c in changes if "bps-datasources" in c.path]


def test_a_link_inside_the_tree_is_written_through(broken_copy):
    path = broken_copy / "worker1/repository/conf/datasources/bps-datasources.xml"
    target = broken_copy / "worker1/shared-ds.xml"
    shutil.move(path, target)
    path.symlink_to(target)
    result = lint(broken_copy)
    changes, _ = plan(result.findings, [str(broken_copy)])
    for change in changes:
        write_atomic(change.real, change.after)
    assert path.is_symlink() and b"<defaultAutoCommit>true<" in target.read_bytes()


def test_a_malformed_file_is_never_written(tmp_path):
    path = tmp_path / "bps-datasources.xml"
    path.write_bytes(b"<a><defaultAutoCommit>false</defaultAutoCommit>\n<oops></a>")
    fix = Fix("t", "safe", (SetText(Loc(str(path), 1, 4), "defaultAutoCommit", "false", "true"),))

    class F:
        pass

    finding = F()
    finding.fix, finding.rule = fix, "BPS101"
    changes, refused = plan([finding], [str(tmp_path)])
    assert changes == [] and refused and "well-formed" in refused[0][1]


def test_json_and_sarif_carry_the_fix(broken_copy, capsys):
    main(["--format", "json", str(broken_copy)])
    findings = json.loads(capsys.readouterr().out)["findings"]
    fix = next(f["fix"] for f in findings if f["rule"] == "BPS101")
    assert fix["safety"] == "safe" and fix["edits"][0]["content"] == "true"
    data = (broken_copy / "worker1/repository/conf/datasources/bps-datasources.xml").read_bytes()
    assert data[fix["edits"][0]["start"] : fix["edits"][0]["end"]] == b"false"
    assert all(f["fix"] is None for f in findings if f["rule"] == "BPS705")
    main(["--format", "sarif", str(broken_copy)])
    log = json.loads(capsys.readouterr().out)
    jsonschema.validate(log, json.loads((REPO / "schemas" / "sarif-github.schema.json").read_text()))
    fixed = [r for r in log["runs"][0]["results"] if r.get("fixes")]
    assert sorted(r["ruleId"] for r in fixed) == ["BPS101", "BPS201", "BPS207", "BPS303", "BPS401", "BPS404", "BPS502", "BPS502", "BPS502"]
    fixed = [r for r in fixed if r["ruleId"] == "BPS101"]
    replacement = fixed[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["deletedRegion"] == {"byteOffset": fix["edits"][0]["start"], "byteLength": 5}


def test_unified_diff_keeps_crlf_and_a_missing_final_newline():
    from linter.fix.apply import FileChange

    diff = unified_diff(FileChange("f.xml", "f.xml", b"<a>\r\n<b>x</b></a>", b"<a>\r\n<b>y</b></a>", 1))
    assert diff.endswith(b"-<b>x</b></a>\n\\ No newline at end of file\n+<b>y</b></a>\n\\ No newline at end of file\n")
    assert b"<a>\r\n" in diff


def test_explain_and_rule_pages_say_what_the_fix_does_or_why_there_is_none(capsys):
    from linter.docsgen import rule_page
    from linter.explain import autofix_text

    by_id = {p.id: p for p in policies()}
    assert "`bps-lint --fix` makes this change: Set taskServerCount to 1." in rule_page(by_id["BPS502"], {})
    assert main(["explain", "BPS101"]) == 0
    assert "`bps-lint --fix` makes this change: Set defaultAutoCommit to true." in " ".join(capsys.readouterr().out.split())
    assert "--unsafe-fixes" in autofix_text(by_id["BPS303"])
    assert autofix_text(by_id["BPS705"]).startswith("No automatic fix: a password is moved into Secure Vault")


def _add(data: bytes, line: int, parent: str, name: str, new: str) -> bytes:
    from linter.fix import AddChild

    return apply(data, replacements(data, [AddChild(Loc("f.xml", line, 1), parent, name, new)]))


def test_a_commented_out_stock_element_is_uncommented_in_place():
    data = b"<t:R xmlns:t='u'>\r\n  <t:A>1</t:A>\r\n  <!-- uncomment below -->\r\n  <!-- <t:Lock>true</t:Lock> -->\r\n</t:R>\r\n"
    assert _add(data, 1, "{u}R", "Lock", "true") == data.replace(b"<!-- <t:Lock>true</t:Lock> -->", b"<t:Lock>true</t:Lock>")


def test_an_absent_element_is_added_after_the_last_child_with_its_indentation_and_line_ending():
    data = b"<R>\r\n\t<A>1</A>\r\n\t<B x='1'>\r\n\t\t<!-- <Lock>true</Lock> -->\r\n\t</B>\r\n</R>\r\n"  # the comment is a grandchild's
    assert _add(data, 1, "R", "Lock", "true") == data.replace(b"\t</B>\r\n", b"\t</B>\r\n\t<Lock>true</Lock>\r\n")


def test_bps401_absent_lock_is_added_where_the_stock_bps_xml_has_it(tmp_path):
    policy = next(p for p in policies() if p.id == "BPS401")
    example = next(e for e in policy.examples if e["kind"] == "bad")
    cluster = materialize(example, tmp_path)
    bps = cluster / "worker1" / "repository" / "conf" / "bps.xml"
    bps.write_bytes(bps.read_bytes().replace(b"    <tns:UseDistributedLock>yes</tns:UseDistributedLock>\n", b""))
    result = lint(cluster)
    changes, refused = plan(result.findings, [str(cluster)])
    assert [os.path.realpath(c.path) for c in changes] == [os.path.realpath(bps)] and not refused
    # where the stock bps.xml has it: after ODESchedulerThreadPoolSize (the last child here is NodeId)
    assert changes[0].after == changes[0].before.replace(
        b"</tns:ODESchedulerThreadPoolSize>\n", b"</tns:ODESchedulerThreadPoolSize>\n    <tns:UseDistributedLock>true</tns:UseDistributedLock>\n"
    )


def test_a_diff_that_would_print_a_password_is_withheld(broken_copy, capsys):
    ds = broken_copy / "worker1/repository/conf/datasources/bps-datasources.xml"
    ds.write_bytes(ds.read_bytes().replace(b"<validationInterval>30000</validationInterval>", b"<password>s3cr3t-pw</password>"))
    assert main(["--diff", "--select", "BPS101", str(broken_copy)]) == 1
    captured = capsys.readouterr()
    assert "s3cr3t" not in captured.out + captured.err and "diff not shown" in captured.err


def test_unsafe_fixes_on_the_broken_example_leave_nothing_fixable_and_a_second_run_changes_nothing(broken_copy, capsys):
    main(["--fix", "--unsafe-fixes", str(broken_copy)])
    out = capsys.readouterr().out
    assert "fixable" not in out.splitlines()[-1] and "[*]" not in out
    # worker2 read-only (BPS207) made its AutoCommit a worker's, which the next pass turned off (BPS602)
    assert not any(f" {rule} " in out for rule in ("BPS207", "BPS602", "BPS303", "BPS404"))
    fixed = _tree(broken_copy)
    main(["--fix", "--unsafe-fixes", str(broken_copy)])
    assert _tree(broken_copy) == fixed


def test_stock_tree_in_three_nodes_leaves_nothing_fixable_and_a_second_run_changes_nothing(tmp_path, capsys):
    from tests.helpers import STOCK

    if not STOCK.is_dir():
        pytest.skip("the stock 3.6.0 corpus is not here")
    for node in ("manager", "worker1", "worker2"):
        shutil.copytree(STOCK / "repository" / "conf", tmp_path / "stock" / node / "repository" / "conf")
    main(["--fix", "--unsafe-fixes", str(tmp_path / "stock")])
    out = capsys.readouterr().out
    assert "[*]" not in out and "fixable" not in out.splitlines()[-1]
    assert not any(f" {rule} " in out for rule in ("BPS301", "BPS401", "BPS403", "BPS502"))  # enabled, uncommented, named, set to 1
    bps = (tmp_path / "stock/worker1/repository/conf/bps.xml").read_bytes()
    assert bps == (STOCK / "repository/conf/bps.xml").read_bytes().replace(
        b"<!-- <tns:UseDistributedLock>true</tns:UseDistributedLock> -->", b"<tns:UseDistributedLock>true</tns:UseDistributedLock>"
    ).replace(b"<!-- <tns:NodeId></tns:NodeId>  -->", b"<tns:NodeId>bps-worker1</tns:NodeId>")
    fixed = _tree(tmp_path / "stock")
    main(["--fix", "--unsafe-fixes", str(tmp_path / "stock")])
    assert _tree(tmp_path / "stock") == fixed


def test_only_the_fix_that_causes_a_finding_on_the_line_it_wrote_is_put_back(broken_copy, capsys):
    from linter.fix.run import apply_fixes

    result = lint(broken_copy)
    before = _tree(broken_copy)
    ds = next(f for f in result.findings if f.rule == "BPS101")
    relints = []

    ds_file = broken_copy / "worker1/repository/conf/datasources/bps-datasources.xml"
    fixed_ds = ds_file.read_bytes().count(b"<defaultAutoCommit>true") + 1

    def relint():
        relints.append(1)
        again = lint(broken_copy)
        if ds_file.read_bytes().count(b"<defaultAutoCommit>true") == fixed_ds:  # on the line BPS101's fix wrote
            again.findings.append(ds._replace(rule="BPS999", message="made worse", fix=None))
        return again

    kept, fixed = apply_fixes(result, [str(broken_copy)], False, relint)
    after = _tree(broken_copy)
    assert after[ds_file] == before[ds_file]  # BPS101's fix put back
    assert fixed == 5 and {f.rule for f in kept.findings} & {"BPS201", "BPS401", "BPS502"} == set()  # the others kept
    assert capsys.readouterr().err.count("fix not applied: BPS101 in ") == 1  # and not tried again in the next pass
    assert len(relints) < 12  # halves tried, not every subset


def test_a_fix_dropped_alone_when_every_fix_of_the_pass_is_bad_leaves_the_tree_as_it_was(broken_copy, capsys):
    from linter.fix.run import apply_fixes

    result = lint(broken_copy)
    before = _tree(broken_copy)

    def relint():
        again = lint(broken_copy)
        again.findings.extend(f._replace(node="elsewhere", fix=None) for f in result.findings if f.fix)  # every fixed rule fires anew
        return again

    kept, fixed = apply_fixes(result, [str(broken_copy)], False, relint)
    assert fixed == 0 and kept is result and _tree(broken_copy) == before
    assert capsys.readouterr().err.count("fix not applied:") == 6


def test_rules_json_and_explain_carry_each_rules_fix_or_why_it_has_none(capsys):
    assert main(["rules", "--format", "json"]) == 0
    rows = {r["id"]: r["fix"] for r in json.loads(capsys.readouterr().out)}
    assert rows["BPS306"]["safety"] == "unsafe" and "port offset" in rows["BPS306"]["title"]
    assert rows["BPS101"] == {"safety": "safe", "title": "Set defaultAutoCommit to true"}
    assert "database server" in rows["BPS107"]["reason"]
    assert all(fix for fix in rows.values()), "every rule says whether it has a fix"
    assert main(["explain", "BPS707"]) == 0
    assert "`bps-lint --fix` makes this change: Start the manager with -DworkerNode=false" in capsys.readouterr().out


def test_no_rule_page_says_its_fix_is_not_written_yet():
    from linter.explain import autofix_text

    assert [p.id for p in policies() if autofix_text(p).startswith("No automatic fix yet")] == []
