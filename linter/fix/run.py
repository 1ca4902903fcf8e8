"""``--fix`` and ``--diff``: plan the edits, show or write them, lint again, and keep only fixes that
create no new finding."""

from __future__ import annotations

import sys

from linter.fix.apply import plan, unified_diff, write_atomic
from linter.parse.xmlfile import read_bytes
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


class _TextOut:
    """Bytes written to a text stream without a binary buffer (main() called with a StringIO as standard output)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8", errors="replace"))

    def flush(self) -> None:
        self.stream.flush()


def _key(finding) -> tuple:
    return (finding.rule, finding.loc.path, finding.cluster, finding.node)


def _printable(change, diff: bytes, applies: str) -> bool:
    """Whether ``diff`` may be printed; if not, says why on standard error."""
    if clean(change.path) != change.path:  # a name holding control characters or a credential is never printed
        sys.stderr.write(f"bps-lint: {clean(change.path)}: diff not shown, the file name cannot be printed as it is; {applies}\n")
        return False
    if shows_secret(diff):
        sys.stderr.write(f"bps-lint: {clean(change.path)}: diff not shown, it would print a password or a credential-bearing URL; {applies}\n")
        return False
    return True


def show_diff(result, roots: list[str], unsafe: bool, relint, out=None) -> int:
    """Print what --fix would change, and the suggested changes to rendered conf text; write nothing. The number of
    files either would change.

    The fixes are made as --fix makes them, pass after pass with the same checks, on the files held in memory
    (``xmlfile.PENDING``, which the linting of each pass reads) instead of on disk."""
    from linter.discover.walk import display_path
    from linter.fix.apply import FileChange
    from linter.parse.xmlfile import PENDING

    out = out or getattr(sys.stdout, "buffer", None) or _TextOut(sys.stdout)
    originals: dict[str, bytes] = {}

    def keep(real: str, data: bytes) -> None:
        if real not in originals:
            originals[real] = read_bytes(real)[0]
        PENDING[real] = data

    PENDING.clear()
    try:
        final, fixes = _passes(result, roots, unsafe, relint, keep)
        changes = [FileChange(display_path(real), real, before, PENDING[real], 0) for real, before in sorted(originals.items()) if PENDING[real] != before]
    finally:
        PENDING.clear()
    for change in changes:
        diff = unified_diff(change)
        if _printable(change, diff, "--fix applies it"):
            out.write(diff)
    out.flush()
    if changes:
        sys.stderr.write(f"bps-lint: would fix {fixes} finding(s) in {len(changes)} file(s)\n")
    suggested = show_suggestions(final, unsafe, out)
    return len(changes) + suggested


def show_suggestions(result, unsafe: bool, out=None) -> int:
    """Print the fixes in conf text rendered from a template or held in a manifest, which are never written: a diff
    of the file you edit where it maps byte for byte (on ``out`` with the other diffs, or without ``out`` on standard
    error), else of the rendered text (on standard error, for reading). The number of such files."""
    from linter.fix.apply import suggestions
    from linter.parse.location import STDIN_NAME

    found = suggestions(result.findings, unsafe)
    for suggestion in found:
        change = suggestion.change
        diff = unified_diff(change)
        if not _printable(change, diff, "make the change by hand"):
            continue
        if suggestion.applies:
            if out is None:
                sys.stderr.write(diff.decode("utf-8", errors="replace"))
            else:
                out.write(diff)
                out.flush()
            sys.stderr.write(
                f"bps-lint: {clean(change.path)}: conf text held in a manifest or rendered from a template is not written by --fix; "
                f"the diff of it is a suggestion for {change.fixes} finding(s)\n"
            )
        elif change.real == STDIN_NAME:  # no file to map the change onto: the manifests came down a pipe
            sys.stderr.write(
                f"bps-lint: {clean(change.path)}: conf text read from standard input is not written by --fix; the change to the conf text, "
                f"for {change.fixes} finding(s), to make by hand in the files it came from:\n"
            )
            sys.stderr.write(diff.decode("utf-8", errors="replace"))
        elif suggestion.differs:
            sys.stderr.write(
                f"bps-lint: {clean(change.path)}: conf text rendered from a template is not written by --fix, and the hosts it is rendered for "
                f"need different values here (a variable each host sets would give each its own); the change to this host's conf text, "
                f"for {change.fixes} finding(s), to make by hand:\n"
            )
            sys.stderr.write(diff.decode("utf-8", errors="replace"))
        else:
            sys.stderr.write(
                f"bps-lint: {clean(change.path)}: conf text held in a manifest or rendered from a template is not written by --fix, and this "
                f"change does not fall on lines written there byte for byte; the change to the conf text, for {change.fixes} finding(s), to make by hand:\n"
            )
            sys.stderr.write(diff.decode("utf-8", errors="replace"))
    return len(found)


MAX_PASSES = 10  # a fix can make another possible (a worker found read-only can then stop committing)


def apply_fixes(result, roots: list[str], unsafe: bool, relint):
    """Fix, lint again, and again while the new findings have fixes; the final result and how many were fixed."""
    result, total = _passes(result, roots, unsafe, relint, write_atomic)
    if total:
        sys.stderr.write(f"bps-lint: fixed {total} finding(s)\n")
    show_suggestions(result, unsafe)  # on standard error: standard output holds the report
    return result, total


def _passes(result, roots: list[str], unsafe: bool, relint, write) -> tuple:
    """The passes of --fix (and --diff): fix, lint again with ``relint()``, again while new findings have fixes;
    ``write(real, data)`` stores a file. The final result and how many findings were fixed."""
    total, tried = 0, set()
    for _ in range(MAX_PASSES):
        result, fixed = _one_pass(result, roots, unsafe, relint, tried, write)
        total += fixed
        if not fixed:
            break
    return result, total


def _fix_key(finding) -> tuple:
    return (finding.rule, finding.loc.path, finding.loc.line, finding.node, finding.fix.edits)


def _one_pass(result, roots: list[str], unsafe: bool, relint, tried: set, write=write_atomic):
    """Write the fixes, lint again with ``relint()`` and return its result and how many were fixed.

    A fix that creates a problem (the fixed tree has a finding the old one did not, of a rule just fixed or on a
    line just written) is found by trying halves of the fixes in turn, and only it is put back; the others stay.
    ``tried`` holds the fixes earlier passes made or put back: one whose finding is still there did not help, and
    is not made again."""
    from linter.fix import candidates

    fixes = [f for f in candidates(result.findings, unsafe) if _fix_key(f) not in tried]
    tried.update(_fix_key(f) for f in fixes)
    changes, refused = plan(fixes, roots, unsafe=True)
    _say_refused(refused)
    if not changes:
        return result, 0
    trial = _Trial(result, roots, relint, {c.real: c.before for c in changes}, write)
    try:
        if trial.keeps(fixes, changes):
            return trial.after, trial.fixed
        kept, dropped = [], []
        _bisect(trial, fixes, kept, dropped, known_bad=True)
        for finding, new in dropped:
            sys.stderr.write(
                f"bps-lint: fix not applied: {clean(finding.rule)} in {clean(finding.loc.path)} would create {len(new)} new finding(s), "
                f"e.g. {clean(new[0].rule)} in {clean(new[0].loc.path)}\n"
            )
        if not kept:
            trial.restore()
            return result, 0
        if not trial.last_kept:  # the files hold a trial that failed: write the kept fixes again
            trial.keeps(list(kept))
        return trial.after, trial.fixed
    except BaseException:
        trial.restore()
        raise


class _Trial:
    """Writes a set of fixes over the files as they were, lints, and says whether they made something worse."""

    def __init__(self, result, roots, relint, originals: dict, write=write_atomic):
        self.result, self.roots, self.relint, self.write = result, roots, relint, write
        self.originals = originals  # real path -> bytes before the pass
        self.current = dict(originals)
        self.before = {_key(f) for f in result.findings}
        self.after, self.fixed, self.new, self.last_kept = result, 0, [], False

    def _write(self, wanted: dict) -> None:
        for real, data in wanted.items():
            if self.current.get(real) != data:
                self.write(real, data)
                self.current[real] = data

    def restore(self) -> None:
        self._write(self.originals)

    def keeps(self, fixes: list, changes: list | None = None) -> bool:
        """Apply ``fixes`` (and nothing else of this pass; ``changes``: their plan, when already made from the files
        as they were); whether the tree then has no new finding they caused."""
        if changes is None:
            changes, _ = plan(fixes, self.roots, unsafe=True, originals=self.originals)
        wanted = dict(self.originals)
        wanted.update({c.real: c.after for c in changes})
        self._write(wanted)
        after = self.relint()
        # A new finding of a rule just fixed, or on a line just written, means a fix made something worse. Others are
        # revealed, not caused: enabling clustering makes the clustering checks apply; they are reported (and fixed next pass).
        fixed_rules = {rule for c in changes for rule in c.rules}
        touched = {(c.path, line) for c in changes for line in c.lines}
        self.new = [f for f in after.findings if _key(f) not in self.before and (f.rule in fixed_rules or (f.loc.path, f.loc.line) in touched)]
        self.last_kept = not self.new
        if not self.new:
            self.after, self.fixed = after, sum(c.fixes for c in changes)
        return not self.new


def _bisect(trial: _Trial, group: list, kept: list, dropped: list, known_bad: bool = False) -> None:
    """Keep what of ``group`` can be added to ``kept`` without a new finding: a group that fails is halved, and a
    single fix that fails is dropped with the findings it would create."""
    if not group:
        return
    if not known_bad:
        if trial.keeps(kept + group):
            kept.extend(group)
            return
    if len(group) == 1:
        dropped.append((group[0], trial.new))
        return
    half = len(group) // 2
    _bisect(trial, group[:half], kept, dropped)
    _bisect(trial, group[half:], kept, dropped)


def _say_refused(refused) -> None:
    for path, why in refused:
        sys.stderr.write(f"bps-lint: {clean(path)}: not fixed: {clean(why)}\n")
