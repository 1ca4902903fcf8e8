"""The start script (wso2server.sh): JVM flags, and the system properties ${...} placeholders need from it."""

from __future__ import annotations

import re

from linter.evaluate.checks import check
from linter.evaluate.checks.jdbc import redact
from linter.evaluate.violation import Violation
from linter.fix import edit_flag
from linter.model.xmlread import PLACEHOLDER
from linter.model.types import Cluster, Node


def _unconditional(node: Node, prefix: str):
    """The ``prefix`` or ``prefix=...`` flag the JVM keeps (the last) of those the script passes whatever its shell tests say."""
    return node.start_script.flag(prefix, unconditional=True) if node.start_script else None


@check
def setup_flag_in_cluster(node: Node, cluster: Cluster):
    flag = _unconditional(node, "-Dsetup") if cluster.multi_node else None
    if flag:
        yield Violation(
            flag.loc,
            "the JVM is started with -Dsetup (any value counts), so every start checks for and creates missing tables in the shared databases; "
            "BPEL and the user store do so without a cluster lock, so two nodes starting together on an empty database can race; "
            "expected -Dsetup only on one node's first start, or the schemas created once with the database scripts",
        )


@check
def worker_node_flag_on_manager(node: Node, cluster: Cluster):
    flag = _unconditional(node, "-DworkerNode")
    if not flag or (flag.value or "").lower() != "true" or node.role != "manager":
        return
    if sum(n.replicas for n in cluster.nodes if n.role == "manager") == 1:  # with several writable nodes, BPS207 says which to fix
        yield Violation(
            flag.loc,
            f"{node.name} holds the writable /_system/config mount (the manager) but is started with -DworkerNode=true, which makes Carbon refuse every admin "
            "service call (HTTP 403), so nothing can be deployed or managed from its console; expected -DworkerNode=false on the manager",
            edits=edit_flag(flag, flag.name + "=" + flag.text.partition("=")[2].replace(flag.value, "false"), written(node)),
        )


@check
def maxpermsize_ignored(node: Node, cluster: Cluster):
    flag = _unconditional(node, "-XX:MaxPermSize")
    if flag:
        yield Violation(
            flag.loc,
            f"{flag.text} is ignored by Java 8 and later (no permanent generation); expected -XX:MaxMetaspaceSize, or nothing",
            edits=edit_flag(flag, "", written(node)),
        )


def written(node: Node) -> bool:
    """Whether the node's start script is a file as written (not the product's stock one, a template or a manifest)."""
    script = node.start_script
    return node.start_script_origin == "repository" and bool(script) and script.loc.path.endswith(".sh")


# Carbon substitutes ${name} from the JVM's system properties when it loads these files (the text of
# elements; in axis2.xml only <parameter> text); everything else is read as written. An unset
# property leaves the placeholder as written, with nothing logged.
# Set by Carbon itself at start-up (carbon.home, hostName, ...), not template leftovers.
RUNTIME_PLACEHOLDERS = re.compile(
    r"^(carbon\.[\w.]+|hostName|httpsPort|httpPort|Ports\.[\w.]+|hotdeployment|hotupdate|childfirstCL|jaxwsparam|require\.carbon\.servlet|p2\.repo\.url)$"
)


def _substituted(node: Node, value) -> bool:
    return value.loc in node.substitutable  # the model knows where each placeholder stood, whatever file held it


def _set_properties(node: Node, cluster: Cluster) -> set[str]:
    flags = node.start_script.flags if node.start_script else ()
    return {f.property for f in flags if f.property} | set(cluster.properties)


@check
def unresolved_placeholder(node: Node, cluster: Cluster):
    known = None
    for value in node.placeholders:
        names = PLACEHOLDER.findall(value.raw)
        if all(RUNTIME_PLACEHOLDERS.match(name) for name in names):
            continue
        shown = redact(value.text)
        if not _substituted(node, value):
            yield Violation(
                value.loc,
                f"value '{shown}' holds a ${{...}} placeholder in a place Carbon reads as written, so the product sees the text itself; "
                "expected the rendered value (was a template not rendered?)",
            )
            continue
        known = _set_properties(node, cluster) if known is None else known
        unset = [name for name in names if name not in known and not RUNTIME_PLACEHOLDERS.match(name)]
        if unset:
            yield Violation(
                value.loc,
                f"value '{shown}' needs the system property {unset[0]}, which neither the start script (a -D{unset[0]} flag) nor bps-lint.toml [properties] sets, "
                "so Carbon leaves the text as written; expected the property set for the JVM (and declared in [properties]), or the rendered value",
            )
