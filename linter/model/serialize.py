"""The cluster model as JSON (``bps-lint model``), described by schemas/model.schema.json.

Every string goes through ``linter.redact.clean``, and the value of any field, clustering parameter
or flag whose name is secret-bearing is masked: the model prints what the files say, never a credential."""

from __future__ import annotations

from linter.model.types import Cluster, Node, Parameter, Secret, Value
from linter.parse.location import ElementLoc, Loc
from linter.redact import MASK, clean, is_secret_name, model_secrets, scrub


def cluster_json(cluster: Cluster):
    """The cluster as JSON data, with the values of its secret-named settings masked wherever else they appear."""
    secrets = model_secrets(cluster)
    data = to_json(cluster)
    return _scrubbed(data, secrets) if secrets else data


def _scrubbed(data, secrets):
    if isinstance(data, str):
        return scrub(data, secrets)
    if isinstance(data, list):
        return [_scrubbed(i, secrets) for i in data]
    if isinstance(data, dict):
        return {k: _scrubbed(v, secrets) for k, v in data.items()}
    return data


def _loc(loc) -> dict:
    return {"path": clean(loc.path), "line": loc.line, "column": loc.column}


def _value(value: Value, secret: bool) -> dict:
    raw = value.raw
    if secret and raw and raw.strip():
        raw = MASK
    return {"value": clean(raw), **_loc(value.loc)}


def to_json(obj, secret: bool = False):
    if isinstance(obj, Value):
        return _value(obj, secret)
    if isinstance(obj, Secret):  # never the password itself
        return {"state": obj.state, "alias": clean(obj.alias), "is_default": obj.is_default, **_loc(obj.loc)}
    if isinstance(obj, (Loc, ElementLoc)):
        return _loc(obj)
    if isinstance(obj, Parameter):
        return {"name": clean(obj.name), "value": _value(obj.value, secret or is_secret_name(obj.name))}
    if hasattr(obj, "_fields"):  # a model record (a named tuple), before plain tuples
        # a node's substitutable (where placeholders stood) is the check's bookkeeping, already in "placeholders"
        skipped = ("substitutable",) if isinstance(obj, Node) else ()
        data = {name: to_json(getattr(obj, name), secret or is_secret_name(name)) for name in obj._fields if name not in skipped}
        if isinstance(obj, Node):
            data["role"] = obj.role
            _mark_origins(data, obj)
        if isinstance(obj, Cluster):
            del data["instances"]  # the builder's cache of instance_count
            data["instance_count"] = obj.instance_count
        return data
    if isinstance(obj, frozenset):  # in a stable order, whatever its members are
        return sorted((to_json(i, secret) for i in obj), key=repr)
    if isinstance(obj, (list, tuple)):
        return [to_json(i, secret) for i in obj]
    if isinstance(obj, dict):
        return {clean(str(k)): to_json(v, secret) for k, v in obj.items()}
    if isinstance(obj, str):
        return MASK if secret and obj.strip() else clean(obj)
    return obj


def _mark_origins(data, node: Node) -> None:
    """Give every located value of the node an ``origin``: ``repository``, or ``default``/``base`` when it was
    read from the product's stock file (or the manifest's base folder) that stood in for a missing one."""
    origins = {clean(f.path): f.origin for f in node.files if f.origin != "repository"}
    if node.start_script is not None and node.start_script_origin != "repository":
        origins[clean(node.start_script.loc.path)] = node.start_script_origin

    def mark(item):
        if isinstance(item, dict):
            if "path" in item and "line" in item and "value" in item:
                item["origin"] = origins.get(item["path"], "repository")
            for value in item.values():
                mark(value)
        elif isinstance(item, list):
            for value in item:
                mark(value)

    mark(data)
