"""tasks-config.xml checks."""

from __future__ import annotations

from linter.evaluate.checks import check
from linter.evaluate.violation import Violation
from linter.model.types import Cluster, Node


@check("task_server_count")
def task_server_count(node: Node, cluster: Cluster):
    tasks = node.tasks
    if not tasks or not (cluster.multi_node or node.clustering_enabled):
        return
    mode = tasks.mode.text if tasks.mode.present else "AUTO"
    if mode not in ("AUTO", "CLUSTERED") or not tasks.count.present:
        return  # STANDALONE/REMOTE do not wait; an absent count means -1, no wait
    if tasks.count.text != "1":
        yield Violation(
            tasks.count.loc,
            f"taskServerCount is {tasks.count.shown()} with taskServerMode {mode}, so every node waits for that many task servers before scheduling any task (a lone node or a rolling restart never schedules); expected taskServerMode STANDALONE, or taskServerCount 1",
        )
