"""Hardened XML parsing: no DTD, no entity expansion, no network, no huge trees."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from lxml import etree

from linter.parse import suppressions
from linter.parse.location import LineIndex, Loc

# One parser configuration for every file; lxml parsers are not thread-safe but we use processes.
_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(**_PARSER_OPTIONS)


@dataclass
class FileProblem:
    """Why a file could not be used: kind is one of unreadable, unparseable, doctype."""

    kind: str
    message: str
    loc: Loc


@dataclass
class ParsedXml:
    """A parsed file, or the problem that stopped it. ``root`` is None when ``problem`` is set."""

    path: str
    root: etree._Element | None = None
    problem: FileProblem | None = None
    lines: LineIndex | None = field(default=None, repr=False)
    suppressions: list = field(default_factory=list)

    def loc(self, element: etree._Element | None) -> Loc:
        """Location of an element's start tag; the file itself for None."""
        if element is None or self.lines is None:
            return Loc(self.path)
        end_line = element.sourceline or 1
        qname = element.prefix + ":" + etree.QName(element).localname if element.prefix else etree.QName(element).localname
        line, column = self.lines.tag_start(qname, end_line)
        return Loc(self.path, line, column)


MAX_FILE_BYTES = 16 * 1024 * 1024  # real conf files are < 100 KiB; refuse to slurp a stray dump


def read_bytes(path: str) -> tuple[bytes | None, FileProblem | None]:
    """Read a regular file without following it into trouble (loops, FIFOs, huge blobs)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return None, FileProblem("unreadable", f"cannot read file: {exc.strerror or exc}", Loc(path))
    if not stat.S_ISREG(st.st_mode):
        return None, FileProblem("unreadable", "not a regular file", Loc(path))
    if st.st_size > MAX_FILE_BYTES:
        return None, FileProblem("unreadable", f"file is {st.st_size} bytes, larger than the {MAX_FILE_BYTES} byte limit", Loc(path))
    try:
        with open(path, "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        return None, FileProblem("unreadable", f"cannot read file: {exc.strerror or exc}", Loc(path))


def parse_xml(path: str) -> ParsedXml:
    data, problem = read_bytes(path)
    if problem:
        return ParsedXml(path, problem=problem)
    return parse_xml_bytes(path, data)


def _doctype_offset(data: bytes) -> int:
    """Offset of a ``<!DOCTYPE`` in the prolog, or -1. Checked before parsing so no entity is ever defined."""
    at = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while at < len(data):
        while at < len(data) and data[at : at + 1] in b" \t\r\n":
            at += 1
        if data.startswith(b"<?", at):
            end = data.find(b"?>", at)
        elif data.startswith(b"<!--", at):
            end = data.find(b"-->", at)
        else:
            return at if data.startswith(b"<!DOCTYPE", at) else -1
        if end < 0:
            return -1
        at = end + 2
    return -1


def _doctype_problem(path: str, data: bytes, at: int) -> ParsedXml:
    line = data.count(b"\n", 0, at) + 1 if at >= 0 else 1
    message = "document type declaration (DTD) found: WSO2 configuration files have none; its entities were not expanded and the file is not checked"
    return ParsedXml(path, problem=FileProblem("doctype", message, Loc(path, line, 1)))


def parse_xml_bytes(path: str, data: bytes) -> ParsedXml:
    if not data.strip():
        return ParsedXml(path, problem=FileProblem("unparseable", "file is empty; expected an XML document", Loc(path, 1, 1)))
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ParsedXml(path, problem=FileProblem("unparseable", "file is binary, not XML", Loc(path, 1, 1)))
    doctype_at = _doctype_offset(data)
    if doctype_at >= 0:
        return _doctype_problem(path, data, doctype_at)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        message = exc.msg if getattr(exc, "msg", None) else str(exc)
        # libxml2 appends ", line N, column M"; the location is printed separately.
        message = message.split(", line ")[0]
        return ParsedXml(path, problem=FileProblem("unparseable", f"not well-formed XML: {message}", Loc(path, line or None, column or None)))
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        # A DTD the prolog scan missed (another encoding): still refused, never used.
        return _doctype_problem(path, data, data.find(b"<!DOCTYPE"))
    parsed = ParsedXml(path, root=root, lines=LineIndex(data, tree.docinfo.encoding))
    if b"bps-lint:" in data:
        parsed.suppressions = suppressions.find(path, "\n".join(parsed.lines.text_lines()))
    return parsed
