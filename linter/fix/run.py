"""``--fix`` and ``--diff``: plan the edits, show or write them, lint again, and keep only fixes that
create no new finding."""

from __future__ import annotations

import sys

from linter.fix.apply import plan, unified_diff, write_atomic
from linter.redact import clean


def fix_roots(paths: list[str]) -> list[str]:
    """The trees fixes may write in: each folder given, and for a file given (pre-commit passes changed files)
    the folder of the cluster it belongs to, whose other nodes' files a cluster-wide fix may edit."""
    import os

    from linter.discover.walk import discover

    folders = [p for p in paths if os.path.isdir(p)]
    files = [p for p in paths if p != "-" and os.path.isfile(p)]
    return folders + ([c.path for c in discover(files).clusters] if files else [])


def shows_secret(diff: bytes) -> bool:
    """Whether a diff's lines (context included) hold a password element or a URL with credentials."""
    from linter.redact import redact
    from linter.report.text import _masked

    text = diff.decode("latin-1")
    return any(_masked(line) != line or redact(line) != line for line in text.split("\n"))


def _key(finding) -> tuple:
    return (finding.rule, finding.loc.path, finding.cluster, finding.node)


def show_diff(result, roots: list[str], unsafe: bool, out=None) -> int:
    """Print what --fix would change; write nothing. The number of files it would change."""
    out = out or sys.stdout.buffer
    changes, refused = plan(result.findings, roots, unsafe)
    for change in changes:
        diff = unified_diff(change)
        if clean(change.path) != change.path:  # a name holding control characters or a credential is never printed
            sys.stderr.write(f"bps-lint: {clean(change.path)}: diff not shown, the file name cannot be printed as it is; --fix applies it\n")
            continue
        if shows_secret(diff):
            sys.stderr.write(f"bps-lint: {clean(change.path)}: diff not shown, it would print a password or a credential-bearing URL; --fix applies it\n")
            continue
        out.write(diff)
    out.flush()
    _say_refused(refused)
    fixes = sum(c.fixes for c in changes)
    if changes:
        sys.stderr.write(f"bps-lint: would fix {fixes} finding(s) in {len(changes)} file(s)\n")
    return len(changes)


MAX_PASSES = 10  # a fix can make another possible (a worker found read-only can then stop committing)


def apply_fixes(result, roots: list[str], unsafe: bool, relint):
    """Fix, lint again, and again while the new findings have fixes; the final result and how many were fixed."""
    total = 0
    for _ in range(MAX_PASSES):
        result, fixed = _one_pass(result, roots, unsafe, relint)
        total += fixed
        if not fixed:
            break
    if total:
        sys.stderr.write(f"bps-lint: fixed {total} finding(s)\n")
    return result, total


def _one_pass(result, roots: list[str], unsafe: bool, relint):
    """Write the fixes, lint again with ``relint()`` and return its result. When the fixed tree has a finding
    the old one did not (a fix that creates a problem), every file is put back as it was and the old result kept."""
    changes, refused = plan(result.findings, roots, unsafe)
    _say_refused(refused)
    if not changes:
        return result, 0
    written = []
    try:
        for change in changes:
            write_atomic(change.real, change.after)
            written.append(change)
        after = relint()
    except BaseException:
        for change in written:
            write_atomic(change.real, change.before)
        raise
    before = {_key(f) for f in result.findings}
    # A new finding of a rule just fixed, or on a line just written, means a fix made something worse. Others are
    # revealed, not caused: enabling clustering makes the clustering checks apply; they are reported (and fixed next pass).
    fixed_rules = {rule for c in changes for rule in c.rules}
    touched = {(c.path, line) for c in changes for line in c.lines}
    new = [f for f in after.findings if _key(f) not in before and (f.rule in fixed_rules or (f.loc.path, f.loc.line) in touched)]
    if new:
        for change in written:
            write_atomic(change.real, change.before)
        sys.stderr.write(f"bps-lint: fixes not applied: they would create {len(new)} new finding(s), e.g. {clean(new[0].rule)} in {clean(new[0].loc.path)}\n")
        return result, 0
    return after, sum(c.fixes for c in changes)


def _say_refused(refused) -> None:
    for path, why in refused:
        sys.stderr.write(f"bps-lint: {clean(path)}: not fixed: {clean(why)}\n")
