"""The cluster model as JSON (``bps-lint model``), described by schemas/model.schema.json."""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from linter.model.types import Cluster, Node, Secret, Value
from linter.parse.location import Loc


def _loc(loc: Loc) -> dict:
    return {"path": loc.path, "line": loc.line, "column": loc.column}


def to_json(obj):
    if isinstance(obj, Value):
        return {"value": obj.raw, **_loc(obj.loc)}
    if isinstance(obj, Secret):  # never the password itself
        return {"state": obj.state, "alias": obj.alias, "is_default": obj.is_default, **_loc(obj.loc)}
    if isinstance(obj, Loc):
        return _loc(obj)
    if isinstance(obj, (list, tuple)):
        return [to_json(i) for i in obj]
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    if is_dataclass(obj):
        data = {f.name: to_json(getattr(obj, f.name)) for f in fields(obj)}
        if isinstance(obj, Node):
            data["role"] = obj.role
        if isinstance(obj, Cluster):
            data["instance_count"] = obj.instance_count
        return data
    return obj
