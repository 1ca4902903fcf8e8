"""Source locations: lxml reports the line where a start tag *ends*; users want where it starts."""

from __future__ import annotations

import functools
import os
import re
import sys
from typing import Iterator

from linter.records import Record


class Loc(Record):
    """A place in the user's files. ``line``/``column`` are 1-based, or None for a whole file/folder."""

    path: str
    line: int | None = None
    column: int | None = None
    element: str | None = None  # the element's path in its file (e.g. ``datasource/definition``): a baseline's anchor, not a line


class LocFile:
    """What the locations of one file's elements share: the file, its lines, and whether a fix may edit it."""

    __slots__ = ("path", "lines", "plain", "source", "_rendered_lines")

    def __init__(self, parsed):
        self.path = parsed.path
        self.lines = parsed.lines
        self.plain = not parsed.lines.rendered  # in a file as written, which a fix may edit
        self.source = getattr(parsed.lines, "source", None)  # for rendered text, its SourceFile: a fix is only suggested
        self._rendered_lines = None

    def rendered_lines(self) -> LineIndex:
        """The lines of the rendered text (``source``), split once for all the file's elements."""
        if self._rendered_lines is None:
            self._rendered_lines = LineIndex(self.source.data, "utf-8")
        return self._rendered_lines


class ElementLoc:
    """Where an element starts, worked out only when asked: most values never appear in a finding.

    It keeps the element's line and local tag, not the element: an element keeps its whole tree alive,
    and trees are let go as soon as the model has read them. A model holds tens of thousands of these,
    so what one file's share is kept once (``LocFile``)."""

    __slots__ = ("_file", "_end_line", "tag", "_loc", "element")

    def __init__(self, file: LocFile, end_line: int | None, tag: str, element_path: str):
        self._file = file
        self._end_line = end_line  # lxml's sourceline: where the start tag ends
        self.tag = tag  # the local name, without its namespace
        self.element = element_path  # ``datasources/datasource/definition``: the local tags from the root down
        self._loc = None

    @property
    def path(self) -> str:
        return self._file.path

    @property
    def plain(self) -> bool:
        return self._file.plain

    @property
    def source(self):
        return self._file.source

    def rendered(self) -> Loc | None:
        """Where the element starts in the rendered text (not in the file the user edits); None for a plain file."""
        source = self._file.source
        if source is None:
            return None
        line, column = self._file.rendered_lines().tag_start(self.tag, self._end_line or 1)
        return Loc(source.path, line, column)

    def resolve(self) -> Loc:
        if self._loc is None:
            line, column = self._start()
            self._loc = Loc(self._file.path, line, column, sys.intern(self.element))  # a few paths, in every node's findings
        return self._loc

    def _start(self) -> tuple[int, int | None]:
        return self._file.lines.tag_start(self.tag, self._end_line or 1)

    @property
    def line(self) -> int | None:
        return self.resolve().line

    @property
    def column(self) -> int | None:
        return self.resolve().column


class AttributeLoc(ElementLoc):
    """Where an attribute is written, in conf text rendered from a template (or held in a manifest): the line of the
    start tag that holds it, which is the line the user edits when the tag spans lines (``<clustering class=...``
    then ``enable="false">`` below it). Its element, tag and edits are the element's."""

    __slots__ = ("attribute",)

    def __init__(self, file: LocFile, end_line: int | None, tag: str, element_path: str, attribute: str):
        super().__init__(file, end_line, tag, element_path)
        self.attribute = attribute

    def _start(self) -> tuple[int, int | None]:
        return self._file.lines.attribute_start(self.tag, self.attribute, self._end_line or 1)


def local_tag(element) -> str:
    """An element's tag without its namespace; "#node" for a comment or processing instruction."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else "#node"


def inside(real: str, root: str) -> bool:
    """Whether real path ``real`` is ``root`` or below it."""
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


STDIN_NAME = "<stdin>"  # the path of a stream read from standard input (linter.sources.gather)

OUTSIDE = "symbolic link to a place outside the checked folder; not followed"


def as_loc(loc) -> Loc:
    """A plain, picklable Loc."""
    return loc.resolve() if isinstance(loc, ElementLoc) else loc


_ASCII_COMPATIBLE = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15", "windows-1252", "cp1252"})


# Start tags of any name, ``<local`` or ``<prefix:local``; the prefix is not kept, and one line rarely holds
# two prefixes of a name. One pattern for every name: compiling one per name cost more than a whole
# pre-commit run's locating. A name with other characters (XML allows more) gets its own.
_ANY_START_TAG = re.compile(r"<(?:[\w.\-]+:)?([\w.\-]+)(?=[\s/>]|$)")
_NAME = re.compile(r"[\w.\-]+")


@functools.lru_cache(maxsize=512)
def _start_tag(local: str) -> re.Pattern:
    return re.compile(r"<(?:[\w.\-]+:)?" + re.escape(local) + r"(?=[\s/>]|$)")


def _start_tags(local: str, text: str) -> Iterator[int]:
    """Offsets of the start tags of ``local`` in ``text``."""
    if not _NAME.fullmatch(local):
        return (m.start() for m in _start_tag(local).finditer(text))
    return (m.start() for m in _ANY_START_TAG.finditer(text) if m.group(1) == local)


MAX_SCANNED_LINE = 16 * 1024  # characters


class LineIndex:
    """Finds the start of an element's tag in the raw text, decoded lazily and only when asked."""

    rendered = False  # the text was produced from another file (linter.sources.files.MappedLines)

    def __init__(self, data: bytes, encoding: str | None):
        self._data = data
        self._encoding = encoding or "utf-8"
        self._lines: list[str] | None = None
        self._byte_lines: list[bytes] | None = None  # the lines split off so far; the rest of the data last
        self._split_all = False

    def text_lines(self) -> list[str]:
        if self._lines is None:
            try:
                text = self._data.decode(self._encoding, errors="replace")
            except LookupError:
                text = self._data.decode("utf-8", errors="replace")
            # Lines as the parser counts them: "\n" only (splitlines would also split at U+2028, U+0085...).
            self._lines = [line.removesuffix("\r") for line in text.split("\n")]
        return self._lines

    def line(self, number: int) -> str | None:
        """Line ``number`` (1-based) as text, or None past the end.

        In the ASCII-compatible encodings of real configuration files a line is split off the bytes
        and only that line decoded; locating a finding should not cost decoding the whole file."""
        if self._lines is None and self._encoding.lower().replace("_", "-") in _ASCII_COMPATIBLE:
            lines = self._byte_lines
            if lines is None or not self._split_all and number >= len(lines):
                # Split only as far as the line asked for: findings are few, and mostly near the top.
                lines = self._byte_lines = self._data.split(b"\n", number)
                self._split_all = len(lines) <= number
            if not 1 <= number <= len(lines) - (not self._split_all):
                return None
            raw = lines[number - 1]
            if len(raw) > MAX_SCANNED_LINE:
                return raw[: MAX_SCANNED_LINE + 1].decode(self._encoding, errors="replace")  # only its length matters then
            return raw.rstrip(b"\r").decode(self._encoding, errors="replace")
        lines = self.text_lines()
        return lines[number - 1] if 1 <= number <= len(lines) else None

    def tag_start(self, local: str, end_line: int) -> tuple[int, int | None]:
        """Line and column of ``<local`` (any prefix) at or above ``end_line`` (the line lxml gives).

        A line longer than MAX_SCANNED_LINE (a whole document on one line) gets no column: which of
        its many tags is meant is anyone's guess, and scanning it for every finding is quadratic."""
        text = self.line(end_line)
        if text is not None and len(text) > MAX_SCANNED_LINE:
            return end_line, None
        if text is not None:
            at = next(_start_tags(local, text), None)
            if at is not None:
                return end_line, at + 1
            # A start tag that spans lines: walk up to the line that opens it.
            for line_no in range(end_line - 1, max(0, end_line - 50), -1):
                above = self.line(line_no)
                if len(above) > MAX_SCANNED_LINE:
                    break
                found = list(_start_tags(local, above))
                if found:
                    return line_no, found[-1] + 1
        return end_line, None

    def attribute_start(self, local: str, name: str, end_line: int) -> tuple[int, int | None]:
        """Line and column of attribute ``name`` in the start tag of ``local`` ending at ``end_line``; the tag's
        start when it is not found there."""
        line, column = LineIndex.tag_start(self, local, end_line)
        pattern = re.compile(r"(?<![\w.:-])" + re.escape(name) + r"\s*=")
        for number in range(line, end_line + 1):
            text = self.line(number)
            if text is None or len(text) > MAX_SCANNED_LINE:
                break
            found = pattern.search(text, (column or 1) - 1 if number == line else 0)
            if found:
                return number, found.start() + 1
        return line, column
