"""Named conditions a policy's ``when`` can use."""

from __future__ import annotations

from linter.model.types import Cluster, Node


def depsync_enabled(node: Node, cluster: Cluster | None = None) -> bool:
    return bool(node.carbon and node.carbon.depsync.enabled.is_true())


def axis2_membership(node: Node, cluster: Cluster | None = None) -> bool:
    """Whether axis2.xml's membership settings are in force (clustering on, and no hazelcast.xml replacing them)."""
    return node.clustering_enabled and node.hazelcast_config is None


def builtin_membership(node: Node, cluster: Cluster | None = None) -> bool:
    """axis2.xml's membership settings in force with a scheme Carbon knows (multicast when absent): a custom
    scheme class decides its own joiner, and an unknown name stops clustering (BPS302)."""
    scheme = node.clustering.membership_scheme.text if axis2_membership(node) else None
    return axis2_membership(node) and (scheme or "multicast") in ("multicast", "wka", "aws")


CONDITIONS = {
    "multi-node": lambda node, cluster: cluster.multi_node,
    "clustering-enabled": lambda node, cluster: node.clustering_enabled,
    "clustered": lambda node, cluster: cluster.multi_node or node.clustering_enabled,
    "depsync-enabled": depsync_enabled,
    "axis2-membership": axis2_membership,
    "builtin-membership": builtin_membership,
}


def applies(names, node: Node, cluster: Cluster) -> bool:
    return all(CONDITIONS[name](node, cluster) for name in names)
