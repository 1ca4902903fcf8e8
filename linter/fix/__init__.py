"""Fixes: what a check proposes to change, as edits of one element's text or attribute, and the
byte-exact layer that turns them into replacements of only those bytes (``linter.fix.text``) and
writes them (``linter.fix.apply``)."""

from __future__ import annotations

from typing import NamedTuple

from linter.parse.location import Loc


class SetText(NamedTuple):
    """Make the text of the element starting at ``loc`` read ``new`` (it read ``old``)."""

    loc: Loc
    tag: str
    old: str | None
    new: str
    whole: bool = False  # replace all of the text, not just the value inside its surrounding whitespace


class SetAttr(NamedTuple):
    """Make attribute ``name`` of the element starting at ``loc`` read ``new`` (it read ``old``)."""

    loc: Loc
    tag: str
    name: str
    old: str | None
    new: str


class AddChild(NamedTuple):
    """Give the element starting at ``loc`` a child ``<name>new</name>``: the stock file's commented-out one
    uncommented when it has exactly one, else a new line where the stock file has it (after the nearest of
    ``after``, else before the first of ``before``, else after the last child), indented like its siblings."""

    loc: Loc
    tag: str
    name: str
    new: str
    after: tuple = ()  # local names of the siblings the stock file has before it, nearest first
    before: tuple = ()  # and after it, nearest first


class EditLine(NamedTuple):
    """In a plain text file (a start script), make ``old``, written on ``loc.line`` at ``loc.column``, read ``new``;
    an empty ``new`` removes it with the blanks after it (the whole line when nothing else is on it)."""

    loc: Loc
    old: str
    new: str


class Fix(NamedTuple):
    title: str
    safety: str  # "safe" or "unsafe"
    edits: tuple = ()

    @property
    def safe(self) -> bool:
        return self.safety == "safe"

    def resolved(self) -> Fix:
        """The fix with every place worked out (plain Locs, picklable for worker processes)."""
        from linter.parse.location import as_loc

        return self._replace(edits=tuple(e._replace(loc=as_loc(e.loc)) for e in self.edits))


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def set_text(value, new: str, whole: bool = False) -> tuple:
    """The edit that makes a model Value read from an element's text read ``new``; none for a value that is
    absent or not written in a plain file (a product default, or text rendered from a template or a manifest)."""
    from linter.parse.location import ElementLoc

    if value is None or not value.present or not isinstance(value.loc, ElementLoc) or not value.loc.plain:
        return ()
    return (SetText(value.loc, value.loc.tag, value.raw, new, whole),)


def add_child(value, parent: str, name: str, new: str) -> tuple:
    """The edit that adds ``<name>new</name>`` for an absent Value, whose place is then its parent's: only when
    that parent is ``parent`` (local name), in a plain file."""
    from linter.parse.location import ElementLoc

    loc = value.loc if value is not None else None
    if value is None or value.present or not isinstance(loc, ElementLoc) or not loc.plain or local_name(loc.tag) != parent:
        return ()
    from linter.fix.place import stock_place

    after, before = stock_place(loc.path, parent, name)
    return (AddChild(loc, loc.tag, name, new, after, before),)


def add_attribute(value, holder: str, name: str, new: str) -> tuple:
    """The edit that adds attribute ``name="new"`` for an absent Value read from an attribute, whose place is
    then its element's: only when that element is ``holder`` (local name), in a plain file."""
    from linter.parse.location import ElementLoc

    loc = value.loc if value is not None else None
    if value is None or value.present or not isinstance(loc, ElementLoc) or not loc.plain or local_name(loc.tag) != holder:
        return ()
    return (SetAttr(loc, loc.tag, name, None, new),)


def edit_flag(flag, new: str, plain: bool) -> tuple:
    """The edit that makes a start-script flag (a JvmFlag) read ``new``, or drops it when ``new`` is empty; none
    when the script was not written by hand (``plain`` false: a template, a manifest or the product's own)."""
    if flag is None or not plain or not flag.loc.line:
        return ()
    return (EditLine(flag.loc, flag.text, new),)


def set_attribute(value, name: str, new: str) -> tuple:
    """The edit that makes a model Value read from attribute ``name`` read ``new``."""
    from linter.parse.location import ElementLoc

    if value is None or not value.present or not isinstance(value.loc, ElementLoc) or not value.loc.plain:
        return ()
    return (SetAttr(value.loc, value.loc.tag, name, value.raw, new),)
