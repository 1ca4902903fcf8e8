"""HumanTask coordination, start-script flags, placeholders and credentials."""

from __future__ import annotations

import re

from linter.evaluate.checks import check
from linter.evaluate.checks.clustering import is_loopback
from linter.evaluate.checks.jdbc import redact
from linter.evaluate.violation import Violation
from linter.model.types import Cluster, Node, Secret


@check("load_balancer_host")
def load_balancer_host(node: Node, cluster: Cluster):
    # Behind the load balancer, URLs the server hands out (HumanTask callbacks, WSDL endpoints) must name it.
    if not cluster.multi_node or not node.carbon:
        return
    host = node.carbon.host_name
    proxied = node.tomcat is not None and any(p.present for p in node.tomcat.proxy_ports)
    if proxied or not (host.is_blank or is_loopback(host.text)):
        return
    yield Violation(
        host.loc,
        f"carbon.xml HostName is {host.shown()} and no tomcat connector sets a proxyPort, so the endpoints and HumanTask callback URLs this node hands out "
        "name itself rather than the load balancer; expected HostName (and MgtHostName) set to the load balancer's host name and proxyPort 80/443 "
        "on the connectors in tomcat/catalina-server.xml",
    )


@check("humantask_coordination_lb")
def humantask_coordination_lb(node: Node, cluster: Cluster):
    # HumanTask reads humantask.xml, the BPEL4People extension b4p-coordination-config.xml: each needs the
    # load balancer's URL in a cluster (without it every node builds callback URLs from its own host name).
    if not cluster.multi_node:
        return
    files = [("humantask.xml", node.humantask), ("b4p-coordination-config.xml", node.coordination)]
    for name, config in files:
        if config and config.coordination_enabled.is_true():
            url = config.load_balancer_url
            if url.is_blank:
                yield Violation(
                    url.loc,
                    f"TaskCoordinationEnabled is true in {name} in a cluster but ClusteredTaskEngines/LoadBalancerURL is not set there, so callbacks name "
                    "the node itself; expected the load balancer URL of the task engines",
                )
    if node.humantask and node.coordination:
        ht, b4p = node.humantask.coordination_enabled.is_true(), node.coordination.coordination_enabled.is_true()
        if ht != b4p:
            yield Violation(
                node.coordination.coordination_enabled.loc,
                f"TaskCoordinationEnabled is {str(b4p).lower()} in b4p-coordination-config.xml but {str(ht).lower()} in humantask.xml; "
                "BPEL reads the first and HumanTask the second, so expected the same value in both",
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
            "the start script passes -Dsetup (any value counts), so every start checks for and creates missing tables in the shared databases; "
            "BPEL and the user store do so without a cluster lock, so two nodes starting together on an empty database can race; "
            "expected -Dsetup only on one node's first start, or the schemas created once with the database scripts",
        )


@check("worker_node_flag_on_manager")
def worker_node_flag_on_manager(node: Node, cluster: Cluster):
    flag = _unconditional(node, "-DworkerNode")
    if not flag or flag.text.partition("=")[2].strip("\"'").lower() != "true" or node.role != "manager":
        return
    if sum(n.replicas for n in cluster.nodes if n.role == "manager") == 1:  # with several writable nodes, BPS207 says which to fix
        yield Violation(
            flag.loc,
            f"{node.name} holds the writable /_system/config mount (the manager) but is started with -DworkerNode=true, which makes Carbon refuse every admin "
            "service call (HTTP 403), so nothing can be deployed or managed from its console; expected -DworkerNode=false on the manager",
        )


@check("maxpermsize_ignored")
def maxpermsize_ignored(node: Node, cluster: Cluster):
    flag = _unconditional(node, "-XX:MaxPermSize")
    if flag:
        yield Violation(flag.loc, f"{flag.text} is ignored by Java 8 and later (no permanent generation); expected -XX:MaxMetaspaceSize, or nothing")


# Carbon substitutes ${name} from the JVM's system properties when it loads these files (the text of
# elements; in axis2.xml only <parameter> text); everything else is read as written. An unset
# property leaves the placeholder as written, with nothing logged.
SUBSTITUTED_FILES = ("carbon.xml", "registry.xml", "user-mgt.xml")
_NAMES = re.compile(r"\$\{([^}]*)\}")
# Set by Carbon itself at start-up (carbon.home, hostName, ...), not template leftovers.
RUNTIME_PLACEHOLDERS = re.compile(
    r"^(carbon\.[\w.]+|hostName|httpsPort|httpPort|Ports\.[\w.]+|hotdeployment|hotupdate|childfirstCL|jaxwsparam|require\.carbon\.servlet|p2\.repo\.url)$"
)


def _substituted(node: Node, value) -> bool:
    path = value.loc.path.replace("\\", "/")
    if path.endswith("axis2/axis2.xml"):
        return bool(node.clustering) and any(value is p.value for p in node.clustering.parameters)
    return path.endswith(SUBSTITUTED_FILES) or "/datasources/" in path


def _set_properties(node: Node, cluster: Cluster) -> set[str]:
    flags = node.start_script.flags if node.start_script else ()
    return {f.text[2:].partition("=")[0] for f in flags if f.text.startswith("-D")} | set(cluster.properties)


@check("unresolved_placeholder")
def unresolved_placeholder(node: Node, cluster: Cluster):
    known = None
    for value in node.placeholders:
        names = _NAMES.findall(value.raw)
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
                f"value '{shown}' needs the system property {unset[0]}, which neither the start script (-D{unset[0]}=...) nor bps-lint.toml [properties] sets, "
                "so Carbon leaves the text as written; expected the property set for the JVM (and declared in [properties]), or the rendered value",
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
