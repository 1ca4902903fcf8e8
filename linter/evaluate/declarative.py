"""Plain value checks written in the policy itself: a model field, a condition, an expectation."""

from __future__ import annotations

from linter.evaluate.conditions import applies
from linter.evaluate.violation import Violation
from linter.model.types import Cluster, Node, Value


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
            yield Violation(value.loc, spec["message"].format(found="not set"))
        return
    if not _matches(value, spec):
        yield Violation(value.loc, spec["message"].format(found=value.shown()))
