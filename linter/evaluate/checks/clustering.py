"""axis2.xml clustering checks: membership scheme, parameters, domain, local members, WKA list."""

from __future__ import annotations

import functools
from collections import defaultdict

from linter.evaluate.checks import check
from linter.evaluate.checks.common import deviations, host_address, settled, shared_by_several
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
    host = host.strip("[]")
    if ":" not in host:  # IPv4 or a name: ipaddress's rule without importing it (1 ms of a 60 ms one-cluster run)
        octets = host.split(".")
        return len(octets) == 4 and all(o.isascii() and o.isdigit() and len(o) <= 3 and int(o) <= 255 and (o == "0" or o[0] != "0") for o in octets)
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def is_loopback(host: str | None) -> bool:
    host = (host or "").strip("[]").lower()
    if host == "localhost":
        return True
    if not is_ip(host):
        return False
    if ":" not in host:
        return host.split(".", 1)[0] == "127"  # 127.0.0.0/8
    import ipaddress

    return ipaddress.ip_address(host).is_loopback


def _address(host: str, cluster: Cluster) -> str | None:
    """An IP literal for ``host``: itself, or what the manifest's [hosts] maps it to; None when only DNS knows."""
    host = host_address(host, cluster)
    return host if is_ip(host) else None


@check
def local_member_unique(cluster: Cluster):
    if not cluster.multi_node:
        return
    held = [(_member_address(n), n) for n in cluster.nodes if axis2_membership(n) and _member_address(n)]
    taken = None
    for (host, port), nodes, names in shared_by_several(held):
        if is_loopback(host) and all(n.host for n in nodes) and len({n.host.lower() for n in nodes}) == len(nodes):
            continue  # a loopback address is each machine's own: nodes on machines of their own share nothing (BPS308's case)
        taken = _ports_taken(cluster) if taken is None else taken
        one_machine = _one_machine(nodes, host)
        for index, node in enumerate(nodes):
            # the first node keeps the address; a folder mounted by several pods has no address of its own
            edits = _own_member_address(node, host, nodes[0], taken) if index and node.replicas == 1 else ()
            if one_machine:  # nodes meant to share a machine: each needs its own port
                value = node.clustering.local_member_port
                yield Violation(
                    value.loc if value.present else node.clustering.loc,
                    f"localMemberHost:localMemberPort {host}:{port} is used by {names}, which run on one machine; expected a different localMemberPort "
                    "for each node on it (the port offset does not shift it)",
                    node,
                    edits=edits,
                )
            else:
                yield Violation(
                    node.clustering.local_member_host.loc,
                    f"localMemberHost:localMemberPort {host}:{port} is used by {names}; expected each node's own network address as localMemberHost "
                    "(for nodes that really share a machine: a different localMemberPort each)",
                    node,
                    edits=edits,
                )


# The ports a Carbon node opens, before its carbon.xml offset: HTTP and HTTPS (catalina-server.xml), JMX RMI
# registry and server, embedded LDAP, KDC and the Thrift entitlement receiver (carbon.xml <Ports>).
CARBON_PORTS = (9763, 9443, 9999, 11111, 10389, 8000, 10500)


def _offset(node: Node) -> int:
    value = node.carbon.port_offset.as_int() if node.carbon else None
    return value or 0


def _ports_taken(cluster: Cluster) -> dict:
    """host (lower case) -> the ports its nodes use: their localMemberPort and their offset Carbon ports."""
    taken = defaultdict(set)
    for node in cluster.nodes:
        address = _member_address(node) if node.clustering else None
        host = (node.host or (address[0] if address else "")).lower()
        if address and address[1].isdigit():
            taken[host].add(int(address[1]))
        taken[host].update(port + _offset(node) for port in CARBON_PORTS)
    return taken


def _own_member_address(node: Node, host: str, keeper: Node, taken: dict) -> tuple:
    """The edit that gives ``node`` an address of its own: the manifest's host for a node it places on another
    machine than ``host``; for nodes that share a machine (the manifest says so, the address is a loopback, or
    their port offsets differ, as for nodes set up side by side), the next localMemberPort free there."""
    clustering = node.clustering
    if node.host and node.host.lower() != host.lower() and (not keeper.host or keeper.host.lower() != node.host.lower()):
        return set_text(clustering.local_member_host, node.host)
    same_machine = (node.host and keeper.host and node.host.lower() == keeper.host.lower()) or is_loopback(host) or _offset(node) != _offset(keeper)
    port = clustering.local_member_port.as_int()
    if not same_machine or port is None or port <= 0:
        return ()
    used = taken[(node.host or host).lower()]
    new = next((p for p in range(port + 1, 65536) if p not in used), None)
    if new is None:
        return ()
    used.add(new)
    return set_text(clustering.local_member_port, str(new))


def machine(node: Node, member_host_when_clustering_off: bool) -> str | None:
    """The machine a node runs on, lower-cased, if known: the manifest's host, else its localMemberHost.

    carbon.xml HostName is the name clients use (a load balancer's, the same on every node), not the
    machine's, and a loopback localMemberHost (the stock value on every host) says nothing. Where
    clustering is off, localMemberHost is a value Carbon never reads: a caller that would report nodes
    for sharing a machine (BPS306) does not trust it there; one that reports them for being on
    different machines (BPS113) still counts it."""
    host = node.host
    if not host and node.clustering and (member_host_when_clustering_off or node.clustering_enabled):
        member = known(node.clustering.local_member_host)  # a ${...} only the running JVM resolves says nothing
        host = member if member and not is_loopback(member) else None
    return host.lower() if host else None


def _one_machine(nodes: list[Node], host: str) -> bool:
    """Whether nodes sharing a member address are meant to run on one machine: a loopback address, one
    manifest host for all, or a different carbon.xml port offset each (what nodes on one machine need)."""
    if is_loopback(host) or (all(n.host for n in nodes) and len({n.host.lower() for n in nodes}) == 1):
        return True
    offsets = [n.carbon.port_offset.text or "0" for n in nodes if n.carbon]
    return len(nodes) > 1 and len(offsets) == len(nodes) and len(set(offsets)) == len(nodes)


@check
def port_offset_unique(cluster: Cluster):
    by_host = defaultdict(list)
    for node in cluster.nodes:
        if not node.carbon:
            continue
        host = machine(node, member_host_when_clustering_off=False)
        if host:
            by_host[(host, node.carbon.port_offset.text or "0")].append(node)
    taken, offsets = None, defaultdict(set)
    for host, offset in by_host:
        offsets[host].add(offset)
    for (host, offset), nodes in by_host.items():
        if len(nodes) < 2:
            continue
        taken = _ports_taken(cluster) if taken is None else taken
        for node in nodes[1:]:
            yield Violation(
                node.carbon.port_offset.loc,
                f"Ports/Offset {offset} on {node.name} is also used by {nodes[0].name} on host {host}; expected a different offset for each node on the same host",
                node,
                edits=_free_offset(node, offsets[host], taken[host]) if node.replicas == 1 else (),
            )


def _free_offset(node: Node, offsets: set, ports: set) -> tuple:
    """The edit that moves ``node`` to the lowest offset no node on its host uses, whose ports are all free there."""
    own = {port + _offset(node) for port in CARBON_PORTS}
    for offset in range(1, 1000):
        shifted = {port + offset for port in CARBON_PORTS}
        if str(offset) not in offsets and not shifted & (ports - own):
            offsets.add(str(offset))
            ports.update(shifted)
            return set_text(node.carbon.port_offset, str(offset))
    return ()


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
    machines = {n.host.lower() for n in clustered if n.host and not is_loopback(n.host)}  # where the manifest or inventory runs them
    remote = sorted(
        (machines if len(machines) > 1 else set())
        | {
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
                # the node's address is known when bps-lint.toml names the machine it runs on
                edits=set_text(host, node.host) if node.host and not is_loopback(node.host) and node.replicas == 1 else (),
            )


MULTICAST_DEFAULTS = {"mcastAddress": "224.2.2.3", "mcastPort": "54327"}  # Hazelcast's, when axis2.xml sets none


@check
def multicast_settings(cluster: Cluster):
    on_multicast = [n for n in cluster.nodes if axis2_membership(n) and (n.clustering.membership_scheme.text or "multicast") == "multicast"]
    for name, default in MULTICAST_DEFAULTS.items():
        items = [(n, n.clustering.param(name) or Value(default, n.clustering.loc)) for n in on_multicast]
        for node, value, majority in deviations(items):
            written = node.clustering.param(name) is not None  # Hazelcast's default stands for an absent one: nothing to edit
            yield Violation(
                value.loc,
                f"clustering parameter {name} is '{value.text}' on {node.name} but '{majority}' on the other nodes; members only see each other on one multicast group, "
                f"so expected the same {name} on every node",
                node,
                edits=set_text(value, majority) if written and settled(items, majority) else (),
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
