"""tasks-config.xml checks, on the mode ntask actually starts in (TaskServiceImpl, carbon-commons)."""

from __future__ import annotations

from linter.evaluate.checks import check
from linter.evaluate.violation import Violation
from linter.evaluate.checks.startscript import written
from linter.fix import edit_flag, set_text
from linter.model.types import UNREAD, Cluster, Node
from linter.records import Record

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


class Wait(Record):
    """How a starting node's ntask waits: for ``count`` task servers, ``why``, with ``servers`` the instances that
    can ever start; ``flag`` the JVM's -Dtask.server.count when the count is taken from it."""

    count: int
    why: str
    servers: int = 0
    flag: object = None


def _waiting_count(node: Node) -> Wait | None:
    """How long a starting node waits (``servers`` not yet known), when it waits for other task servers at all."""
    tasks = node.tasks
    if not tasks or effective_mode(node) != "CLUSTERED":
        return None
    why = "taskServerMode is CLUSTERED" if configured_mode(node) == "CLUSTERED" else "taskServerMode is AUTO and clustering is enabled"
    count = tasks.count.as_int()
    flag = _count_property(node)
    if flag is not None:
        count = int(flag.value)
        # the flag may come from the start script, a container's JAVA_OPTS or the manifest's [properties]
        given_by = "the start script's" if "wso2server.sh" in flag.loc.path.rsplit("/", 1)[-1] else "the JVM flag"
        why += f" (tasks-config.xml leaves the count to {given_by} {flag.text})"
    if count is None or count <= 1:
        return None  # -1 (an empty element, with no -Dtask.server.count), 0 (an absent one) and 1 never wait for another node
    return Wait(count, why, flag=flag)


def _count_property(node: Node):
    """The start script's -Dtask.server.count, when ntask reads it: the element empty or -1 (an absent element is 0
    and the property is ignored; TaskServiceConfigurationImpl), and its value a number the script states."""
    count = node.tasks.count
    if not count.present or (count.raw.strip() and count.as_int() != -1) or not node.start_script:
        return None
    flag = node.start_script.flag("-Dtask.server.count", unconditional=True)
    return flag if flag is not None and flag.value and flag.value.strip().lstrip("-").isdigit() else None


def _schedules_on_ntask(node: Node) -> bool:
    # In BPS only HumanTask's clean-up registers an ntask task type (TaskCleanupSchedulerUtil); BPEL, HumanTask
    # deadlines and BPMN timers have schedulers of their own. With no task type there is nothing to wait for.
    return bool(node.humantask and node.humantask.cleanup_enabled)


def _task_servers(cluster: Cluster) -> int:
    """The instances that ever raise the start-up counter: ntask clustered with a task type to register."""
    return sum(n.replicas for n in cluster.nodes if effective_mode(n) == "CLUSTERED" and _schedules_on_ntask(n))


_UNUSED = (*UNREAD, "unknown")  # a file whose values are not known, or one a volume not read holds


def _waiting(node: Node, cluster: Cluster, scheduled: bool = True, for_ever: bool | None = None) -> Wait | None:
    """The Wait of a node whose ntask waits at start-up and has a task type to schedule (``scheduled``) or none
    yet, and (``for_ever``) whose count the task servers can never reach, or can; None otherwise, and None while a
    node's humantask.xml cannot be used: whether it schedules, and how many task servers there are, is not known."""
    wait = _waiting_count(node)
    if not wait or any(f.name == "humantask.xml" and f.status in _UNUSED for n in cluster.nodes for f in n.files):
        return None
    if _schedules_on_ntask(node) != scheduled:
        return None
    wait = wait._replace(servers=_task_servers(cluster))
    return None if for_ever is not None and (wait.count > wait.servers) != for_ever else wait


def _count_to_one(node: Node, wait: Wait, message: str) -> Violation:
    """The finding at taskServerCount (or the start script's -Dtask.server.count it defers to), whose fix is 1:
    ntask then never waits for other task servers."""
    if wait.flag is not None:
        return Violation(wait.flag.loc, message, edits=edit_flag(wait.flag, f"{wait.flag.name}=1", written(node)))
    return Violation(node.tasks.count.loc, message, edits=set_text(node.tasks.count, "1"))


def _nodes(cluster: Cluster, servers: int) -> str:
    count = cluster.instance_count
    described = f"{count} node{'s' if count != 1 else ''}"
    return described if servers == count else f"{described}, {servers} of them with HumanTask clean-up on and ntask clustered"


@check
def task_server_count(node: Node, cluster: Cluster):
    # The wait has no time-out and the counter only goes up: a count above the task servers that can ever
    # start never lets a node through; one within it only holds the first nodes back (BPS505).
    wait = _waiting(node, cluster, for_ever=True)
    if not wait:
        return
    count, why, servers = wait.count, wait.why, wait.servers
    expected = f"taskServerCount 1 (or at most {servers})" if servers > 1 else "taskServerCount 1"
    yield _count_to_one(
        node,
        wait,
        f"taskServerCount is {count} and {why}, but the cluster has {_nodes(cluster, servers)}, so the start-up counter never reaches {count}: "
        f"each node waits at start-up with no time-out and never schedules HumanTask's clean-up (TaskCleanupConfig); expected {expected}",
    )


@check
def task_server_count_wait(node: Node, cluster: Cluster):
    wait = _waiting(node, cluster, for_ever=False)  # a count never reached is BPS502's
    if not wait:
        return
    count, why, servers = wait.count, wait.why, wait.servers
    yield _count_to_one(
        node,
        wait,
        f"taskServerCount is {count} and {why}, so on the first start of the cluster, or after all nodes were stopped, the first node waits at start-up "
        f"(no time-out) and schedules no HumanTask clean-up until {count} task servers have started (the cluster has {_nodes(cluster, servers)}); "
        "nodes started one after another, each once the previous one is up, never get there; expected taskServerCount 1, or the nodes started together",
    )


@check
def task_server_count_latent(node: Node, cluster: Cluster):
    wait = _waiting(node, cluster, scheduled=False)
    if not wait:
        return
    count, why = wait.count, wait.why
    yield _count_to_one(
        node,
        wait,
        f"taskServerCount is {count} and {why}; nothing waits yet, since no ntask task is scheduled (HumanTask's TaskCleanupConfig is off), "
        f"but once one is, the first node of a fresh or fully restarted cluster waits at start-up for {count} task servers; expected taskServerCount 1",
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
