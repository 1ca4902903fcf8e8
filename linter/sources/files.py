"""Conf files that are not files on disk: text held in a YAML manifest or rendered from a template.

A finding in such a file points at the file the user edits: each line of the conf text maps back to a
line of that file (a block scalar's lines are shifted and indented; a template's lines come from its
source lines), and a line whose text came from a variable notes which variable and which vars file."""

from __future__ import annotations

from linter.parse.location import LineIndex, Loc
from linter.records import Record


class SourceFile(Record):
    path: str  # the file the user edits (a YAML manifest, a template), as displayed
    data: bytes  # the conf file as the server reads it
    lines: tuple[int, ...] | range = ()  # line n of ``data`` is line lines[n - 1] of ``path``; empty: the same line
    column: int = 0  # added to every column (a block scalar's indentation)
    notes: tuple[tuple[int, str], ...] = ()  # (line of ``path``, what a finding there should add)
    problem: str | None = None  # why the text could not be produced (a template that does not render)
    problem_kind: str = "unparseable"  # or "unreadable": the template itself could not be read
    values_unknown: bool = False  # rendered without values a vars file that cannot be read would give: cross-node rules wait
    renderings: int = 1  # the nodes whose file is rendered from ``path`` (a template several hosts render): a patch of it is theirs
    # Text whose lines have no lines of ``path`` (a quoted YAML scalar): every place is lines[0] at ``column``, and a
    # finding adds where in the text it is, this with {line} filled in ("axis2.xml line {line} in ConfigMap c key k")
    within: str | None = None

    def place_in_text(self, number: int | None) -> str:
        """What a finding adds for line ``number`` of text held ``within`` another file."""
        return f" ({self.within.replace('{line}', str(number or 1), 1)})"  # not format(): a key may hold braces

    def line(self, number: int | None) -> int | None:
        if number is None or not self.lines:
            return number
        return self.lines[min(max(number, 1), len(self.lines)) - 1]

    def loc(self, loc: Loc) -> Loc:
        """``loc`` (a place in ``data``) as a place in ``path``."""
        if self.within is not None:
            return Loc(self.path, self.line(loc.line), self.column)
        column = loc.column + self.column if loc.column else loc.column
        return Loc(self.path, self.line(loc.line), column)


class MappedLines(LineIndex):
    """A LineIndex of the conf text whose answers are lines and columns of the file the user edits."""

    rendered = True

    def __init__(self, source: SourceFile, encoding: str | None):
        super().__init__(source.data, encoding)
        self.source = source

    def tag_start(self, local: str, end_line: int) -> tuple[int, int | None]:
        line, column = super().tag_start(local, end_line)
        if self.source.within is not None:
            return self.source.line(line), self.source.column
        return self.source.line(line), (column + self.source.column if column else column)

    def attribute_start(self, local: str, name: str, end_line: int) -> tuple[int, int | None]:
        line, column = super().attribute_start(local, name, end_line)
        return self.source.line(line), (column + self.source.column if column else column)
