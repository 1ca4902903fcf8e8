"""Helpers shared by cluster-wide checks."""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable

from linter.model.types import Cluster, Node, Value


def deviations(items: Iterable[tuple[Node, Value]], key: Callable[[Value], object] = lambda v: v.text):
    """(node, value, majority value) for every value that differs from the most common one.

    Ties go to the first node, so the report is stable and points at the later nodes.
    """
    items = list(items)
    if len(items) < 2:
        return []
    counts = Counter(key(v) for _, v in items)
    order = {}
    for _, v in items:
        order.setdefault(key(v), len(order))
    majority = max(counts, key=lambda k: (counts[k], -order[k]))
    return [(node, value, majority) for node, value in items if key(value) != majority]


def nodes_with(cluster: Cluster, getter: Callable[[Node], object]):
    for node in cluster.nodes:
        item = getter(node)
        if item is not None:
            yield node, item


def describe_node(node: Node) -> str:
    return f"{node.name} (mounted by {node.replicas} replicas)" if node.replicas > 1 else node.name
