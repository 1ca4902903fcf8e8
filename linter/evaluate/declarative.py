"""Checks written in the policy itself, on a model field: a value check on each node, and the
cross-node kinds ``consistent`` (the same on every node) and ``unique`` (different on every node).

A message is a template with the fields of its kind (``{{`` and ``}}`` are literal braces): no
attribute access, no index, no format spec, so a policy cannot print interpreter internals or ask
for a 300-million-character padding. Templates and field paths are checked when policies load."""

from __future__ import annotations

import functools
import re
import sys
import typing

from linter.evaluate.checks.common import deviations, settled, shared_by_several
from linter.evaluate.conditions import applies
from linter.evaluate.violation import Violation
from linter.fix import add_attribute, add_child, set_text
from linter.model.types import Cluster, Node, PerReplica, Value

# The message fields of each kind: the value as found ('x' or "not set"); for cross-node kinds the
# plain text, the node, the other nodes' value, or the nodes that hold it.
FIELDS = {"value": ("found",), "consistent": ("value", "node", "majority"), "unique": ("value", "nodes")}
_TOKEN = re.compile(r"\{\{|\}\}|\{[^{}]*\}?|\}")


def render(template: str, **fields: str) -> str:
    """``template`` with its fields replaced (a template that passed ``template_problem``)."""
    values = {"{{": "{", "}}": "}", **{f"{{{name}}}": text for name, text in fields.items()}}
    return _TOKEN.sub(lambda m: values.get(m.group(), m.group()), template)


def template_problem(template: str, kind: str = "value") -> str | None:
    """Why ``template`` is not a valid message template for a check of ``kind``, or None."""
    allowed = {f"{{{name}}}" for name in FIELDS[kind]}
    for match in _TOKEN.finditer(template):
        token = match.group()
        if token in ("{{", "}}") or token in allowed:
            continue
        if token == "}" or not token.endswith("}"):
            return f"unmatched '{token[0]}' at offset {match.start()}; write '{{{{' or '}}}}' for a literal brace"
        return f"unknown field {token!r}; a message can only use {', '.join('{' + f + '}' for f in FIELDS[kind])}"
    return None


def field_problem(field: str) -> str | None:
    """Why ``field`` is not a dotted path from a node to a Value of the model, or None."""
    current = Node
    for depth, part in enumerate(field.split(".")):
        if current is Value:
            return f"'{'.'.join(field.split('.')[:depth])}' is already a value; it has no '{part}'"
        names = _field_names(current)
        if part not in names:
            return f"{current.__name__} has no field '{part}' (it has: {', '.join(sorted(names))})"
        current = _field_type(current, part)
        if current is None:
            return f"'{part}' is a list or a plain value, not a model record"
    return None if current is Value else f"'{field}' is a {getattr(current, '__name__', current)}, not a value a check can compare"


@functools.lru_cache(maxsize=None)
def _field_names(record: type) -> tuple[str, ...]:
    """The fields and public properties of a model record."""
    return (*record._fields, *(name for name, attribute in vars(record).items() if isinstance(attribute, property) and not name.startswith("_")))


def _field_type(record: type, name: str) -> type | None:
    """The record type of field or property ``name`` (None when it is not one). Only its own annotation is
    evaluated: ``typing.get_type_hints`` evaluates all of a record's, and every run checks the policies' fields."""
    attribute = vars(record).get(name)
    hint = attribute.fget.__annotations__.get("return") if isinstance(attribute, property) else record.__annotations__.get(name)
    if isinstance(hint, str):  # from __future__ import annotations: the text, evaluated where the record is defined
        hint = eval(hint, vars(sys.modules[record.__module__]))  # noqa: S307 (bps-lint's own annotations)
    return _record_type(hint)


def _record_type(hint) -> type | None:
    """``X`` for ``X`` or ``X | None`` when X is a model record (a named tuple) or a Value; else None."""
    options = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    if len(options) == 1 and isinstance(options[0], type) and hasattr(options[0], "_fields"):
        return options[0]
    return None


def resolve(obj, field: str):
    """Follow a dotted path of attributes (``bps.use_distributed_lock``); None if any step is missing."""
    for part in field.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


def _matches(value: Value, spec: dict) -> bool:
    if spec.get("not_blank") and value.is_blank:
        return False
    text = (value.raw if spec.get("exact") else value.text) or ""
    fold = spec.get("ignore_case", False)
    norm = (lambda s: s.lower()) if fold else (lambda s: s)
    if "equals" in spec and norm(text) != norm(spec["equals"]):
        return False
    if "one_of" in spec and norm(text) not in {norm(o) for o in spec["one_of"]}:
        return False
    if "min" in spec:
        number = value.as_int()
        if number is None or number < spec["min"]:
            return False
    return True


def check_value(spec: dict, node: Node, cluster: Cluster):
    if not applies(spec.get("when", ()), node, cluster):
        return
    value = resolve(node, spec["field"])
    if not isinstance(value, Value):
        return  # the file or element holding it is absent: another rule reports that
    if not value.present:
        if spec.get("required", False):
            fix = spec.get("autofix") or {}
            new = _expected(spec, node, cluster)
            edits = ()
            if new is not None and "element" in fix:
                edits = add_child(value, fix["parent"], fix["element"], new)
            elif new is not None and fix.get("attribute") and "parent" in fix:
                edits = add_attribute(value, fix["parent"], fix["attribute"], new)
            yield Violation(value.loc, render(spec["message"], found="not set"), edits=edits)
        return
    if not _matches(value, spec):
        yield Violation(value.loc, render(spec["message"], found=value.shown()), edits=_set_value(spec, value, _expected(spec, node, cluster)))


def _expected(spec: dict, node: Node, cluster: Cluster) -> str | None:
    """The value a fix writes: the policy's ``equals``, or one derived from the node's name (unique in the
    cluster, and never for a folder several replicas mount: they would share it); None without a fix."""
    fix = spec.get("autofix") or {}
    if not fix.get("safety"):
        return None
    if fix.get("derive") == "node-name":
        if node.replicas != 1:
            return None
        taken = {(v.text or "").lower() for n in cluster.nodes for v in [resolve(n, spec["field"])] if isinstance(v, Value) and v.present}
        for new in (f"bps-{node.name}", *(f"bps-{node.name}-{n}" for n in range(2, 100))):
            if new.lower() not in taken:
                return new
        return None
    return spec.get("equals")


def _set_value(spec: dict, value: Value, new: str | None) -> tuple:
    """The edit that gives ``value`` the policy's expected one, when the policy has a fix (the engine adds
    ``autofix`` to the spec) and the value is written in a file (not a product default)."""
    from linter.fix import set_attribute, set_text

    fix = spec.get("autofix")
    if not fix or new is None:
        return ()
    if fix.get("attribute"):
        return set_attribute(value, fix["attribute"], new)
    return set_text(value, new, whole=bool(spec.get("exact")))


def _node_values(spec: dict, cluster: Cluster):
    """(node, value) for each node the check applies to and that has the field's element; an absent
    value is the policy's ``default`` when it has one (the product's own default), else skipped."""
    default = spec.get("default")
    for node in cluster.nodes:
        if not applies(spec.get("when", ()), node, cluster):
            continue
        value = resolve(node, spec["field"])
        if isinstance(value, Value) and (value.present or default is not None):
            yield node, value if value.present else Value(default, value.loc)


def check_consistent(spec: dict, cluster: Cluster):
    """kube-linter style "same on every node": each value that differs from the most common one; with ``exact``,
    as written (the product takes the text untrimmed: a blank around the domain is another domain)."""
    items = list(_node_values(spec, cluster))
    copy = (spec.get("autofix") or {}).get("derive") == "majority"
    exact = bool(spec.get("exact"))
    key = (lambda v: v.raw) if exact else (lambda v: v.text)
    for node, value, majority in deviations(items, key):
        written = resolve(node, spec["field"])  # a value only the default stands for is not in the file
        edits = set_text(written, majority, whole=exact) if copy and written.present and majority and settled(items, majority, key) else ()
        shown, others = (_visible(value.raw), _visible(majority)) if exact else (value.text, majority)
        yield Violation(value.loc, render(spec["message"], value=shown, node=node.name, majority=others), node, edits=edits)


def _visible(text: str | None) -> str | None:
    """Text with its blanks and line breaks visible (' wso2.bps.domain\\n'), so two values that differ only there
    do not read the same."""
    return None if text is None else repr(text)[1:-1]


def check_unique(spec: dict, cluster: Cluster):
    """ "Unique per node": every node holding a value that another node (or another replica) holds too."""
    # a blank value is no identity; one from each pod's own name (PerReplica) is every replica's own
    held = [(value.text, node) for node, value in _node_values(spec, cluster) if value.text and not isinstance(value, PerReplica)]
    taken = {text for text, _ in held}
    derive = (spec.get("autofix") or {}).get("derive") == "node-name"
    for text, nodes, names in shared_by_several(held):
        keeper = next((n for n in nodes if n.name.lower() in text.lower()), nodes[0]) if derive else None
        for node in nodes:
            value = resolve(node, spec["field"])
            edits = ()
            if derive and node is not keeper and node.replicas == 1:
                new = _derived(text, keeper.name, node.name, taken)
                if new:
                    taken.add(new)
                    edits = set_text(value, new)
            message = render(spec["message"], value=text, nodes=names)
            if "as_written" in spec and "${" in text and value.loc not in node.substitutable:  # a placeholder no one fills in
                message += render(spec["as_written"], value=text, nodes=names)
            yield Violation(value.loc, message, node, edits=edits)


def _derived(text: str, holder: str, name: str, taken: set) -> str | None:
    """A value for node ``name`` from the one node ``holder`` keeps: the holder's name in it swapped for this
    node's (bps-worker1 -> bps-worker2), else the node's name; None when that is taken too."""
    at = text.lower().find(holder.lower())
    new = text[:at] + name + text[at + len(holder) :] if at >= 0 and holder else name
    return new if new not in taken and new.strip() == new and new else None
