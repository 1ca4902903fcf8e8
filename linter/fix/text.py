"""The byte-exact layer: find the bytes of one start tag, attribute value or element text in a file's
original bytes, and the replacement for them. Nothing else of the file is decoded or re-encoded, so
line endings, a BOM, tabs, comments, quoting and attribute order stay as they were."""

from __future__ import annotations

import re

from linter.fix import AddChild, EditLine, SetAttr, SetText, local_name
from linter.records import Record


class FixError(Exception):
    """Why an edit cannot be made safely; the file is then left as it is."""


class Replacement(Record):
    start: int  # byte offsets into the original file
    end: int
    data: bytes


_ASCII_COMPATIBLE = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}
_DECLARED = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_SKIPPED = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def encoding(data: bytes) -> str:
    """The file's encoding; only ASCII-compatible ones are edited (the bytes searched for are ASCII)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 byte order mark (the declaration is not ASCII then)
        raise FixError("file encoding UTF-16 is not edited")
    match = _DECLARED.match(data)
    name = (match.group(1).decode("ascii") if match else "utf-8").lower().replace("_", "-")
    if name not in _ASCII_COMPATIBLE:
        raise FixError(f"file encoding {name} is not edited")
    return name


def unescape(text: str) -> str:
    def one(match):
        ref = match.group(1)
        if ref.startswith("#x"):
            return chr(int(ref[2:], 16))
        if ref.startswith("#"):
            return chr(int(ref[1:]))
        return _NAMED[ref]

    return _ENTITY.sub(one, text)


def escape(text: str, quote: str = "") -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace(quote, "&quot;" if quote == '"' else "&apos;") if quote else text


class Document:
    """A file's bytes with the spans of its comments, CDATA and processing instructions, which no edit touches."""

    def __init__(self, data: bytes):
        self.data = data
        self.encoding = encoding(data)
        self._skipped = [m.span() for m in _SKIPPED.finditer(data)]
        self._line_starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]

    def skipped(self, offset: int) -> bool:
        return any(start <= offset < end for start, end in self._skipped)

    def next_skipped(self, offset: int, limit: int) -> tuple[int, int] | None:
        return next(((s, e) for s, e in self._skipped if offset <= s < limit), None)

    def line_span(self, line: int) -> tuple[int, int]:
        if not 1 <= line <= len(self._line_starts):
            raise FixError(f"line {line} is past the end of the file")
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.data)
        return start, end

    def start_tag(self, line: int, tag: str) -> tuple[int, int, bytes]:
        """Offsets of ``<tag ...>`` (or ``<prefix:tag ...>``) starting on ``line``, outside any comment, and the
        name as written. More than one such tag on the line is ambiguous: no edit is made."""
        start, end = self.line_span(line)
        pattern = re.compile(rb"<((?:[\w.\-]+:)?" + re.escape(local_name(tag).encode("ascii")) + rb")(?=[\s/>])")
        found = [m for m in pattern.finditer(self.data, start, end) if not self.skipped(m.start())]
        if len(found) != 1:
            raise FixError(f"<{local_name(tag)}> not found once on line {line}")
        match = found[0]
        at, quote = match.end(), None
        while at < len(self.data):  # the '>' that ends the tag, not one inside a quoted value
            byte = self.data[at : at + 1]
            if quote:
                quote = None if byte == quote else quote
            elif byte in (b'"', b"'"):
                quote = byte
            elif byte == b">":
                return match.start(), at + 1, match.group(1)
            at += 1
        raise FixError("start tag not closed")

    def decode(self, start: int, end: int) -> str:
        return self.data[start:end].decode(self.encoding)

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding, errors="xmlcharrefreplace")


_ATTRIBUTE = re.compile(rb"""(\s)([\w.:\-]+)(\s*=\s*)(["'])(.*?)\4""", re.S)


def set_attribute(doc: Document, edit: SetAttr) -> Replacement:
    start, end, name = doc.start_tag(edit.loc.line, edit.tag)
    for match in _ATTRIBUTE.finditer(doc.data, start + 1 + len(name), end):
        if match.group(2).decode("ascii", errors="replace") != edit.name:
            continue
        old = unescape(doc.decode(*match.span(5)))
        if edit.old is not None and old != edit.old:
            raise FixError(f"attribute {edit.name} changed since it was checked")
        quote = match.group(4).decode("ascii")
        return Replacement(*match.span(5), doc.encode(escape(edit.new, quote)))
    if edit.old is not None:
        raise FixError(f"attribute {edit.name} not found")
    # Absent: added after the tag's name, before any other attribute, with one space.
    at = start + 1 + len(name)
    return Replacement(at, at, doc.encode(f' {edit.name}="{escape(edit.new, chr(34))}"'))


def set_text(doc: Document, edit: SetText) -> Replacement:
    """The element's text as lxml reads it (``.text``: up to its first comment or child) becomes ``new``;
    the whitespace around the value and anything after it stay."""
    start, end, name = doc.start_tag(edit.loc.line, edit.tag)
    if doc.data[end - 2 : end] == b"/>":  # <tag/>: becomes <tag>new</tag>
        if edit.old:
            raise FixError("element is empty")
        close = end - 2
        while doc.data[close - 1 : close] in (b" ", b"\t", b"\r", b"\n"):
            close -= 1
        return Replacement(close, end, doc.encode(">" + escape(edit.new) + "</") + name + b">")
    stop = doc.data.find(b"<", end)
    if stop < 0:
        raise FixError("element not closed")
    text = doc.decode(end, stop)
    if edit.old is not None and unescape(text).strip() != edit.old.strip():
        raise FixError("text changed since it was checked")
    core = text.strip()
    lead = len(text) - len(text.lstrip())
    if edit.whole:
        return Replacement(end, stop, doc.encode(escape(edit.new)))
    if not core:  # nothing written yet: the value goes where the text is, its whitespace kept after it
        return Replacement(end, end, doc.encode(escape(edit.new)))
    first = end + len(doc.encode(text[:lead]))
    return Replacement(first, first + len(doc.encode(core)), doc.encode(escape(edit.new)))


_TAG = re.compile(rb"<(/?)([\w.\-]+:)?([\w.\-]+)[^>]*?(/?)>")


def _children(doc: Document, start: int, end: int, name: bytes):
    """The direct children of the element whose start tag ends at ``end``: (start, end) of each, and the offset of
    its end tag. Comments, CDATA and processing instructions are skipped."""
    depth, at, children, child_start = 0, end, [], None
    while True:
        match = _TAG.search(doc.data, at)
        if match is None:
            raise FixError("element not closed")
        at = match.end()
        if doc.skipped(match.start()):
            continue
        closing, selfclosing = match.group(1), match.group(4)
        if closing:
            if depth == 0:
                return children, match.start()
            depth -= 1
            if depth == 0:
                children.append((child_start, match.end()))
        elif selfclosing:
            if depth == 0:
                children.append((match.start(), match.end()))
        else:
            if depth == 0:
                child_start = match.start()
            depth += 1


def _line_start(doc: Document, offset: int) -> int:
    return doc.data.rfind(b"\n", 0, offset) + 1


def _newline(doc: Document, line_start: int) -> bytes:
    return b"\r\n" if doc.data[line_start - 2 : line_start] == b"\r\n" else b"\n"


def add_child(doc: Document, edit) -> Replacement:
    start, end, name = doc.start_tag(edit.loc.line, edit.tag)
    if doc.data[end - 2 : end] == b"/>":
        raise FixError("element is empty")
    children, close = _children(doc, start, end, name)
    prefix = name.rpartition(b":")[0] + b":" if b":" in name else b""
    qname = prefix + edit.name.encode("ascii")
    element = b"<" + qname + b">" + doc.encode(escape(edit.new)) + b"</" + qname + b">"
    commented = re.compile(rb"<!--\s*<" + re.escape(qname) + rb">[^<]*</" + re.escape(qname) + rb">\s*-->")
    at_depth_one = [(s, e) for s, e in doc._skipped if end <= s < close and not any(cs <= s < ce for cs, ce in children)]
    found = [(s, e) for s, e in at_depth_one if commented.fullmatch(doc.data, s, e)]
    if len(found) == 1:
        return Replacement(*found[0], element)
    if not children or found:
        raise FixError(f"no place to add <{edit.name}>")
    names = [_TAG.match(doc.data, s).group(3).decode("ascii", "replace") for s, _ in children]
    for sibling in edit.after:  # after the nearest sibling the stock file has before it
        if sibling in names:
            return _after(doc, children[len(names) - 1 - names[::-1].index(sibling)], element)
    for sibling in edit.before:  # else before the nearest one it has after it
        if sibling in names:
            return _before(doc, children[names.index(sibling)], element)
    return _after(doc, children[-1], element)


def _sibling_line(doc: Document, child_start: int) -> tuple[int, bytes]:
    """(where the sibling's line starts, the sibling's indent); FixError when something else comes before it there."""
    line_start = _line_start(doc, child_start)
    indent = doc.data[line_start:child_start]
    if indent.strip(b" \t"):
        raise FixError("the sibling shares its line")
    return line_start, indent


def _after(doc: Document, child: tuple[int, int], element: bytes) -> Replacement:
    """A new line after ``child``'s line (a comment ending that line stays with it), indented like it."""
    child_start, child_end = child
    line_start, indent = _sibling_line(doc, child_start)
    at = child_end
    line_end = doc.data.find(b"\n", at)
    line_end = len(doc.data) if line_end < 0 else line_end
    rest_end = line_end - 1 if doc.data[line_end - 1 : line_end] == b"\r" else line_end
    rest = doc.data[at:rest_end]
    closed = not rest or not doc.skipped(rest_end - 1) or doc.skipped(rest_end - 1) and _span_end(doc, rest_end - 1) <= rest_end
    if rest.strip(b" \t") and closed and all(doc.skipped(at + i) or rest[i : i + 1] in (b" ", b"\t") for i in range(len(rest))):
        at = rest_end  # only blanks and comments closed on the line follow
    newline = _newline(doc, line_start) if line_start else (b"\r\n" if doc.data[line_end - 1 : line_end] == b"\r" else b"\n")
    return Replacement(at, at, newline + indent + element)


def _span_end(doc: Document, offset: int) -> int:
    return next(e for s, e in doc._skipped if s <= offset < e)


def _before(doc: Document, child: tuple[int, int], element: bytes) -> Replacement:
    """A new line before ``child``'s line, indented like it."""
    line_start, indent = _sibling_line(doc, child[0])
    if not line_start:  # the sibling opens the file: no line of its own to put one before
        raise FixError("the sibling shares its line")
    return Replacement(line_start, line_start, indent + element + _newline(doc, line_start))


def edit_line(doc: Document, edit: EditLine) -> Replacement:
    """``old`` on its line (at its column when it is written there, else its only occurrence) becomes ``new``."""
    start, end = doc.line_span(edit.loc.line)
    old = doc.encode(edit.old)
    column = (edit.loc.column or 0) - 1
    at = start + column if 0 <= column < end - start and doc.data.startswith(old, start + column) else -1
    if at < 0:
        if doc.data.count(old, start, end) != 1:
            raise FixError(f"{edit.old} not found once on line {edit.loc.line}")
        at = doc.data.find(old, start, end)
    stop = at + len(old)
    if stop < end and doc.data[stop : stop + 1] not in (b" ", b"\t", b"\r", b"\n", b"\\", b'"', b"'"):
        raise FixError(f"{edit.old} is part of a longer word")
    if edit.new:
        return Replacement(at, stop, doc.encode(edit.new))
    while doc.data[stop : stop + 1] in (b" ", b"\t"):
        stop += 1
    body = doc.data[start:end].rstrip(b"\r\n")
    if doc.data[start:at].strip(b" \t") == b"" and doc.data[stop : start + len(body)] == b"\\":
        return Replacement(start, end, b"")  # nothing else on a continued line: the line goes, the command still continues
    return Replacement(at, stop, b"")


def edited_place(doc: Document, edit) -> tuple[int, int] | None:
    """(line, column) where the user edits for an edit whose place is not its element's start: the stock entry,
    commented out, that an AddChild uncomments (an absent element's finding otherwise points at its parent); the
    attribute a SetAttr changes (on the element's second line, say). None when the element's start is the place."""
    data = doc.data
    try:
        if isinstance(edit, AddChild):
            found = add_child(doc, edit).start
            at = found if data.startswith(b"<!--", found) else None
        elif isinstance(edit, SetAttr) and edit.old is not None:
            start, end, name = doc.start_tag(edit.loc.line, edit.tag)
            at = next((m.start(2) for m in _ATTRIBUTE.finditer(data, start + 1 + len(name), end) if m.group(2) == edit.name.encode()), None)
        else:
            return None
    except (FixError, UnicodeError):
        return None
    if at is None:
        return None
    return data.count(b"\n", 0, at) + 1, at - _line_start(doc, at) + 1


EDITORS = {SetText: set_text, SetAttr: set_attribute, AddChild: add_child, EditLine: edit_line}


def replacements(data: bytes, edits) -> list[Replacement]:
    """The byte replacements that make ``edits`` in ``data``, sorted; overlapping edits are refused, and
    insertions at one place are joined in the order of ``edits`` (two elements added after one sibling)."""
    doc = Document(data)
    found: list[Replacement] = []
    made = [EDITORS[type(edit)](doc, edit) for edit in edits]
    for n in sorted(range(len(made)), key=lambda n: (made[n].start, made[n].end, n)):
        replacement = made[n]
        last = found[-1] if found else None
        if last and last.start == last.end == replacement.start == replacement.end:
            if replacement.data != last.data:
                found[-1] = last._replace(data=last.data + replacement.data)
            continue
        if last and replacement.start < last.end:
            raise FixError("edits overlap")
        found.append(replacement)
    return found


def apply(data: bytes, found: list[Replacement]) -> bytes:
    out, at = [], 0
    for r in sorted(found):
        out += [data[at : r.start], r.data]
        at = r.end
    out.append(data[at:])
    return b"".join(out)
