"""Hardened XML parsing: no DTD, no entity expansion, no network, no huge trees."""

from __future__ import annotations

import errno
import os
import re
import stat

from lxml import etree

from linter.parse import suppressions
from linter.parse.location import OUTSIDE, LineIndex, Loc, inside
from linter.records import Record

# One parser for every file of a process (lxml serialises threads that share a parser; we fork instead).
# Comments, processing instructions and whitespace between elements are dropped from the tree:
# no rule reads them (suppression comments are found in the raw text), and the stock axis2.xml and
# carbon.xml are mostly comments, so a leaner tree parses about a third faster. Element lines stay.
_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    remove_blank_text=True,
    collect_ids=False,
)
_PARSER = etree.XMLParser(**_PARSER_OPTIONS)


class FileProblem(Record):
    """Why a file could not be used: kind is one of missing, unreadable, unparseable, doctype."""

    kind: str
    message: str
    loc: Loc


class ParsedXml:
    """A parsed file, or the problem that stopped it. ``root`` is None when ``problem`` is set."""

    __slots__ = (
        "path",
        "root",
        "problem",
        "lines",
        "suppressions",
        "placeholders",
        "properties",
        "substituted",
        "secret_properties",
        "substitutable",
        "per_replica",
    )

    def __init__(self, path: str, root: etree._Element | None = None, problem: FileProblem | None = None, lines: LineIndex | None = None):
        self.path = path
        self.root = root
        self.problem = problem
        self.lines = lines
        self.suppressions: list = []
        self.placeholders: list = []  # Values read from this file that hold ${...}
        # Set by the model builder: the system properties Carbon substitutes for ${name} in this file, and
        # where it does ("text": element text; "parameters": <parameter> text only, as in axis2.xml).
        self.properties: dict[str, str] | None = None
        self.substituted: str | None = None
        self.secret_properties: set[str] = set()  # system properties a password element takes its value from
        self.substitutable: set = set()  # locations of the placeholders that stand where Carbon substitutes
        self.per_replica: set[str] = set()  # properties whose value differs on every replica of the node (a pod's name)


_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
MAX_FILE_BYTES = 16 * 1024 * 1024  # real conf files are < 100 KiB; refuse to slurp a stray dump
# The stock axis2.xml, the largest file, has about 600 elements; a tree of this many takes ~10 MB.
MAX_ELEMENTS = 100_000
_NS_UNDEFINED = 201  # libxml2's XML_NS_ERR_UNDEFINED_NAMESPACE, and its text for it
_UNDECLARED = re.compile(r"Namespace prefix ([\w.-]+) (?:for|on) ([\w.-]+)(?: on ([\w.-]+))? is not defined")
SECURE_VAULT_NS = "http://org.wso2.securevault/configuration"
MAX_DEPTH = 256  # libxml2's nesting limit without huge-tree mode, which stays off


# Files as ``bps-lint --diff`` has them in mind, by real path: the fixes it would make, never written, which its
# next pass lints (a fix can make another possible) as --fix lints them on disk. Empty otherwise.
PENDING: dict[str, bytes] = {}


def read_bytes(path: str, root: str | None = None) -> tuple[bytes | None, FileProblem | None]:
    """Read a regular file without following it into trouble (loops, FIFOs, huge blobs, and, given
    ``root``, a symbolic link leading out of that real folder)."""
    if PENDING:
        pending = PENDING.get(os.path.realpath(path))
        if pending is not None:
            return pending, None
    if root and not _NO_FOLLOW and os.path.islink(path) and not inside(os.path.realpath(path), root):
        return None, FileProblem("unreadable", OUTSIDE, Loc(path))  # no O_NOFOLLOW (Windows): ask first
    try:
        # O_NONBLOCK: opening a FIFO must not hang; fstat on the open file saves a second lookup.
        # O_NOFOLLOW: a link is only followed once its target is known to lie inside ``root``.
        fd = os.open(path, _OPEN_FLAGS | (_NO_FOLLOW if root else 0))
    except OSError as exc:
        if root and _NO_FOLLOW and exc.errno == errno.ELOOP:  # a symbolic link (or a loop)
            if not inside(os.path.realpath(path), root):
                return None, FileProblem("unreadable", OUTSIDE, Loc(path))
            return read_bytes(path)
        return _open_problem(path, exc)
    return _read_open(path, fd)


def _open_problem(path: str, exc: OSError) -> tuple[None, FileProblem]:
    if isinstance(exc, FileNotFoundError) and not os.path.lexists(path):  # a dangling link is there, just unreadable
        return None, FileProblem("missing", "no such file", Loc(path))
    return None, FileProblem("unreadable", f"cannot read file: {exc.strerror or exc}", Loc(path))


def _read_open(path: str, fd: int) -> tuple[bytes | None, FileProblem | None]:
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, FileProblem("unreadable", "not a regular file", Loc(path))
        if st.st_size > MAX_FILE_BYTES:
            return None, FileProblem("unreadable", f"file is {st.st_size} bytes, larger than the {MAX_FILE_BYTES} byte limit", Loc(path))
        data = os.read(fd, st.st_size + 1)  # one read for a regular file: exactly its size is all of it
        if len(data) == st.st_size:
            return data, None
        chunks = [data]  # it grew or shrank meanwhile, or the read was short: read on to its end
        while chunks[-1]:
            chunks.append(os.read(fd, 1 << 16))
        return b"".join(chunks), None
    except OSError as exc:
        return None, FileProblem("unreadable", f"cannot read file: {exc.strerror or exc}", Loc(path))
    finally:
        os.close(fd)


def parse_xml(path: str, root: str | None = None) -> ParsedXml:
    data, problem = read_bytes(path, root)
    if problem:
        return ParsedXml(path, problem=problem)
    return parse_xml_bytes(path, data)


_BLANKS = re.compile(rb"[ \t\r\n]*")  # XML's white space, skipped in C rather than a byte at a time


def _doctype_offset(data: bytes) -> int:
    """Offset of a ``<!DOCTYPE`` in the prolog, or -1. Checked before parsing so no entity is ever defined."""
    at = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while at < len(data):
        at = _BLANKS.match(data, at).end()
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


# libxml2's own messages quote the document (a broken <password> would be printed), so a parse
# error is described by its kind alone; the line and column say where.
_SYNTAX_ERRORS = {
    "ATTRIBUTE_REDEFINED": "an attribute is given twice",
    "CDATA_NOT_FINISHED": "CDATA section not finished",
    "COMMENT_NOT_FINISHED": "comment not finished",
    "DOCUMENT_EMPTY": "start tag expected, '<' not found",
    "DOCUMENT_END": "extra content at the end of the document",
    "ENTITYREF_SEMICOL_MISSING": "entity reference without ';'",
    "GT_REQUIRED": "'>' expected",
    "INVALID_CHAR": "a character that XML does not allow",
    "INVALID_ENCODING": "invalid bytes in character encoding",
    "LT_IN_ATTRIBUTE": "'<' in an attribute value",
    "LTSLASH_REQUIRED": "end tag expected",
    "NAME_REQUIRED": "a name was expected",
    "TAG_NAME_MISMATCH": "opening and ending tag mismatch",
    "TAG_NOT_FINISHED": "premature end of data in a tag",
    "UNDECLARED_ENTITY": "reference to an undefined entity (bps-lint expands none)",
}


def syntax_error(code: int) -> str:
    """A generic description of libxml2 error ``code`` that quotes nothing of the document."""
    try:
        name = etree.ErrorTypes._getName(code).removeprefix("ERR_")
    except (KeyError, AttributeError, TypeError):
        return "the document is not well-formed"
    return _SYNTAX_ERRORS.get(name) or name.lower().replace("_", " ")


def parse_xml_bytes(path: str, data: bytes) -> ParsedXml:
    if not data.strip():
        return ParsedXml(path, problem=FileProblem("unparseable", "file is empty; expected an XML document", Loc(path, 1, 1)))
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ParsedXml(path, problem=FileProblem("unparseable", "file is binary, not XML", Loc(path, 1, 1)))
    # Every element takes at least 4 bytes (<a/>): only a file larger than that can pass the budget.
    elements = data.count(b"<") - data.count(b"</") - data.count(b"<!") - data.count(b"<?") if len(data) > 4 * MAX_ELEMENTS else 0
    if elements > MAX_ELEMENTS:
        message = f"file has about {elements:,} elements, more than the {MAX_ELEMENTS:,} element budget; it is not checked"
        return ParsedXml(path, problem=FileProblem("unreadable", message, Loc(path)))
    doctype_at = _doctype_offset(data)
    if doctype_at >= 0:
        return _doctype_problem(path, data, doctype_at)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        undeclared = _UNDECLARED.match(exc.msg or "") if exc.code == _NS_UNDEFINED else None
        if "Excessive depth" in (exc.msg or ""):  # libxml2's fixed text: a well-formed file can nest too deep
            message = f"elements are nested deeper than {MAX_DEPTH} levels, more than bps-lint reads (real conf files nest fewer than 10); it is not checked"
        elif undeclared:  # names of markup, never values: svns:secretAlias on <Password> without xmlns:svns
            prefix, name, element = undeclared.groups()
            uri = f'="{SECURE_VAULT_NS}"' if prefix == "svns" else '="..."'
            what = f"{prefix}:{name} on <{element}>" if element else f"<{prefix}:{name}>"
            message = f"not well-formed XML: namespace prefix '{prefix}' of {what} is not declared; expected xmlns:{prefix}{uri} on the root element"
        else:
            message = f"not well-formed XML: {syntax_error(exc.code)}"
        return ParsedXml(path, problem=FileProblem("unparseable", message, Loc(path, line or None, column or None)))
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        # A DTD the prolog scan missed (another encoding): still refused, never used.
        return _doctype_problem(path, data, data.find(b"<!DOCTYPE"))
    # A byte order mark decides the encoding; lxml reports UTF-8 for a UTF-16 file without a declaration.
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else tree.docinfo.encoding
    parsed = ParsedXml(path, root=root, lines=LineIndex(data, encoding))
    if suppressions.mentioned(data):
        parsed.suppressions = suppressions.from_xml(path, data, parsed.lines)
    return parsed
