"""Inline suppressions: ``<!-- bps-lint: disable=BPS101 -->`` (this line and the next) and
``<!-- bps-lint: disable-file=BPS101 -->`` (the whole file); ``# bps-lint: ...`` in start scripts."""

from __future__ import annotations

import re
from typing import NamedTuple

from linter.parse.location import Loc

_XML = re.compile(r"<!--\s*bps-lint:\s*(?P<body>.*?)\s*-->")
_SHELL = re.compile(r"#\s*bps-lint:\s*(?P<body>.*?)\s*$")
_DIRECTIVE = re.compile(r"^(?P<kind>[a-z-]+)\s*(?:=\s*(?P<ids>.*))?$")
KINDS = ("disable", "disable-file")


class Suppression(NamedTuple):
    kind: str  # disable | disable-file | anything else is invalid
    ids: tuple[str, ...]
    loc: Loc
    text: str

    def covers(self, line: int | None) -> bool:
        if self.kind == "disable-file":
            return True
        return line is not None and self.loc.line is not None and line in (self.loc.line, self.loc.line + 1)


def find(path: str, text: str, shell: bool = False) -> list[Suppression]:
    pattern = _SHELL if shell else _XML
    found = []
    if "bps-lint:" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        for match in pattern.finditer(line):
            body = match["body"]
            directive = _DIRECTIVE.match(body)
            kind = directive["kind"] if directive else body
            ids = tuple(i for i in re.split(r"[\s,]+", (directive["ids"] or "") if directive else "") if i)
            found.append(Suppression(kind, ids, Loc(path, number, match.start() + 1), body))
    return found
