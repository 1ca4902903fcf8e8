"""Deployment synchronizer checks across the cluster (carbon.xml)."""

from __future__ import annotations

from linter.evaluate.checks import check
from linter.evaluate.checks.common import describe_node, deviations, settled
from linter.evaluate.conditions import depsync_enabled
from linter.evaluate.violation import Violation
from linter.fix import set_text
from linter.model.types import Cluster, Node, Value
from linter.redact import redact

REPOSITORY_TYPES = ("registry", "svn", "git")


@check
def depsync_everywhere(cluster: Cluster):
    enabled = [n for n in cluster.nodes if depsync_enabled(n)]
    if not enabled:
        return
    for node in cluster.nodes:
        if node.carbon and not depsync_enabled(node):
            yield Violation(
                node.carbon.depsync.enabled.loc,
                f"DeploymentSynchronizer is {node.carbon.depsync.enabled.shown()} on {node.name} but enabled on {enabled[0].name}; expected it enabled on every node",
                node,
            )


@check
def depsync_autocommit_manager(cluster: Cluster):
    enabled = [n for n in cluster.nodes if depsync_enabled(n)]
    if not enabled:
        return
    committers = [n for n in enabled if n.carbon.depsync.auto_commit.is_true()]
    if not committers and cluster.multi_node:  # one node linted alone (a server's own BPS_HOME): its manager is elsewhere
        target = next((n for n in enabled if n.role == "manager"), enabled[0])
        yield Violation(
            target.carbon.depsync.auto_commit.loc,
            f"no node has DeploymentSynchronizer AutoCommit true, so deployed artifacts never reach the workers; expected AutoCommit true on the manager ({target.name})",
            target,
        )
        return
    managers = [n for n in committers if n.role == "manager"]
    manager_count = sum(n.replicas for n in managers)
    names = ", ".join(describe_node(n) for n in managers)
    for node in committers:
        value = node.carbon.depsync.auto_commit
        if node.role != "manager":
            role = (
                "a worker (its /_system/config mount is read-only)"
                if node.role == "worker"
                else "whose role is unknown (no /_system/config mount marks it the writable manager)"
            )
            message = f"AutoCommit is true on {node.name}, {role}; expected AutoCommit true only on the manager and false on workers"
            # a worker's is turned off; with no manager to keep it, which node commits is a choice: no fix
            yield Violation(value.loc, message, node, edits=set_text(value, "false") if managers and node.role == "worker" else ())
        elif manager_count > 1:
            yield Violation(value.loc, f"AutoCommit is true on {manager_count} nodes ({names}); expected it on one manager only", node)


def _repository_type(node: Node) -> Value:
    value = node.carbon.depsync.repository_type
    return value if value.present else Value("registry", value.loc)  # code default


@check
def depsync_repository(cluster: Cluster):
    enabled = [n for n in cluster.nodes if depsync_enabled(n)]
    for node in enabled:
        kind = _repository_type(node)
        if kind.text not in REPOSITORY_TYPES:
            yield Violation(kind.loc, f"DeploymentSynchronizer RepositoryType is {kind.shown()}; expected one of registry, svn, git", node)
    kinds = [(n, _repository_type(n)) for n in enabled]
    for node, value, majority in deviations(kinds):
        written = node.carbon.depsync.repository_type  # an absent type (the code default) is left to a person
        yield Violation(
            value.loc,
            f"DeploymentSynchronizer RepositoryType is '{value.text}' on {node.name} but '{majority}' on the other nodes; expected the same repository everywhere",
            node,
            edits=set_text(written, majority) if majority in REPOSITORY_TYPES and settled(kinds, majority) else (),
        )
    # Compared without credentials: each node may log in as its own user (workers with a read-only one).
    with_url = [(n, n.carbon.depsync.svn_url) for n in enabled if _repository_type(n).text in ("svn", "git")]
    for node, value, majority in deviations(with_url, key=lambda v: redact(v.text or "")):
        yield Violation(
            value.loc,
            f"DeploymentSynchronizer SvnUrl is '{redact(value.text or '')}' on {node.name} but '{majority}' on the other nodes; expected the same repository URL everywhere",
            node,
            edits=set_text(value, majority) if majority and settled(with_url, majority) else (),
        )


@check
def artifact_sharing(cluster: Cluster):
    if not cluster.multi_node or cluster.artifact_sharing or any(depsync_enabled(n) for n in cluster.nodes):
        return
    node = next((n for n in cluster.nodes if n.role == "manager" and n.carbon), None) or next((n for n in cluster.nodes if n.carbon), None)
    if node is None:
        return
    yield Violation(
        node.carbon.depsync.loc,
        "no node enables the DeploymentSynchronizer and bps-lint.toml does not say how artifacts reach the workers, so a process deployed on the manager "
        "may never reach them; the runbook recommends the synchronizer (AutoCommit on the manager, AutoCheckout on the workers) or a shared or rsync-ed "
        'repository/deployment folder; expected one of them (with the second, set artifact-sharing = "shared-folder" or "rsync" in bps-lint.toml)',
        node,
    )
