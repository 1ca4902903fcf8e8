"""tasks-config.xml checks, on the mode ntask actually starts in (TaskServiceImpl, carbon-commons)."""

from __future__ import annotations

from linter.evaluate.checks import check
from linter.evaluate.violation import Violation
from linter.fix import set_text
from linter.model.types import Cluster, Node

MODES = ("STANDALONE", "CLUSTERED", "REMOTE", "AUTO")


def configured_mode(node: Node) -> str:
    """The mode JAXB hands ntask: the exact enum name, else AUTO (absent or unparseable values silently become AUTO)."""
    raw = node.tasks.mode.raw if node.tasks else None
    return raw if raw in MODES else "AUTO"


def effective_mode(node: Node) -> str:
    """CLUSTERED for CLUSTERED, or AUTO with clustering enabled in axis2.xml; otherwise what was configured."""
    mode = configured_mode(node)
    if mode == "AUTO":
        return "CLUSTERED" if node.clustering_enabled else "STANDALONE"
    return mode


@check
def task_server_mode(node: Node, cluster: Cluster):
    mode = node.tasks.mode if node.tasks else None
    if mode is None or not mode.present or mode.raw in MODES or mode.raw.strip() == "AUTO":
        return
    now = "CLUSTERED, since clustering is enabled" if node.clustering_enabled else "STANDALONE, since clustering is disabled"
    yield Violation(
        mode.loc,
        f"taskServerMode is {mode.shown()}, which JAXB cannot read, so ntask silently runs in AUTO mode ({now}); "
        "expected exactly STANDALONE, CLUSTERED, REMOTE or AUTO (upper case, no spaces)",
        # a mode written in another case or with blanks is written as ntask reads it; anything else is a choice
        edits=set_text(mode, mode.raw.strip().upper(), whole=True) if mode.raw.strip().upper() in MODES else (),
    )


def _waiting_count(node: Node) -> tuple[int, str] | None:
    """(taskServerCount, why ntask runs clustered) when a starting node waits for that many task servers."""
    tasks = node.tasks
    if not tasks or effective_mode(node) != "CLUSTERED":
        return None
    count = tasks.count.as_int()
    if count is None or count <= 1:
        return None  # -1 (an empty element), 0 (an absent one) and 1 never wait for another node
    return count, "taskServerMode is CLUSTERED" if configured_mode(node) == "CLUSTERED" else "taskServerMode is AUTO and clustering is enabled"


def _schedules_on_ntask(node: Node) -> bool:
    # In BPS only HumanTask's clean-up registers an ntask task type (TaskCleanupSchedulerUtil); BPEL, HumanTask
    # deadlines and BPMN timers have schedulers of their own. With no task type there is nothing to wait for.
    return bool(node.humantask and node.humantask.cleanup_enabled)


@check
def task_server_count(node: Node, cluster: Cluster):
    waiting = _waiting_count(node)
    if not waiting or not _schedules_on_ntask(node):
        return
    count, why = waiting
    yield Violation(
        node.tasks.count.loc,
        f"taskServerCount is {count} and {why}, so a node that starts while fewer than {count} task servers have ever started "
        "(the first start, or a whole-cluster restart) waits at start-up and schedules no HumanTask clean-up (TaskCleanupConfig) "
        "until more nodes come up; expected taskServerCount 1",
        edits=set_text(node.tasks.count, "1"),
    )


@check
def task_server_count_latent(node: Node, cluster: Cluster):
    waiting = _waiting_count(node)
    if not waiting or _schedules_on_ntask(node):
        return
    count, why = waiting
    yield Violation(
        node.tasks.count.loc,
        f"taskServerCount is {count} and {why}; nothing waits yet, since no ntask task is scheduled (HumanTask's TaskCleanupConfig is off), "
        f"but the first node to start will wait for {count} task servers once one is; the guide asks for taskServerCount 1",
        edits=set_text(node.tasks.count, "1"),
    )


@check
def task_clustered_needs_clustering(node: Node, cluster: Cluster):
    if not node.tasks or configured_mode(node) != "CLUSTERED" or node.clustering_enabled or not node.clustering:
        return
    yield Violation(
        node.tasks.mode.loc,
        f"taskServerMode is CLUSTERED but clustering is disabled in axis2.xml ({node.clustering.enabled.shown()}), so the task service fails at start-up "
        '("Clustering is not initialized to use Clustered Task Managers") and no task is scheduled; expected taskServerMode AUTO or STANDALONE, '
        'or <clustering enable="true">',
        edits=set_text(node.tasks.mode, "AUTO"),
    )
