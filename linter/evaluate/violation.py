from __future__ import annotations

from typing import NamedTuple

from linter.model.types import Node
from linter.parse.location import Loc


class Violation(NamedTuple):
    """What a check reports; the engine turns it into a Finding with the rule's metadata."""

    loc: Loc
    message: str
    node: Node | None = None
    edits: tuple = ()  # the edits (linter.fix) that correct it, when the rule has a fix
