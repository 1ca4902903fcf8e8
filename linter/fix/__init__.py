"""Fixes: what a check proposes to change, as edits of one element's text or attribute, and the
byte-exact layer that turns them into replacements of only those bytes (``linter.fix.text``) and
writes them (``linter.fix.apply``)."""

from __future__ import annotations

from linter.parse.location import Loc
from linter.records import Record


class SetText(Record):
    """Make the text of the element starting at ``loc`` read ``new`` (it read ``old``)."""

    loc: Loc
    tag: str
    old: str | None
    new: str
    whole: bool = False  # replace all of the text, not just the value inside its surrounding whitespace
    source: object = None  # a SourceFile when the element is in rendered text: ``loc`` is then in that text


class SetAttr(Record):
    """Make attribute ``name`` of the element starting at ``loc`` read ``new`` (it read ``old``)."""

    loc: Loc
    tag: str
    name: str
    old: str | None
    new: str
    source: object = None


class AddChild(Record):
    """Give the element starting at ``loc`` a child ``<name>new</name>``: the stock file's commented-out one
    uncommented when it has exactly one, else a new line where the stock file has it (after the nearest of
    ``after``, else before the first of ``before``, else after the last child), indented like its siblings."""

    loc: Loc
    tag: str
    name: str
    new: str
    after: tuple = ()  # local names of the siblings the stock file has before it, nearest first
    before: tuple = ()  # and after it, nearest first
    source: object = None


class EditLine(Record):
    """In a plain text file (a start script), make ``old``, written on ``loc.line`` at ``loc.column``, read ``new``;
    an empty ``new`` removes it with the blanks after it (the whole line when nothing else is on it)."""

    loc: Loc
    old: str
    new: str


class Fix(Record):
    title: str
    safety: str  # "safe" or "unsafe"
    edits: tuple = ()

    @property
    def safe(self) -> bool:
        return self.safety == "safe"

    @property
    def suggested(self) -> bool:
        """Whether the fix is in conf text rendered from a template or held in a manifest: shown, never written."""
        return any(getattr(e, "source", None) is not None for e in self.edits)

    @property
    def writable(self) -> bool:
        """Whether ``--fix`` makes it (not only suggests it)."""
        return bool(self.edits) and not self.suggested

    def resolved(self) -> Fix:
        """The fix with every place worked out (plain Locs, picklable for worker processes)."""
        from linter.parse.location import as_loc

        return self._replace(edits=tuple(e._replace(loc=as_loc(e.loc)) for e in self.edits))


def candidate(finding, unsafe: bool = False) -> bool:
    """Whether ``--fix`` (with ``unsafe``: ``--fix --unsafe-fixes``) makes the finding's fix."""
    fix = finding.fix  # called for every finding a report prints: no getattr, no bool()
    return fix is not None and (fix.safe or unsafe) and fix.writable


def candidates(findings, unsafe: bool = False) -> list:
    """The findings whose fixes ``--fix`` (with ``unsafe``: ``--fix --unsafe-fixes``) makes."""
    return [f for f in findings if candidate(f, unsafe)]


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _where(loc) -> tuple | None:
    """(loc, source) an edit of the element at ``loc`` uses: in a plain file its own place; in conf text rendered from
    a template or held in a manifest, its place in that text and the SourceFile; None for a product default."""
    from linter.parse.location import ElementLoc

    if not isinstance(loc, ElementLoc):
        return None
    if loc.plain:
        return loc, None
    rendered = loc.rendered()
    return (rendered, loc.source) if rendered and rendered.line else None


def set_text(value, new: str, whole: bool = False) -> tuple:
    """The edit that makes a model Value read from an element's text read ``new``; none for a value that is
    absent or not written in a file (a product default)."""
    where = _where(value.loc) if value is not None and value.present else None
    if where is None:
        return ()
    return (SetText(where[0], value.loc.tag, value.raw, new, whole, where[1]),)


def add_child(value, parent: str, name: str, new: str) -> tuple:
    """The edit that adds ``<name>new</name>`` for an absent Value, whose place is then its parent's: only when
    that parent is ``parent`` (local name), in a plain file."""
    from linter.fix.place import stock_place

    where = _where(value.loc) if value is not None and not value.present else None
    if where is None or local_name(value.loc.tag) != parent:
        return ()
    after, before = stock_place(where[1].path if where[1] else where[0].path, parent, name)
    return (AddChild(where[0], value.loc.tag, name, new, after, before, where[1]),)


def add_attribute(value, holder: str, name: str, new: str) -> tuple:
    """The edit that adds attribute ``name="new"`` for an absent Value read from an attribute, whose place is
    then its element's: only when that element is ``holder`` (local name), in a plain file."""
    where = _where(value.loc) if value is not None and not value.present else None
    if where is None or local_name(value.loc.tag) != holder:
        return ()
    return (SetAttr(where[0], value.loc.tag, name, None, new, where[1]),)


def edit_flag(flag, new: str, plain: bool) -> tuple:
    """The edit that makes a start-script flag (a JvmFlag) read ``new``, or drops it when ``new`` is empty; none
    when the script was not written by hand (``plain`` false: a template, a manifest or the product's own)."""
    if flag is None or not plain or not flag.loc.line or not flag.loc.path.endswith(".sh"):  # not a container's JAVA_OPTS
        return ()
    return (EditLine(flag.loc, flag.text, new),)


def set_attribute(value, name: str, new: str) -> tuple:
    """The edit that makes a model Value read from attribute ``name`` read ``new``."""
    where = _where(value.loc) if value is not None and value.present else None
    if where is None:
        return ()
    return (SetAttr(where[0], value.loc.tag, name, value.raw, new, where[1]),)
