"""HumanTask coordination, start-script flags, placeholders and credentials."""

from __future__ import annotations

from linter.evaluate.checks import check
from linter.evaluate.checks.jdbc import redact
from linter.evaluate.violation import Violation
from linter.model.types import Cluster, Node, Secret


@check("humantask_coordination_lb")
def humantask_coordination_lb(node: Node, cluster: Cluster):
    humantask = node.humantask
    if not humantask or not humantask.coordination_enabled.is_true() or not cluster.multi_node:
        return
    if humantask.load_balancer_url.is_blank:
        yield Violation(
            humantask.load_balancer_url.loc,
            "TaskCoordinationEnabled is true in a cluster but ClusteredTaskEngines/LoadBalancerURL is not set; expected the load balancer URL of the task engines",
        )


def _unconditional(node: Node, prefix: str):
    if not node.start_script:
        return None
    return next((f for f in node.start_script.flags if (f.text == prefix or f.text.startswith(prefix + "=")) and not f.conditional), None)


@check("setup_flag_in_cluster")
def setup_flag_in_cluster(node: Node, cluster: Cluster):
    flag = _unconditional(node, "-Dsetup") if cluster.multi_node else None
    if flag:
        yield Violation(
            flag.loc,
            "the start script passes -Dsetup, which runs the database scripts against the shared databases at every start of every node; expected no -Dsetup (create the schemas once)",
        )


@check("maxpermsize_ignored")
def maxpermsize_ignored(node: Node, cluster: Cluster):
    flag = _unconditional(node, "-XX:MaxPermSize")
    if flag:
        yield Violation(flag.loc, f"{flag.text} is ignored by Java 8 and later (no permanent generation); expected -XX:MaxMetaspaceSize, or nothing")


@check("unresolved_placeholder")
def unresolved_placeholder(node: Node, cluster: Cluster):
    for value in node.placeholders:
        yield Violation(
            value.loc,
            f"value '{redact(value.text)}' holds an unresolved ${{...}} placeholder that Carbon will not substitute; expected the rendered value (was a template not rendered?)",
        )


def _secrets(node: Node) -> list[tuple[str, Secret]]:
    """Every password the node uses, with what it is for."""
    found = [(f"password of datasource {d.name.text}", d.password) for d in node.datasources]
    if node.user_mgt:
        found.append(("password of the admin user in user-mgt.xml", node.user_mgt.admin_password))
    if node.carbon and node.carbon.depsync.enabled.is_true() and (node.carbon.depsync.repository_type.text or "registry") in ("svn", "git"):
        found.append(("DeploymentSynchronizer SvnPassword", node.carbon.depsync.svn_password))
    if node.tasks and node.tasks.mode.text == "REMOTE":
        found.append(("remoteServerPassword in tasks-config.xml", node.tasks.remote_password))
    if node.humantask and node.humantask.coordination_enabled.is_true():
        found.append(("HumanTask RegistrationServiceAuthentication password", node.humantask.registration_password))
    return found


@check("plaintext_password")
def plaintext_password(node: Node, cluster: Cluster):
    for what, secret in _secrets(node):
        if secret.state == "plaintext" and not secret.is_default:
            yield Violation(secret.loc, f"{what} is in plaintext; expected a Secure Vault alias (svns:secretAlias) encrypted with the cipher tool")


@check("default_credentials")
def default_credentials(node: Node, cluster: Cluster):
    for what, secret in _secrets(node):
        if secret.state == "plaintext" and secret.is_default:
            yield Violation(secret.loc, f"{what} is a well-known default; expected a strong password kept in Secure Vault")
