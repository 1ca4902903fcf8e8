"""axis2.xml clustering checks: membership scheme, parameters, domain, local members, WKA list."""

from __future__ import annotations

from collections import defaultdict

from linter.evaluate.checks import check
from linter.evaluate.checks.common import deviations, shared_by_several
from linter.evaluate.violation import Violation
from linter.model.types import Cluster, Node, Value
from linter.redact import listing

BUILTIN_SCHEMES = ("multicast", "wka", "aws")
DEFAULT_DOMAIN = "apache.axis2.domain"  # ClusteringConstants.DEFAULT_DOMAIN when <domain> is absent
DEFAULT_MEMBER_PORT = "4000"
# Parameters HazelcastClusteringAgent and the bundled membership schemes read.
KNOWN_PARAMETERS = frozenset(
    """AvoidInitiation membershipScheme membershipSchemeClassName licenseKey mgtCenterURL domain mcastAddress
    mcastPort mcastTTL mcastTimeout mcastBindAddress localMemberHost localMemberBindAddress localMemberPort
    localMemberBindPort properties hazelcastSerializers accessKey secretKey securityGroup connTimeout hostHeader
    region tagKey tagValue KUBERNETES_NAMESPACE KUBERNETES_SERVICES KUBERNETES_MASTER KUBERNETES_API_SERVER
    KUBERNETES_MASTER_SKIP_SSL_VERIFICATION KUBERNETES_API_SERVER_TOKEN KUBERNETES_POD_LABEL_KEY
    KUBERNETES_POD_LABEL_VALUE maxHeartbeatFailures""".split()
)


@check("membership_scheme_valid")
def membership_scheme_valid(node: Node, cluster: Cluster):
    clustering = node.clustering
    if not clustering or not node.clustering_enabled:
        return
    scheme = clustering.membership_scheme
    name = scheme.text if scheme.present else "multicast"
    if name in BUILTIN_SCHEMES or not clustering.scheme_class_name.is_blank:
        return
    yield Violation(
        scheme.loc,
        f"membershipScheme is {scheme.shown()}, which Carbon rejects at start-up; expected multicast, wka or aws, or a membershipSchemeClassName parameter for a custom scheme",
    )


@check("clustering_unknown_parameter")
def clustering_unknown_parameter(node: Node, cluster: Cluster):
    if not node.clustering:
        return
    custom_scheme = not node.clustering.scheme_class_name.is_blank
    for parameter in node.clustering.parameters:
        if parameter.name in KNOWN_PARAMETERS:
            continue
        import difflib  # only for a misspelt parameter

        close = difflib.get_close_matches(parameter.name, KNOWN_PARAMETERS, n=1, cutoff=0.75)
        if close:
            yield Violation(
                parameter.value.loc, f"clustering parameter '{parameter.name}' is not one Carbon reads, so its value is ignored; did you mean '{close[0]}'?"
            )
        elif not custom_scheme:
            yield Violation(
                parameter.value.loc,
                f"clustering parameter '{parameter.name}' is not one Carbon reads, so its value is ignored; expected a known parameter name",
            )


def _domain(node: Node) -> Value | None:
    if not node.clustering:
        return None
    domain = node.clustering.domain
    return domain if domain.present else Value(DEFAULT_DOMAIN, domain.loc)


@check("same_domain")
def same_domain(cluster: Cluster):
    items = [(n, _domain(n)) for n in cluster.nodes if n.clustering_enabled]
    for node, value, majority in deviations(items):
        yield Violation(
            value.loc,
            f"clustering domain is '{value.text}' on {node.name} but '{majority}' on the other nodes; expected one domain for the whole cluster",
            node,
        )


def _member_address(node: Node) -> tuple[str, str] | None:
    clustering = node.clustering
    if not clustering or clustering.local_member_host.is_blank:
        return None  # Hazelcast picks the node's own address: nothing to compare
    port = clustering.local_member_port.text or DEFAULT_MEMBER_PORT
    return clustering.local_member_host.text, port


@check("local_member_unique")
def local_member_unique(cluster: Cluster):
    if not cluster.multi_node:
        return
    held = ((_member_address(n), n) for n in cluster.nodes if n.clustering_enabled and _member_address(n))
    for (host, port), nodes, names in shared_by_several(held):
        for node in nodes:
            yield Violation(
                node.clustering.local_member_host.loc,
                f"localMemberHost:localMemberPort {host}:{port} is used by {names}; expected a unique host:port per node",
                node,
            )


@check("port_offset_unique")
def port_offset_unique(cluster: Cluster):
    by_host = defaultdict(list)
    for node in cluster.nodes:
        if not node.carbon:
            continue
        address = _member_address(node) if node.clustering_enabled else None
        host = address[0] if address else None
        if host is None and node.carbon.host_name.text and node.carbon.host_name.text != "localhost":
            host = node.carbon.host_name.text
        if host:
            by_host[(host, node.carbon.port_offset.text or "0")].append(node)
    for (host, offset), nodes in by_host.items():
        if len(nodes) < 2:
            continue
        for node in nodes[1:]:
            yield Violation(
                node.carbon.port_offset.loc,
                f"Ports/Offset {offset} on {node.name} is also used by {nodes[0].name} on host {host}; expected a different offset for each node on the same host",
                node,
            )


@check("wka_members")
def wka_members(cluster: Cluster):
    if not cluster.multi_node:
        return
    addresses = {node.name: _member_address(node) for node in cluster.nodes}
    known = {a for a in addresses.values() if a}
    all_literal = all(addresses.values())
    for node in cluster.nodes:
        clustering = node.clustering
        if not node.clustering_enabled or (clustering.membership_scheme.text or "multicast") != "wka":
            continue
        members = [(m, (m.host.text or "", m.port.text or "")) for m in clustering.members]
        if not members:
            yield Violation(
                clustering.members_loc,
                "the WKA member list is empty; expected the well-known members (e.g. the manager and a worker) as <member> entries",
                node,
            )
            continue
        for member, address in members:
            if address not in known and all_literal:
                listed = listing(f"{h}:{p}" for h, p in sorted(known))
                yield Violation(
                    member.loc,
                    f"WKA member {address[0]}:{address[1]} is not the localMemberHost:localMemberPort of any node in the cluster ({listed}); expected one of them",
                    node,
                )
        own = addresses[node.name]
        if own and node.replicas == 1 and all(address == own for _, address in members):
            yield Violation(
                clustering.members_loc,
                f"the WKA member list of {node.name} names only itself; expected at least one other node so it can join the cluster",
                node,
            )
