"""Inline suppression: on the line or the line before, per file, in start scripts; invalid and unused ones are reported."""

from __future__ import annotations

from tests.helpers import lint, materialize

DS = "datasources/bps-datasources.xml"
OFF = "<defaultAutoCommit>false</defaultAutoCommit>"
ON = "<defaultAutoCommit>true</defaultAutoCommit>"


def _lint(tmp_path, *files):
    cluster = materialize({"files": [dict(nodes=["worker1"], **f) for f in files]}, tmp_path)
    return [(f.rule, f.loc.line) for f in lint(cluster).findings]


def test_same_line(tmp_path):
    assert _lint(tmp_path, {"file": DS, "replace": ON, "with": OFF + " <!-- bps-lint: disable=BPS101 -->"}) == []


def test_line_before_by_name(tmp_path):
    assert _lint(tmp_path, {"file": DS, "replace": "  " + ON, "with": "<!-- bps-lint: disable=bps-ds-autocommit -->" + "\n" + OFF}) == []


def test_two_lines_before_does_not_count(tmp_path):
    found = _lint(
        tmp_path,
        {
            "file": DS,
            "replace": "<validationQuery>SELECT 1</validationQuery>",
            "with": "<validationQuery>SELECT 1</validationQuery> <!-- bps-lint: disable=BPS101 -->",
        },
        {"file": DS, "replace": ON, "with": OFF},
    )
    assert found == [("BPS006", 23), ("BPS101", 25)]


def test_disable_file_with_several_rules(tmp_path):
    found = _lint(
        tmp_path,
        {"file": DS, "replace": "<datasources>", "with": "<!-- bps-lint: disable-file=BPS101, BPS110 --><datasources>"},
        {"file": DS, "replace": ON, "with": OFF},
    )
    assert found == [("BPS006", 7)]  # BPS101 was used, BPS110 matched nothing


def test_only_the_named_rule_is_suppressed(tmp_path):
    found = _lint(tmp_path, {"file": DS, "replace": ON, "with": OFF + " <!-- bps-lint: disable=BPS110 -->"})
    assert found == [("BPS101", 25), ("BPS006", 25)]


def test_blanket_and_unknown_suppressions_are_rejected(tmp_path):
    found = _lint(
        tmp_path, {"file": DS, "replace": ON, "with": OFF + " <!-- bps-lint: disable --> <!-- bps-lint: disable=BPS999 --> <!-- bps-lint: enable=BPS101 -->"}
    )
    assert found == [("BPS101", 25), ("BPS005", 25), ("BPS005", 25), ("BPS005", 25)]


def test_start_script_suppression(tmp_path):
    # A comment line among the lines of a command continued with '\\' ends the command there (the review's
    # "-Dsetup: command not found"): reported, suppressing nothing, whether after the flag or before it.
    flag = {"file": "bin/wso2server.sh", "replace": "    -DworkerNode=true \\", "with": "    -Dsetup -DworkerNode=true \\\n    # bps-lint: disable=BPS702"}
    assert _lint(tmp_path, flag) == [("BPS702", 315), ("BPS005", 316)]
    flag = {"file": "bin/wso2server.sh", "replace": "    -DworkerNode=true \\", "with": "    # bps-lint: disable=BPS702\n    -Dsetup -DworkerNode=true \\"}
    assert _lint(tmp_path / "inside", flag) == [("BPS005", 315), ("BPS702", 316)]
    # on the line before the command, it covers the whole command: the flag 31 lines below
    before = {
        "file": "bin/wso2server.sh",
        "replace": "    $JAVACMD \\",
        "with": "    # bps-lint: disable=BPS702 -Dsetup is our support team's switch\n    $JAVACMD \\",
    }
    setup = {"file": "bin/wso2server.sh", "replace": "    -DworkerNode=true \\", "with": "    -Dsetup -DworkerNode=true \\"}
    assert _lint(tmp_path / "before", before, setup) == []


def test_a_reason_after_the_rules_is_not_read_as_rules(tmp_path):
    found = _lint(tmp_path, {"file": DS, "replace": ON, "with": OFF + " <!-- bps-lint: disable=BPS101 reason: the vendor's pool commits itself -->"})
    assert found == []


def test_a_suppression_over_two_lines_covers_the_line_after_it(tmp_path):
    comment = "<!-- bps-lint: disable=BPS101\n     the vendor's pool commits itself -->\n"
    found = _lint(tmp_path, {"file": DS, "replace": ON, "with": comment + OFF})
    assert found == []


def test_unused_suppression_of_an_ignored_rule_is_not_reported(tmp_path):
    from linter.config import Settings, apply_settings
    from linter.evaluate.engine import Engine
    from linter.run import lint_paths
    from tests.helpers import engine as full_engine
    from tests.helpers import policies

    cluster = materialize({"files": [{"nodes": ["worker1"], "file": DS, "replace": ON, "with": ON + " <!-- bps-lint: disable=BPS110 -->"}]}, tmp_path)
    settings = Settings(ignore=["BPS110"])
    engine = Engine(apply_settings(policies(), settings), known=policies())
    assert lint_paths([str(cluster)], engine, settings).findings == []
    assert [f.rule for f in lint_paths([str(cluster)], full_engine()).findings] == ["BPS006"]


def test_a_line_separator_in_an_earlier_comment_does_not_shift_lines(tmp_path):
    for separator in ("\u2028", "\u0085"):
        cluster = materialize(
            {"files": [{"nodes": ["worker1"], "file": DS, "replace": ON, "with": OFF + " <!-- bps-lint: disable=BPS101 -->"}]}, tmp_path / str(ord(separator))
        )
        path = cluster / "worker1" / "repository" / "conf" / DS
        path.write_text(path.read_text(encoding="utf-8").replace("<datasources>", f"<!-- note{separator}more --><datasources>"), encoding="utf-8")
        assert [(f.rule, f.loc.line) for f in lint(cluster).findings] == [], separator


def test_cdata_that_looks_like_a_comment_suppresses_nothing(tmp_path):
    found = _lint(
        tmp_path,
        {
            "file": DS,
            "replace": "<validationQuery>SELECT 1</validationQuery>",
            "with": "<validationQuery><![CDATA[<!-- bps-lint: disable-file=BPS101 -->]]>SELECT 1</validationQuery>",
        },
        {"file": DS, "replace": ON, "with": OFF},
    )
    assert found == [("BPS101", 25)]


def test_many_comment_openers_in_cdata_are_data(tmp_path):
    cdata = "<![CDATA[" + "<!--bps-lint:" * 10000 + "-->]]>"
    found = _lint(tmp_path, {"file": "bps.xml", "replace": "<tns:NodeId>", "with": f"<tns:Extra>{cdata}</tns:Extra><tns:NodeId>"})
    assert found == []


def test_suppression_in_a_utf16_file(tmp_path):
    cluster = materialize({"files": [{"nodes": ["worker1"], "file": DS, "replace": ON, "with": OFF + " <!-- bps-lint: disable=BPS101 -->"}]}, tmp_path)
    path = cluster / "worker1" / "repository" / "conf" / DS
    text = path.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path.write_bytes(text.encode("utf-16"))
    assert [(f.rule, f.loc.line) for f in lint(cluster).findings] == []
    path.write_bytes(text.replace(" <!-- bps-lint: disable=BPS101 -->", "").encode("utf-16"))
    assert [(f.rule, f.loc.line, f.loc.column) for f in lint(cluster).findings] == [("BPS101", 25, 21)]


def test_multi_line_suppression_comment_covers_its_lines_and_the_next(tmp_path):
    found = _lint(tmp_path, {"file": DS, "replace": "  " + ON, "with": "<!-- bps-lint:\n  disable=BPS101 -->\n" + OFF})
    assert found == []  # the comment is on lines 25-26: it covers them and 27, the element after it
    found = _lint(tmp_path / "apart", {"file": DS, "replace": "  " + ON, "with": "<!-- bps-lint:\n  disable=BPS101 -->\n\n" + OFF})
    assert found == [("BPS006", 25), ("BPS101", 28)]  # a blank line between: the element is not the next line
