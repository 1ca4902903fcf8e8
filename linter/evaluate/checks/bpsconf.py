"""bps.xml checks: distributed lock and the HTTP connection manager (a unique NodeId is declared in its policy)."""

from __future__ import annotations

from linter.evaluate.checks import check
from linter.evaluate.violation import Violation
from linter.fix import set_attribute
from linter.model.types import Cluster, Node


@check
def http_connection_manager(node: Node, cluster: Cluster):
    # BPELServerImpl.initHttpConnectionManager refuses values below 1 and the BPEL engine does not start.
    if not node.bps:
        return
    for name, value, stock in (("maxConnectionsPerHost", node.bps.http_max_per_host, "20"), ("maxTotalConnections", node.bps.http_max_total, "100")):
        if not value.present:
            continue
        count = value.as_int()
        if count is None or count < 1:
            yield Violation(
                value.loc,
                f'MultithreadedHttpConnectionManagerConfig {name} is {value.shown()}; BPEL refuses values below 1 ("must be positive integers") and does not start; '
                "expected a whole number of 1 or more (stock: 20 per host, 100 in total)",
                edits=set_attribute(value, "value", stock),
            )


@check
def distributed_lock_needs_clustering(node: Node, cluster: Cluster):
    lock = node.bps.use_distributed_lock if node.bps else None
    if lock is None or not lock.is_true() or not node.clustering or node.clustering_enabled or cluster.multi_node:
        return  # in a multi-node cluster, clustering-enabled already asks for clustering on every node
    yield Violation(
        lock.loc,
        f"UseDistributedLock is true but clustering is disabled in axis2.xml ({node.clustering.enabled.shown()}), so there is no Hazelcast instance: "
        'the scheduler starts without the lock ("HazelCast instance not available, but distributed lock enabled"); expected <clustering enable="true">, '
        "or no UseDistributedLock on a node that runs alone",
    )
