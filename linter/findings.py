"""A finding (one rule violated at one place), and what a run found: what every report renders."""

from __future__ import annotations

from linter.parse.location import Loc
from linter.records import Record

# Findings that say bps-lint could not use part of the input (BPS001, BPS002, BPS003): the rules that needed it did
# not run, so no selection, per-path ignore or baseline hides them (a run would pass with rules unrun); a file meant
# to be left out is excluded instead (exclude in bps-lint.toml), and is then not read at all.
UNUSABLE_INPUT = frozenset(("xml-not-well-formed", "xml-doctype", "file-unreadable"))


class Finding(Record):
    rule: str
    name: str
    severity: str
    message: str
    loc: Loc
    cluster: str | None
    node: str | None
    help_url: str
    fix: object = None  # a linter.fix.Fix when --fix can correct it

    def sort_key(self):
        return (self.loc.path, self.loc.line or 0, self.loc.column or 0, self.rule, self.message)


class RunResult:
    """What a run found, and how much it read (for the summary line)."""

    def __init__(self):
        self.findings: list[Finding] = []
        self.files = 0
        self.nodes = 0
        self.clusters = 0
        self.cluster_names: list[str] = []
        self.notes: list[str] = []  # said on stderr: paths given that hold nothing to check
        self.overlays: list[str] = []  # folders of kustomize overlays read as written, not built
        self.empty: list[str] = []  # folders given that hold no node (beside others that do): a mistyped or emptied path
        self.suppressed = 0  # findings a suppression comment hid
        self.baselined = 0  # findings a baseline hid (linter.baseline)
