"""A finding: one rule violated at one place."""

from __future__ import annotations

from typing import NamedTuple

from linter.parse.location import Loc

SEVERITIES = ("error", "warning", "info")


class Finding(NamedTuple):
    rule: str
    name: str
    severity: str
    message: str
    loc: Loc
    cluster: str | None
    node: str | None
    help_url: str

    def sort_key(self):
        return (self.loc.path, self.loc.line or 0, self.loc.column or 0, self.rule, self.message)
