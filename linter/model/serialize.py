"""The cluster model as JSON (``bps-lint model``), described by schemas/model.schema.json."""

from __future__ import annotations

from linter.model.types import Cluster, Node, Secret, Value
from linter.parse.location import ElementLoc, Loc


def _loc(loc) -> dict:
    return {"path": loc.path, "line": loc.line, "column": loc.column}


def to_json(obj):
    if isinstance(obj, Value):
        return {"value": obj.raw, **_loc(obj.loc)}
    if isinstance(obj, Secret):  # never the password itself
        return {"state": obj.state, "alias": obj.alias, "is_default": obj.is_default, **_loc(obj.loc)}
    if isinstance(obj, (Loc, ElementLoc)):
        return _loc(obj)
    if hasattr(obj, "_fields"):  # a model record (a named tuple), before plain tuples
        data = {name: to_json(getattr(obj, name)) for name in obj._fields}
        if isinstance(obj, Node):
            data["role"] = obj.role
        if isinstance(obj, Cluster):
            data["instance_count"] = obj.instance_count
        return data
    if isinstance(obj, frozenset):
        return sorted(obj)
    if isinstance(obj, (list, tuple)):
        return [to_json(i) for i in obj]
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    return obj
