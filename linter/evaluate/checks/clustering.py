"""axis2.xml clustering checks: membership scheme, parameters, domain, local members, WKA list."""

from __future__ import annotations

import functools
import ipaddress
from collections import defaultdict

from linter.evaluate.checks import check
from linter.evaluate.checks.common import deviations, host_address, shared_by_several
from linter.evaluate.conditions import axis2_membership
from linter.evaluate.violation import Violation
from linter.fix import set_attribute, set_text
from linter.model.types import Cluster, Node, Value
from linter.model.xmlread import PLACEHOLDER
from linter.redact import listing

BUILTIN_SCHEMES = ("multicast", "wka", "aws")
DEFAULT_MEMBER_PORT = "4000"
# Parameters HazelcastClusteringAgent (and HazelcastUtil, ClusteringConstants) and the membership schemes
# read: multicast, wka, aws (AWSConstants, iamRole in newer kernels) and the Kubernetes scheme of
# wso2/kubernetes-common (Constants, both its current names and the older KUBERNETES_MASTER ones).
# localMemberBind*, mcastBindAddress and maxHeartbeatFailures are in the stock axis2.xml; not reporting them.
KNOWN_PARAMETERS = frozenset(
    """AvoidInitiation isActive membershipScheme membershipSchemeClassName licenseKey mgtCenterURL domain groupPassword
    mcastAddress mcastPort mcastTTL mcastTimeout mcastBindAddress localMemberHost localMemberBindAddress localMemberPort
    localMemberBindPort properties hazelcastSerializers maxHeartbeatFailures
    accessKey secretKey iamRole securityGroup connTimeout hostHeader region tagKey tagValue
    KUBERNETES_NAMESPACE KUBERNETES_SERVICES KUBERNETES_API_SERVER KUBERNETES_API_SERVER_TOKEN
    KUBERNETES_API_SERVER_USERNAME KUBERNETES_API_SERVER_PASSWORD KUBERNETES_MASTER_SKIP_SSL_VERIFICATION
    USE_DNS DNS_LOOKUP_TIMEOUT KUBERNETES_MASTER KUBERNETES_MASTER_USERNAME KUBERNETES_MASTER_PASSWORD
    KUBERNETES_POD_LABEL_KEY KUBERNETES_POD_LABEL_VALUE""".split()
)


@check
def membership_scheme(node: Node, cluster: Cluster):
    clustering = node.clustering
    if not clustering or not axis2_membership(node):
        return
    scheme = clustering.membership_scheme
    name = scheme.text if scheme.present else "multicast"
    if name in BUILTIN_SCHEMES or not clustering.scheme_class_name.is_blank:
        return
    known = (scheme.text or "").lower()  # a known scheme in the wrong case: the fix writes it as Carbon reads it
    yield Violation(
        scheme.loc,
        f"membershipScheme is {scheme.shown()}, which Carbon rejects at start-up; expected multicast, wka or aws, or a membershipSchemeClassName parameter for a custom scheme",
        edits=set_text(scheme, known) if known in BUILTIN_SCHEMES else (),
    )


@check
def clustering_parameter_typo(node: Node, cluster: Cluster):
    if not node.clustering:
        return
    custom_scheme = not node.clustering.scheme_class_name.is_blank
    for parameter in node.clustering.parameters:
        if parameter.name in KNOWN_PARAMETERS:
            continue
        import difflib  # only for a misspelt parameter

        close = difflib.get_close_matches(parameter.name, KNOWN_PARAMETERS, n=1, cutoff=0.75)
        if close:
            # renamed only when no parameter has that name already (Carbon reads the first of a name)
            taken = node.clustering.param(close[0]) is not None
            yield Violation(
                parameter.value.loc,
                f"clustering parameter '{parameter.name}' is not one Carbon reads, so its value is ignored; did you mean '{close[0]}'?",
                edits=() if taken else set_attribute(Value(parameter.name, parameter.value.loc), "name", close[0]),
            )
        elif not custom_scheme:
            yield Violation(
                parameter.value.loc,
                f"clustering parameter '{parameter.name}' is not one Carbon reads, so its value is ignored; expected a known parameter name",
            )


def known(value: Value) -> str | None:
    """The value's text when the files say it: None when blank, or when it holds a ${...} no known
    system property resolves (set by a shell expansion, the environment or nowhere: BPS704 asks)."""
    text = value.text
    return text if text and not PLACEHOLDER.search(text) else None


def _member_address(node: Node) -> tuple[str, str] | None:
    clustering = node.clustering
    if not clustering or clustering.local_member_host.is_blank:
        return None  # Hazelcast picks the node's own address: nothing to compare
    host, port = known(clustering.local_member_host), known(clustering.local_member_port) if clustering.local_member_port.present else DEFAULT_MEMBER_PORT
    return (host, port) if host and port else None  # a value only the running JVM knows is not compared


@functools.lru_cache(maxsize=1024)  # a fleet repeats a few host names on every node
def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def is_loopback(host: str | None) -> bool:
    host = (host or "").strip("[]").lower()
    return host == "localhost" or (is_ip(host) and ipaddress.ip_address(host).is_loopback)


def _address(host: str, cluster: Cluster) -> str | None:
    """An IP literal for ``host``: itself, or what the manifest's [hosts] maps it to; None when only DNS knows."""
    host = host_address(host, cluster)
    return host if is_ip(host) else None


@check
def local_member_unique(cluster: Cluster):
    if not cluster.multi_node:
        return
    held = ((_member_address(n), n) for n in cluster.nodes if axis2_membership(n) and _member_address(n))
    for (host, port), nodes, names in shared_by_several(held):
        if _one_machine(nodes, host):  # nodes meant to share a machine: each needs its own port
            for node in nodes:
                value = node.clustering.local_member_port
                yield Violation(
                    value.loc if value.present else node.clustering.loc,
                    f"localMemberHost:localMemberPort {host}:{port} is used by {names}, which run on one machine; expected a different localMemberPort "
                    "for each node on it (the port offset does not shift it)",
                    node,
                )
            continue
        for node in nodes:
            yield Violation(
                node.clustering.local_member_host.loc,
                f"localMemberHost:localMemberPort {host}:{port} is used by {names}; expected each node's own network address as localMemberHost "
                "(for nodes that really share a machine: a different localMemberPort each)",
                node,
            )


def _one_machine(nodes: list[Node], host: str) -> bool:
    """Whether nodes sharing a member address are meant to run on one machine: a loopback address, one
    manifest host for all, or a different carbon.xml port offset each (what nodes on one machine need)."""
    if is_loopback(host) or (all(n.host for n in nodes) and len({n.host.lower() for n in nodes}) == 1):
        return True
    offsets = [n.carbon.port_offset.text or "0" for n in nodes if n.carbon]
    return len(nodes) > 1 and len(offsets) == len(nodes) and len(set(offsets)) == len(nodes)


@check
def port_offset_unique(cluster: Cluster):
    # The machine a node runs on is the manifest's host, else its localMemberHost. carbon.xml HostName
    # is the name clients use (a load balancer's, the same on every node), not the machine's.
    by_host = defaultdict(list)
    for node in cluster.nodes:
        if not node.carbon:
            continue
        address = _member_address(node) if node.clustering_enabled else None
        # a loopback localMemberHost says nothing about the machine (the stock value on every host)
        host = node.host or (address[0] if address and not is_loopback(address[0]) else None)
        if host:
            by_host[(host.lower(), node.carbon.port_offset.text or "0")].append(node)
    for (host, offset), nodes in by_host.items():
        if len(nodes) < 2:
            continue
        for node in nodes[1:]:
            yield Violation(
                node.carbon.port_offset.loc,
                f"Ports/Offset {offset} on {node.name} is also used by {nodes[0].name} on host {host}; expected a different offset for each node on the same host",
                node,
            )


@check
def wka_members(cluster: Cluster):
    # Hazelcast resolves member host names itself, so a name and an address are compared only when
    # both are IP literals (or the manifest's [hosts] maps the name to its address).
    if not cluster.multi_node:
        return
    addresses = {}
    for node in cluster.nodes:
        own = _member_address(node)
        addresses[node.name] = (_address(own[0], cluster), own[1]) if own and _address(own[0], cluster) else None
    known = {a for a in addresses.values() if a}
    all_known = all(addresses.values())
    for node in cluster.nodes:
        clustering = node.clustering
        if not axis2_membership(node) or (clustering.membership_scheme.text or "multicast") != "wka":
            continue
        if not clustering.members:
            yield Violation(
                clustering.members_loc,
                "the WKA member list is empty; expected the well-known members (e.g. the manager and a worker) as <member> entries",
                node,
            )
            continue
        listed = [(m, _address(m.host.text or "", cluster), m.port.text or "") for m in clustering.members]
        for member, address, port in listed:
            if address and all_known and (address, port) not in known:
                members = listing(f"{h}:{p}" for h, p in sorted(known))
                yield Violation(
                    member.loc,
                    f"WKA member {member.host.text}:{port} is not the localMemberHost:localMemberPort of any node in the cluster ({members}); expected one of them",
                    node,
                )
        own = addresses[node.name]
        if own and node.replicas == 1 and all(address is not None and (address, port) == own for _, address, port in listed):
            yield Violation(
                clustering.members_loc,
                f"the WKA member list of {node.name} names only itself, so when it starts while the others run (a restart) it forms a cluster of its own "
                "and stays there: Hazelcast's split-brain merge is started by the smaller cluster, from the members it lists; "
                "expected at least one other node so it can join the cluster",
                node,
            )


@check
def local_member_loopback(cluster: Cluster):
    if not cluster.multi_node:
        return
    clustered = [n for n in cluster.nodes if axis2_membership(n)]
    remote = sorted(
        {
            n.clustering.local_member_host.text
            for n in clustered
            if known(n.clustering.local_member_host) and not is_loopback(n.clustering.local_member_host.text)
        }
        | {m.host.text for n in clustered for m in n.clustering.members if known(m.host) and not is_loopback(m.host.text)}
    )
    if not remote:
        return  # every member on this machine: a loopback address is right
    for node in clustered:
        host = node.clustering.local_member_host
        if is_loopback(host.text):
            yield Violation(
                host.loc,
                f"localMemberHost is '{host.text}', a loopback address, but the cluster has members on other hosts ({', '.join(remote[:5])}); "
                "the node advertises an address they cannot reach and forms a cluster of its own; expected this node's own network address",
                node,
            )


MULTICAST_DEFAULTS = {"mcastAddress": "224.2.2.3", "mcastPort": "54327"}  # Hazelcast's, when axis2.xml sets none


@check
def multicast_settings(cluster: Cluster):
    on_multicast = [n for n in cluster.nodes if axis2_membership(n) and (n.clustering.membership_scheme.text or "multicast") == "multicast"]
    for name, default in MULTICAST_DEFAULTS.items():
        items = [(n, n.clustering.param(name) or Value(default, n.clustering.loc)) for n in on_multicast]
        for node, value, majority in deviations(items):
            yield Violation(
                value.loc,
                f"clustering parameter {name} is '{value.text}' on {node.name} but '{majority}' on the other nodes; members only see each other on one multicast group, "
                f"so expected the same {name} on every node",
                node,
            )


@check
def membership_wka(node: Node, cluster: Cluster):
    if not cluster.multi_node or not axis2_membership(node) or not node.clustering.scheme_class_name.is_blank:
        return
    scheme = node.clustering.membership_scheme
    if (scheme.text or "multicast") == "multicast":
        yield Violation(
            scheme.loc,
            f"membershipScheme is {scheme.shown() if scheme.present else 'not set (multicast)'}; the clustering guide builds BPS clusters on well-known members, "
            "and multicast is often blocked between hosts and in clouds; expected wka with the manager and a worker as <members>",
        )


@check
def hazelcast_config(node: Node, cluster: Cluster):
    if node.hazelcast_config and node.clustering_enabled:
        yield Violation(
            node.clustering.loc,
            f"a Hazelcast configuration ({node.hazelcast_config}) replaces the network settings of axis2.xml (membership scheme, members, local member, multicast); "
            "bps-lint does not check that file, so those axis2.xml parameters are not judged; expected the cluster settings to be reviewed in it",
        )
