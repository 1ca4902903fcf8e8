from __future__ import annotations

from linter.model.types import Node
from linter.parse.location import Loc
from linter.records import Record


class Violation(Record):
    """What a check reports; the engine turns it into a Finding with the rule's metadata."""

    loc: Loc
    message: str
    node: Node | None = None
    edits: tuple = ()  # the edits (linter.fix) that correct it, when the rule has a fix
