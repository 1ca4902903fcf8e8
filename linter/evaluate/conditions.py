"""Named conditions a policy's ``when`` can use."""

from __future__ import annotations

from linter.model.types import Cluster, Node


def _depsync_enabled(node: Node, cluster: Cluster) -> bool:
    return bool(node.carbon and node.carbon.depsync.enabled.is_true())


CONDITIONS = {
    "multi-node": lambda node, cluster: cluster.multi_node,
    "clustering-enabled": lambda node, cluster: node.clustering_enabled,
    "clustered": lambda node, cluster: cluster.multi_node or node.clustering_enabled,
    "depsync-enabled": _depsync_enabled,
}


def applies(names, node: Node, cluster: Cluster) -> bool:
    return all(CONDITIONS[name](node, cluster) for name in names)
