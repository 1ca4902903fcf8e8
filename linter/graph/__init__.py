"""The cluster as a picture: which node does what, who talks to whom, which databases are shared.

``topology`` turns a cluster model and its findings into plain boxes and arrows; ``mermaid``, ``dot``
and ``svg`` draw them. Every label goes through ``linter.masking``: URLs lose their credentials and
no password is ever read (the model keeps none).
"""

from __future__ import annotations

import re

from linter.evaluate.checks import jdbc
from linter.findings import Finding
from linter.masking import shown
from linter.model.types import Cluster, Node, Value
from linter.parse.location import as_loc
from linter.records import Record

ROLE_ORDER = {"manager": 0, "worker": 1, "unknown": 2}


class Box(Record):
    id: str
    kind: str  # node | database | member | repository | balancer
    title: str
    lines: tuple[str, ...]  # what the box says under its title
    role: str | None = None  # manager / worker / unknown, for a node
    rules: tuple[str, ...] = ()  # ids of the error findings it is involved in
    notes: tuple[str, ...] = ()  # "BPS404: message", for tooltips and reports


class Arrow(Record):
    source: str
    target: str
    kind: str  # wka | wka-unanswered | datasource | mount-rw | mount-ro | commit | checkout | balancer
    label: str
    both_ways: bool = False
    detail: str = ""  # more than the label says (mount paths), for tooltips
    rules: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


class Topology(Record):
    cluster: str
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    cluster_rules: tuple[str, ...]  # error findings that name no node
    cluster_notes: tuple[str, ...] = ()

    def box(self, box_id: str) -> Box:
        return next(b for b in self.boxes if b.id == box_id)


def _where(value) -> tuple[str, int] | None:
    loc = as_loc(value.loc)
    return (loc.path, loc.line) if loc.line else None


def _places(*values) -> set[tuple[str, int]]:
    return {p for p in (_where(v) for v in values if v is not None) if p}


def database_label(url: str | None) -> str | None:
    """``mysql://host:3306/bps_db`` for a JDBC URL: no ``jdbc:`` prefix, query string or credentials."""
    text = (url or "").strip()
    if not text:
        return None
    text = shown(text).split("?", 1)[0]
    return text[len("jdbc:") :] if text.lower().startswith("jdbc:") else text


def _split_database(label: str) -> tuple[str, str]:
    """(database name, server part) of a database label: ``bps_db``, ``mysql://host:3306``."""
    head, slash, tail = label.rpartition("/")
    name = tail.split(";", 1)[0]
    if not slash or not name or head.endswith(("/", ":")) and "//" not in head:
        return label, ""
    return name, head


def _note(f: Finding) -> str:
    return f"{f.rule}: {shown(f.message)}"


class _Builder:
    def __init__(self, cluster: Cluster, findings: list[Finding]):
        self.cluster = cluster
        self.errors = [f for f in findings if f.severity == "error" and f.cluster in (None, cluster.name)]
        self.boxes: dict[str, Box] = {}
        self.arrows: dict[tuple[str, str, str], tuple[Arrow, set]] = {}
        self.counters: dict[str, int] = {}

    def new_id(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]}"

    def arrow(self, owner: Node, source: str, target: str, kind: str, label: str, places: set, detail: str = "") -> None:
        owners = {owner.name}
        key = (source, target, kind)
        reverse = (target, source, kind)
        if kind == "wka" and reverse in self.arrows:  # A lists B and B lists A: one two-way arrow
            arrow, (names, seen) = self.arrows[reverse]
            self.arrows[reverse] = (arrow._replace(both_ways=True), (names | owners, seen | places))
            return
        if key in self.arrows:  # two pools of one node on one database: one arrow naming both
            arrow, (names, seen) = self.arrows[key]
            if detail and detail not in arrow.detail.split(", "):
                arrow = arrow._replace(detail=f"{arrow.detail}, {detail}" if arrow.detail else detail)
            self.arrows[key] = (arrow, (names | owners, seen | places))
            return
        self.arrows[key] = (Arrow(source, target, kind, label, detail=detail), (owners, set(places)))


def topology(cluster: Cluster, findings: list[Finding] = ()) -> Topology:
    """Boxes and arrows of one cluster; the error findings among ``findings`` mark what they are about."""
    b = _Builder(cluster, list(findings))
    nodes = sorted(cluster.nodes, key=lambda n: (ROLE_ORDER.get(n.role, 3), n.name))
    node_ids = {}
    for node in nodes:
        node_ids[node.name] = b.new_id("n")
    _databases(b, nodes, node_ids)
    _wka(b, nodes, node_ids)
    _depsync(b, nodes, node_ids)
    _balancer(b, nodes, node_ids)

    # Nodes first, in role order, then what they point at.
    boxes = []
    for node in nodes:
        mine = [f for f in b.errors if f.node == node.name]
        lines = [node.role + (f" ×{node.replicas}" if node.replicas > 1 else "")]
        boxes.append(Box(node_ids[node.name], "node", node.name, tuple(lines), node.role, tuple(sorted({f.rule for f in mine})), tuple(_note(f) for f in mine)))
    boxes.extend(b.boxes.values())
    arrows = []
    for arrow, (owners, places) in b.arrows.values():
        hits = [f for f in b.errors if f.node in owners and (f.loc.path, f.loc.line) in places]
        arrows.append(arrow._replace(rules=tuple(sorted({f.rule for f in hits})), notes=tuple(_note(f) for f in hits)))
    loose = [f for f in b.errors if f.node is None]
    return Topology(cluster.name, tuple(boxes), tuple(arrows), tuple(sorted({f.rule for f in loose})), tuple(_note(f) for f in loose))


def _database_key(node: Node, url: str | None) -> tuple[str, str] | None:
    """(identity, label) of the database a URL points at; an embedded H2/Derby file is the node's own."""
    label = database_label(url)
    if label is None:
        return None
    if jdbc.is_embedded(url):
        return f"{node.name}\0{label}", label
    return label.lower(), label


def _databases(b: _Builder, nodes: list[Node], node_ids: dict[str, str]) -> None:
    users: dict[str, dict] = {}  # identity -> {"label", "nodes", "pools"}
    links = []  # (node, identity, kind, label, places, detail)
    for node in nodes:
        mounted: dict[str, list] = {}  # identity -> [(mount, instance)]
        if node.registry:
            for mount in node.registry.mounts:
                instance = node.registry.instance(mount.instance_id.text)
                pool = node.instance_datasource(instance) if instance else None
                key = _database_key(node, pool.url.text) if pool else None
                if key is None and instance is not None and instance.url.text:
                    key = (f"registry\0{shown(instance.url.text)}", f"registry {shown(instance.url.text)}")
                if key is None:
                    continue
                users.setdefault(key[0], {"label": key[1], "nodes": [], "pools": set()})
                mounted.setdefault(key[0], []).append((mount, instance, pool))
        for pool in node.datasources:
            key = _database_key(node, pool.url.text)
            if key is None:
                continue
            entry = users.setdefault(key[0], {"label": key[1], "nodes": [], "pools": set()})
            if pool.name.text:
                entry["pools"].add(pool.name.text)
            if key[0] not in mounted:
                if node.name not in entry["nodes"]:
                    entry["nodes"].append(node.name)
                links.append((node, key[0], "datasource", "", _places(*pool[2:]), f"pool {pool.name.text or '?'}"))
        for identity, uses in mounted.items():
            entry = users[identity]
            if node.name not in entry["nodes"]:
                entry["nodes"].append(node.name)
            writable = any(_mount_writable(node, instance) for _, instance, _ in uses)
            places = set()
            for mount, instance, pool in uses:
                places |= _places(mount.path, mount.instance_id, mount.target_path, mount.overwrite)
                if instance is not None:
                    places |= _places(instance.url, instance.id, instance.db_config, instance.read_only, instance.cache_id)
                if pool is not None:
                    places |= _places(*pool[2:])
            if node.registry:
                places |= _places(node.registry.read_only)
            paths = ", ".join(m.path.text or "?" for m, _, _ in uses)
            access = "writable" if writable else "read-only"
            links.append(
                (node, identity, "mount-rw" if writable else "mount-ro", f"mount {'rw' if writable else 'ro'}", places, f"registry mount {paths} ({access})")
            )
    by_node = {n.name: n for n in nodes}
    db_ids = {}
    # Shared databases first, then each node's own, in node order.
    ordered = sorted(users.items(), key=lambda kv: (_instances(kv[1]["nodes"], by_node) < 2, [nodes.index(by_node[n]) for n in kv[1]["nodes"]], kv[1]["label"]))
    for identity, entry in ordered:
        db_ids[identity] = box_id = b.new_id("d")
        count = _instances(entry["nodes"], by_node)
        if len(entry["nodes"]) == 1 and count > 1:
            where = f"{entry['nodes'][0]} only: shared by its {count} replicas"
        else:
            where = f"shared by {count} nodes" if count > 1 else f"{', '.join(entry['nodes']) or 'no node'} only"
        pools = ", ".join(sorted(entry["pools"]))
        name, server = _split_database(entry["label"])
        b.boxes[box_id] = Box(box_id, "database", name, tuple(x for x in (server, where, pools) if x))
    for node, identity, kind, label, places, detail in links:
        b.arrow(node, node_ids[node.name], db_ids[identity], kind, label, places, detail)


def _instances(names: list[str], by_node: dict[str, Node]) -> int:
    return sum(by_node[n].replicas for n in names)


def _mount_writable(node: Node, instance) -> bool:
    if node.registry and node.registry.read_only.is_true():
        return False
    return instance is not None and not instance.read_only.is_true()


def _address(host: Value, port: Value) -> str | None:
    if not host.text:
        return None
    return f"{host.text}:{port.text}" if port.text else host.text


def _wka(b: _Builder, nodes: list[Node], node_ids: dict[str, str]) -> None:
    answers: dict[str, list[Node]] = {}
    for node in nodes:
        if node.clustering:
            address = _address(node.clustering.local_member_host, node.clustering.local_member_port)
            if address:
                answers.setdefault(address, []).append(node)
    missing: dict[str, str] = {}
    for node in nodes:
        if not node.clustering:
            continue
        own = {_address(node.clustering.local_member_host, node.clustering.local_member_port)}
        for member in node.clustering.members:
            address = _address(member.host, member.port)
            if address is None or address in own:
                continue
            places = _places(member.host, member.port)
            targets = [t for t in answers.get(address, []) if t is not node]
            for target in targets:
                b.arrow(node, node_ids[node.name], node_ids[target.name], "wka", "WKA", places)
            if not targets:
                if address not in missing:
                    missing[address] = box_id = b.new_id("m")
                    unknown = "${" in address  # a property or environment variable only the running JVM knows
                    b.boxes[box_id] = Box(box_id, "member", shown(address), ("well-known member", "set at run time" if unknown else "no node answers"))
                b.arrow(node, node_ids[node.name], missing[address], "wka-unanswered", "WKA", places)


def _depsync(b: _Builder, nodes: list[Node], node_ids: dict[str, str]) -> None:
    repos: dict[str, str] = {}
    for node in nodes:
        sync = node.carbon.depsync if node.carbon else None
        if sync is None or not sync.enabled.is_true():
            continue
        kind = (sync.repository_type.text or "registry").lower()
        where = shown(sync.svn_url.text) if kind == "svn" and sync.svn_url.text else ""
        key = f"{kind}\0{where}"
        if key not in repos:
            repos[key] = box_id = b.new_id("r")
            b.boxes[box_id] = Box(box_id, "repository", f"deployment sync ({kind})", (where,) if where else ())
        if sync.auto_commit.is_true():
            b.arrow(node, node_ids[node.name], repos[key], "commit", "commit", _places(sync.enabled, sync.auto_commit, sync.repository_type, sync.svn_url))
        if sync.auto_checkout.is_true():
            b.arrow(
                node, repos[key], node_ids[node.name], "checkout", "checkout", _places(sync.enabled, sync.auto_checkout, sync.repository_type, sync.svn_url)
            )


_URL_HOST = re.compile(r"^[a-z][a-z0-9+.\-]*://(?:[^/@]*@)?([^/:?#]+)", re.I)


def _balancer(b: _Builder, nodes: list[Node], node_ids: dict[str, str]) -> None:
    """The load balancer: HumanTask's LoadBalancerURL, or the HostName every node of a cluster shares (the proxy's name)."""
    fronted: dict[str, list[tuple[Node, str, set]]] = {}
    for node in nodes:
        ht = node.humantask
        if ht and ht.load_balancer_url.text:
            match = _URL_HOST.match(ht.load_balancer_url.text)
            if match:
                fronted.setdefault(match.group(1).lower(), []).append((node, "HumanTask LoadBalancerURL", _places(ht.load_balancer_url)))
    hosts = {n.carbon.host_name.text.lower() for n in nodes if n.carbon and n.carbon.host_name.text}
    if len(nodes) > 1 and len(hosts) == 1 and all(n.carbon and n.carbon.host_name.text for n in nodes):
        host = hosts.pop()
        if host not in ("localhost", "127.0.0.1") and not any(n.clustering and (n.clustering.local_member_host.text or "").lower() == host for n in nodes):
            for node in nodes:
                fronted.setdefault(host, []).append((node, "carbon.xml HostName", _places(node.carbon.host_name)))
    for host, uses in sorted(fronted.items()):
        box_id = b.new_id("b")
        sources = sorted({why for _, why, _ in uses})
        b.boxes[box_id] = Box(box_id, "balancer", shown(host), ("load balancer", *sources))
        for node, _, places in uses:
            b.arrow(node, box_id, node_ids[node.name], "balancer", "", places)
