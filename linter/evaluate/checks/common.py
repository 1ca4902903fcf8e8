"""Helpers shared by cluster-wide checks."""

from __future__ import annotations

from collections import Counter, defaultdict
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


def deviations_by_group(items: Iterable[tuple[object, Node, Value]], key: Callable[[Value], object] = lambda v: v.text):
    """(group, node, value, majority) for values that differ from their group's majority (see ``deviations``)."""
    groups = defaultdict(list)
    for group, node, value in items:
        groups[group].append((node, value))
    for group, members in groups.items():
        for node, value, majority in deviations(members, key):
            yield group, node, value, majority


def shared_by_several(items: Iterable[tuple[object, Node]]):
    """(key, nodes, names) for each key held by two or more instances; a replicated folder counts once per replica."""
    holders = defaultdict(list)
    for key, node in items:
        holders[key].append(node)
    for key, nodes in holders.items():
        if sum(n.replicas for n in nodes) >= 2:
            yield key, nodes, ", ".join(describe_node(n) for n in nodes)


def describe_node(node: Node) -> str:
    return f"{node.name} (mounted by {node.replicas} replicas)" if node.replicas > 1 else node.name


def settled(items: Iterable[tuple[Node, Value]], majority, key: Callable[[Value], object] = lambda v: v.text) -> bool:
    """Whether ``majority`` (from ``deviations``) is clear enough for a fix to copy it to the other nodes: more
    instances hold it than any other value, or the cluster's one manager holds it."""
    counts = Counter()
    for node, value in items:
        counts[key(value)] += node.replicas
    if all(counts[majority] > n for k, n in counts.items() if k != majority):
        return True
    managers = [(n, v) for n, v in items if n.role == "manager"]
    return sum(n.replicas for n, _ in managers) == 1 and key(managers[0][1]) == majority


def host_address(host: str, cluster: Cluster) -> str:
    """``host`` as the manifest's ``[hosts]`` maps it (a name to its address), else as written."""
    return cluster.hosts.get(host.lower(), host)
