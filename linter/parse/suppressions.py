"""Inline suppressions: ``<!-- bps-lint: disable=BPS101 -->`` (this line and the next) and
``<!-- bps-lint: disable-file=BPS101 -->`` (the whole file); ``# bps-lint: ...`` in start scripts.

In XML they are read from the parser's comment nodes, with the parser's line numbers: text that
only looks like a comment (inside CDATA, an attribute or a broken comment) suppresses nothing,
and every encoding and line separator counts lines as the parser does."""

from __future__ import annotations

import io
import re

from linter.parse.location import Loc
from linter.records import Record

PREFIX = "bps-lint:"
_SHELL = re.compile(r"#[ \t]*bps-lint:")
# disable=RULE[,RULE...] then, after a space, the reason in any words ("disable=BPS101 vendor's own pool")
_DIRECTIVE = re.compile(r"^(?P<kind>[a-z-]+)\s*(?:=\s*(?P<ids>[^\s,]*(?:\s*,\s*[^\s,]+)*)(?:\s+(?P<reason>.*))?)?$")
KINDS = ("disable", "disable-file")


class Suppression(Record):
    kind: str  # disable | disable-file | anything else is invalid
    ids: tuple[str, ...]
    loc: Loc
    text: str
    # the last line it covers beyond its own and the next: the end of a start tag spanning lines below it, the line
    # after a comment over several lines, the last line of a shell command continued with '\\'
    through: int | None = None

    def covers(self, line: int | None) -> bool:
        if self.kind == "disable-file":
            return True
        if line is None or self.loc.line is None:
            return False
        # the element after it is covered whole: a finding on an attribute of rendered text is at the attribute's line
        return line in (self.loc.line, self.loc.line + 1) or self.through is not None and self.loc.line <= line <= self.through


def _suppression(body: str, loc: Loc) -> Suppression:
    body = " ".join(body.split())
    directive = _DIRECTIVE.match(body)
    kind = directive["kind"] if directive else body
    ids = tuple(i for i in re.split(r"[\s,]+", (directive["ids"] or "") if directive else "") if i)  # the reason is not read
    return Suppression(kind, ids, loc, body)


def mentioned(data: bytes) -> bool:
    """Whether raw file bytes may hold a suppression (in UTF-8 and its kin, or in UTF-16)."""
    if b"bps-lint:" in data:
        return True
    return b"\x00" in data[:4] and b"b\x00p\x00s\x00-\x00l\x00i\x00n\x00t\x00:" in data  # UTF-16 starts with a NUL or a BOM


def from_xml(path: str, data: bytes, lines) -> list[Suppression]:
    """The suppressions in the comments of a well-formed XML document ``data``; ``lines`` gives columns."""
    from lxml import etree

    found = []
    events = etree.iterparse(io.BytesIO(data), events=("comment",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    for _, comment in events:
        text = comment.text or ""
        body = text.lstrip()
        if not body.startswith(PREFIX):
            continue
        end = comment.sourceline or 1  # lxml gives the line where the comment ends
        line = end - text.count("\n")
        first = text.split("\n", 1)[0]
        at = (lines.line(line) or "").find("<!--" + first)
        found.append((comment, end, _suppression(body[len(PREFIX) :], Loc(path, line, at + 1 if at >= 0 else None))))
    # read once the document is parsed: the element after each comment, and the line its start tag ends on; a comment
    # over several lines (a reason on the next) covers them and the line after its end
    return [s._replace(through=_start_tag_end(comment, end, lines) or (end + 1 if end > s.loc.line else None)) for comment, end, s in found]


def _start_tag_end(comment, line: int, lines) -> int | None:
    """The line the start tag of the element after ``comment`` (which ends on ``line``) ends on, when the tag starts
    on that line or the next and ends below them; else None."""
    from linter.parse.location import local_tag

    after = comment.getnext()
    if after is None or not isinstance(after.tag, str) or not after.sourceline or after.sourceline <= line + 1:
        return None
    start, _ = lines.tag_start(local_tag(after), after.sourceline)
    return after.sourceline if start in (line, line + 1) else None


BREAKS_COMMAND = "inside-command"  # a comment line within a command continued with '\\': it ends the command there


def from_shell(path: str, text: str) -> list[Suppression]:
    """The ``# bps-lint: ...`` comments of a start script, one per line at most. One on the line before a command
    continued over several lines with ``\\`` ($JAVACMD \\ and its -D flags) covers the whole command: a comment
    line cannot go among those lines, where it would end the command (``BREAKS_COMMAND``, reported)."""
    found = []
    if PREFIX not in text:
        return found
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if PREFIX not in line:
            continue
        match = _SHELL.search(line)
        if not match:
            continue
        suppression = _suppression(line[match.end() :].strip(), Loc(path, number, match.start() + 1))
        own_line = not line[: match.start()].strip()
        if own_line and number > 1 and lines[number - 2].rstrip().endswith("\\"):
            suppression = suppression._replace(kind=BREAKS_COMMAND)
        elif own_line:
            last = number + 1
            while last <= len(lines) and lines[last - 1].rstrip().endswith("\\"):
                last += 1
            suppression = suppression._replace(through=min(last, len(lines))) if last > number + 1 else suppression
        found.append(suppression)
    return found
