"""Drift: the settings that differ between the nodes of a cluster, and between clusters (staging and prod).

Each node's model is flattened into named settings (``datasource(BPS_DS)/maxActive``,
``clustering/parameter(localMemberHost)``, ``wso2server.sh/-DworkerNode``). Within a cluster, most
settings must be equal on every node; a few must differ per node (NodeId, local member address, port
offset on one host, the local registry database) and are checked for uniqueness instead; a few differ
by role (the manager writes the registry and commits deployments, workers do not) and must agree
within a role. Between clusters, settings are compared role by role, and the manifest's
``[drift] allow`` globs name what is meant to differ.

Secrets are compared through a keyed digest that lives only in this process and never shown: a cell
says ``secret #1`` / ``secret #2`` so a reader sees which nodes share one.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import os

from linter.evaluate.checks.clustering import _member_address, machine
from linter.graph import database_label
from linter.masking import is_secret_name, shown
from linter.model.types import Cluster, Node, Secret, Value
from linter.parse.location import Loc, as_loc
from linter.records import Record

_KEY = os.urandom(32)  # digests of secrets are comparable within one run only

# Settings that must differ per node; how each is checked for uniqueness is in _unique_groups.
NODE_ID = "bps/NodeId"
MEMBER_HOST = "clustering/parameter(localMemberHost)"
MEMBER_PORT = "clustering/parameter(localMemberPort)"
OFFSET = "carbon/Ports/Offset"
LOCAL_REGISTRY = "local registry database"
MEMBERS = "clustering/members"
# Settings the guide sets differently on the manager and the workers.
BY_ROLE = ("registry/readOnly", "registry/remoteInstance(*)/readOnly", "carbon/DeploymentSynchronizer/AutoCommit", "wso2server.sh/-DworkerNode")


class Setting(Record):
    name: str
    file: str  # relative to the node's conf folder (bin/... for the start script)
    value: str | None  # as read; None when not set. Never printed for a secret
    secret: bool
    token: str | None  # what is compared: the value, or a digest/state for a secret
    loc: object = None

    @property
    def place(self) -> Loc | None:
        return as_loc(self.loc) if self.loc is not None else None


def _digest(text: str) -> str:
    return hmac.new(_KEY, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


_SECRET_TEXT_CACHE: dict[tuple[str, int, str], str | None] = {}


def _secret_text(path: str, line: int | None, tag: str) -> str | None:
    """The text of the ``tag`` element starting at ``line`` of ``path``, read again to compare it (never kept)."""
    key = (path, line or 0, tag)
    if key not in _SECRET_TEXT_CACHE:
        from linter.parse.xmlfile import parse_xml

        found = None
        parsed = parse_xml(path)
        if parsed.root is not None and line:
            candidates = [e for e in parsed.root.iter("{*}" + tag) if (e.sourceline or 0) >= line]
            if candidates:
                element = min(candidates, key=lambda e: e.sourceline)
                found = _digest((element.text or "").strip())
        _SECRET_TEXT_CACHE[key] = found
    return _SECRET_TEXT_CACHE[key]


class _Collector:
    def __init__(self, node: Node):
        self.node = node
        self.settings: dict[str, Setting] = {}

    def value(self, name: str, file: str, value: Value | None) -> None:
        if name in self.settings or value is None:
            return
        raw = value.text
        secret = is_secret_name(name.rsplit("/", 1)[-1])
        token = raw if not secret or raw is None else "set:" + _digest(raw)
        self.settings[name] = Setting(name, file, raw, secret, token, value.loc)

    def fields(self, prefix: str, file: str, record, names: str) -> None:
        """``value`` for each ``Setting=field`` of ``names``: the record's field, named ``prefix/Setting``."""
        for pair in names.split():
            name, _, field = pair.partition("=")
            self.value(f"{prefix}/{name}", file, getattr(record, field))

    def secret(self, name: str, file: str, secret: Secret | None, tag: str) -> None:
        if name in self.settings or secret is None:
            return
        if secret.state == "alias":
            token = f"alias:{secret.alias}"
        elif secret.state == "plaintext":
            loc = as_loc(secret.loc)
            token = "plaintext:" + (_secret_text(loc.path, loc.line, tag) or "?")
        else:
            token = secret.state
        self.settings[name] = Setting(
            name, file, None if secret.state == "absent" else secret.state, True, None if secret.state == "absent" else token, secret.loc
        )


def node_settings(node: Node) -> dict[str, Setting]:
    """Every setting the model holds for ``node``, by name."""
    c = _Collector(node)
    for ds in node.datasources:
        file = _relative(node, ds.file)
        prefix = f"datasource({ds.name.text or ds.jndi_name.text or '?'})"
        c.fields(
            prefix,
            file,
            ds,
            "jndiName=jndi_name url=url username=username driverClassName=driver defaultAutoCommit=default_auto_commit maxActive=max_active "
            "testOnBorrow=test_on_borrow validationQuery=validation_query",
        )
        c.secret(f"{prefix}/password", file, ds.password, "password")
    if node.registry:
        reg, file = node.registry, "registry.xml"
        c.value("registry/currentDBConfig", file, reg.current_db_config)
        c.value("registry/readOnly", file, reg.read_only)
        for config in reg.db_configs:
            c.value(f"registry/dbConfig({config.name})/dataSource", file, config.data_source)
        for inst in reg.remote_instances:
            c.fields(f"registry/remoteInstance({inst.id.text})", file, inst, "url=url dbConfig=db_config readOnly=read_only cacheId=cache_id")
        for mount in reg.mounts:
            c.fields(f"registry/mount({mount.path.text})", file, mount, "instanceId=instance_id targetPath=target_path overwrite=overwrite")
    if node.clustering:
        cl, file = node.clustering, "axis2/axis2.xml"
        c.value("clustering/enable", file, cl.enabled)
        c.value("clustering/class", file, cl.agent_class)
        members = ", ".join(sorted(f"{m.host.text}:{m.port.text}" for m in cl.members))
        c.value(MEMBERS, file, Value(members, cl.members_loc) if cl.members else Value(None, cl.members_loc))
        for parameter in cl.parameters:
            c.value(f"clustering/parameter({parameter.name})", file, parameter.value)
    if node.tasks:
        c.value("tasks/taskServerMode", "etc/tasks-config.xml", node.tasks.mode)
        c.value("tasks/taskServerCount", "etc/tasks-config.xml", node.tasks.count)
        c.secret("tasks/remoteServerPassword", "etc/tasks-config.xml", node.tasks.remote_password, "remoteServerPassword")
    if node.bps:
        c.fields(
            "bps", "bps.xml", node.bps, "DataSource=data_source ODESchedulerThreadPoolSize=ode_threads UseDistributedLock=use_distributed_lock NodeId=node_id"
        )
    if node.humantask:
        ht = node.humantask
        names = "DataSource=data_source MaxThreadPoolSize=max_threads TaskCoordinationEnabled=coordination_enabled LoadBalancerURL=load_balancer_url"
        c.fields("humantask", "humantask.xml", ht, names)
        c.secret("humantask/RegistrationServiceAuthentication/Password", "humantask.xml", ht.registration_password, "Password")
    if node.activiti:
        c.value("activiti/dataSourceJndiName", "activiti.xml", node.activiti.data_source_jndi)
    if node.carbon:
        cb, sync = node.carbon, node.carbon.depsync
        c.value("carbon/HostName", "carbon.xml", cb.host_name)
        c.value(OFFSET, "carbon.xml", cb.port_offset)
        names = "Enabled=enabled AutoCommit=auto_commit AutoCheckout=auto_checkout RepositoryType=repository_type SvnUrl=svn_url"
        c.fields("carbon/DeploymentSynchronizer", "carbon.xml", sync, names)
        c.secret("carbon/DeploymentSynchronizer/SvnPassword", "carbon.xml", sync.svn_password, "SvnPassword")
    if node.user_mgt:
        um = node.user_mgt
        c.value("user-mgt/dataSource", "user-mgt.xml", um.data_source)
        c.value("user-mgt/AdminUser/UserName", "user-mgt.xml", um.admin_user)
        c.secret("user-mgt/AdminUser/Password", "user-mgt.xml", um.admin_password, "Password")
    if node.start_script:
        flags: dict[str, list] = {}
        for flag in node.start_script.flags:
            flags.setdefault(flag.name, []).append((flag.value if flag.value is not None else "(set)", flag.loc, flag.conditional))
        script = node.start_script.loc.path
        for name, uses in flags.items():
            # the JVM keeps the last -D of a name: compared by that one (an unconditional one), all shown when several
            last = next((use for use in reversed(uses) if not use[2]), uses[-1])
            shown = last[0] if len(uses) == 1 else f"{last[0]} (the last of {' ; '.join(v for v, _, _ in uses)})"
            value = Value(shown, last[1])
            # named as a start-script flag whatever passes it ([drift] allow lists use the name), shown where it is
            # written: a container's JAVA_OPTS or bps-lint.toml's [properties] are not the script
            path = getattr(value.loc, "path", script)
            file = "bin/wso2server.sh" if path == script else _relative(node, path)
            if name[2:] in node.secret_properties:  # -Ddb.pw=... where a password element says ${db.pw}
                c.settings.setdefault(
                    f"wso2server.sh/{name}", Setting(f"wso2server.sh/{name}", file, value.text, True, "set:" + _digest(value.text), value.loc)
                )
            else:
                c.value(f"wso2server.sh/{name}", file, value)
                setting = c.settings[f"wso2server.sh/{name}"]
                if not setting.secret:
                    c.settings[setting.name] = setting._replace(token=last[0])
    local = node.local_registry_datasource
    url = c.settings.get(f"datasource({local.name.text or local.jndi_name.text or '?'})/url") if local is not None else None
    if url is not None:
        c.settings[LOCAL_REGISTRY] = url._replace(name=LOCAL_REGISTRY)
    return c.settings


def _relative(node: Node, path: str) -> str:
    """``path`` relative to the node's conf folder when it lies in it; else as shown (a manifest or a template that
    holds the text, whose conf folder is the container's)."""
    prefix = node.conf_dir.rstrip(os.sep) + os.sep
    return (path[len(prefix) :] if path.startswith(prefix) else path).replace(os.sep, "/")


def _local_registry_names(nodes: list[Node]) -> set[str]:
    """Settings that hold a node's local registry URL under the datasource's own name (compared as LOCAL_REGISTRY)."""
    names = set()
    for node in nodes:
        local = node.local_registry_datasource
        if local is not None:
            names.add(f"datasource({local.name.text or local.jndi_name.text or '?'})/url")
    return names


def is_by_role(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in BY_ROLE)


# ---------------------------------------------------------------------------------------------
# What a reader sees of a value


class Cell(Record):
    shown: str
    path: str | None
    line: int | None
    set: bool


UNUSABLE = {"missing": "file missing", "unreadable": "file unreadable", "unparseable": "file not well-formed", "doctype": "file has a DOCTYPE"}


def _cells(settings: list[Setting | None], unusable: list[str | None] | None = None) -> list[Cell]:
    """How each value is shown: as read (URLs without credentials), or ``secret #n`` for secrets;
    where the node's file could not be read, why (its finding says more)."""
    numbers: dict[str, int] = {}
    out = []
    for s, status in zip(settings, unusable or [None] * len(settings)):
        if status:
            out.append(Cell(UNUSABLE.get(status, "file unusable"), None, None, False))
            continue
        if s is None or s.value is None:
            place = s.place if s is not None else None
            out.append(Cell("not set", place.path if place else None, place.line if place else None, False))
            continue
        place = s.place
        if s.secret:
            if s.token.startswith("alias:"):
                text = f"vault alias {s.token[len('alias:') :]}"
            elif s.token == "empty":
                text = "empty"
            else:
                numbers.setdefault(s.token, len(numbers) + 1)
                text = f"secret #{numbers[s.token]}"
        else:
            text = shown(s.value) if s.value else "(empty)"
        out.append(Cell(text, place.path if place else None, place.line if place else None, True))
    # Two different values that read the same once credentials are masked: say so.
    by_text: dict[str, set] = {}
    for s, cell in zip(settings, out):
        if s is not None and s.value is not None and not s.secret:
            by_text.setdefault(cell.shown, set()).add(s.token)
    return [c._replace(shown=c.shown + " (credentials differ)") if len(by_text.get(c.shown, ())) > 1 else c for c in out]


class Row(Record):
    setting: str
    file: str
    secret: bool
    columns: tuple[str, ...]  # node names, or cluster names
    cells: tuple[Cell, ...]
    status: str  # differs | unique | duplicate | by-role
    note: str = ""
    role: str | None = None  # for a comparison between clusters


def _row(
    name: str, columns: list[str], settings: list[Setting | None], status: str, note: str = "", role: str | None = None, unusable: list | None = None
) -> Row:
    first = next((s for s in settings if s is not None), None)
    return Row(
        name,
        first.file if first else "",
        any(s.secret for s in settings if s is not None) or is_secret_name(name.rsplit("/", 1)[-1]),
        tuple(columns),
        tuple(_cells(settings, unusable)),
        status,
        note,
        role,
    )


def _token(s: Setting | None):
    return None if s is None else s.token


# ---------------------------------------------------------------------------------------------
# One cluster


class ClusterDrift(Record):
    cluster: str
    nodes: tuple[tuple[str, str, int], ...]  # (name, role, replicas)
    differences: tuple[Row, ...]  # settings that should be equal and are not
    per_node: tuple[Row, ...]  # settings that must differ, checked for uniqueness
    by_role: tuple[Row, ...]  # settings that differ between roles, as the guide says they do

    @property
    def problems(self) -> int:
        return len(self.differences) + sum(1 for r in self.per_node if r.status == "duplicate")


def _duplicates(keys: list[tuple[str, str | None, int]]) -> list[str]:
    """Nodes whose key is shared with another instance (a node with replicas shares with itself)."""
    seen: dict[str, list[tuple[str, int]]] = {}
    for node, key, replicas in keys:
        if key:
            seen.setdefault(key, []).append((node, replicas))
    dup = []
    for users in seen.values():
        if len(users) > 1 or users[0][1] > 1:
            dup.extend(n for n, _ in users)
    return dup


def _unique_rows(nodes: list[Node], table: list[dict[str, Setting]]) -> list[Row]:
    names = [n.name for n in nodes]
    rows = []

    def get(i, name):
        return table[i].get(name)

    def text(i, name):
        s = get(i, name)
        return s.value if s is not None and s.value else None

    checks = []
    checks.append((NODE_ID, [(n.name, text(i, NODE_ID), n.replicas) for i, n in enumerate(nodes)], "unique per node", "NodeId"))
    # Grouped as the local-member-unique and port-offset-unique rules group them, so the two never disagree.
    address = [(n.name, ":".join(_member_address(n)) if n.clustering_enabled and _member_address(n) else None, n.replicas) for n in nodes]
    checks.append((MEMBER_HOST, address, "unique with localMemberPort", "local member address"))
    checks.append((MEMBER_PORT, address, "unique with localMemberHost", "local member address"))
    checks.append((OFFSET, [(n.name, _offset_key(n), 1) for n in nodes], "unique per host", "port offset on one host"))
    registry = []
    for i, n in enumerate(nodes):
        s = get(i, LOCAL_REGISTRY)
        label = database_label(s.value) if s is not None and s.value else None
        embedded = label is not None and label.lower().startswith(("h2:", "derby:")) and "tcp:" not in label.lower() and "//" not in label
        registry.append((n.name, None if embedded else (label or "").lower() or None, n.replicas))
    checks.append((LOCAL_REGISTRY, registry, "one database per node", "local registry database"))
    unusable = [{f.name: f.status for f in n.files if f.status != "ok"} for n in nodes]
    for name, keys, ok_note, what in checks:
        settings = [get(i, name) for i in range(len(nodes))]
        if all(s is None for s in settings):
            continue
        if not any(key for _, key, _ in keys):
            ok_note = {
                MEMBER_HOST: "not compared: clustering is off or the host is not set",
                MEMBER_PORT: "not compared: clustering is off or the host is not set",
                OFFSET: "not compared: no node names its host",
                LOCAL_REGISTRY: "embedded database: a file of each node's own",
            }.get(name, "not set")
        file = next(s.file for s in settings if s is not None)
        broken = [u.get(file) for u in unusable]
        dup = _duplicates(keys)
        if dup:
            rows.append(_row(name, names, settings, "duplicate", f"{what} shared by {', '.join(dict.fromkeys(dup))}", unusable=broken))
        else:
            rows.append(_row(name, names, settings, "unique", ok_note, unusable=broken))
    return rows


def _offset_key(node: Node) -> str | None:
    """machine+offset, the machine known as BPS306 knows it (the manifest's host, else a localMemberHost Carbon
    reads); HostName is the load balancer's name, the same on every node, not the machine's."""
    host = machine(node, member_host_when_clustering_off=False) if node.carbon else None
    return f"{host}+{node.carbon.port_offset.text or '0'}" if host else None


def _same_membership(table: list[dict[str, Setting]], nodes: list[Node]) -> list[dict[str, Setting]]:
    """WKA lists that name one set of members are the same setting, whether or not a node lists itself: a
    member need not (Hazelcast joins through the others), so a playbook's "every other host" gives each node
    a different list for one cluster. Compared then as that set."""
    settings = [t.get(MEMBERS) for t in table]
    if any(s is None or s.value is None for s in settings):
        return table
    listed = [frozenset(s.value.split(", ")) for s in settings]
    everyone = frozenset().union(*listed)
    own = [":".join(a) if (a := _member_address(n)) else None for n in nodes]
    if all(members == everyone or (address is not None and members | {address} == everyone) for members, address in zip(listed, own)):
        token = ", ".join(sorted(everyone))
        return [{**t, MEMBERS: s._replace(token=token)} for t, s in zip(table, settings)]
    return table


def cluster_drift(cluster: Cluster) -> ClusterDrift:
    nodes = sorted(cluster.nodes, key=lambda n: ({"manager": 0, "worker": 1}.get(n.role, 2), n.name))
    table = _same_membership([node_settings(n) for n in nodes], nodes)
    names = [n.name for n in nodes]
    local_names = _local_registry_names(nodes)
    per_node_names = {NODE_ID, MEMBER_HOST, MEMBER_PORT, OFFSET, LOCAL_REGISTRY} | local_names
    all_names = sorted({k for t in table for k in t})
    file_of = {name: s.file for t in table for name, s in t.items()}
    # A node whose file could not be read has no values from it: compared are the nodes that do.
    unusable = [{f.name: f.status for f in n.files if f.status != "ok"} for n in nodes]
    differences, by_role = [], []
    for name in all_names:
        if name in per_node_names:
            continue
        settings = [t.get(name) for t in table]
        broken = [u.get(file_of[name]) for u in unusable]
        tokens = [_token(s) for s, b in zip(settings, broken) if not b]
        if len(set(tokens)) <= 1:
            continue
        if is_by_role(name):
            roles: dict[str, set] = {}
            for node, s, b in zip(nodes, settings, broken):
                if not b:
                    roles.setdefault(node.role, set()).add(_token(s))
            split = sorted(r for r, values in roles.items() if len(values) > 1)
            if split:
                differences.append(_row(name, names, settings, "differs", f"differs within role {', '.join(split)}", unusable=broken))
            else:
                by_role.append(_row(name, names, settings, "by-role", "differs by role, as expected", unusable=broken))
            continue
        differences.append(_row(name, names, settings, "differs", unusable=broken))
    return ClusterDrift(
        cluster.name,
        tuple((n.name, n.role, n.replicas) for n in nodes),
        tuple(differences),
        tuple(_unique_rows(nodes, table)),
        tuple(by_role),
    )


# ---------------------------------------------------------------------------------------------
# Several clusters


class EnvironmentDrift(Record):
    clusters: tuple[str, ...]
    differences: tuple[Row, ...]  # not on the allow-list
    allowed: tuple[Row, ...]
    missing_roles: tuple[tuple[str, str], ...]  # (cluster, role) present elsewhere but not here


def allowed(name: str, allow: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in allow)


def environment_drift(clusters: list[Cluster], allow: list[str] = ()) -> EnvironmentDrift:
    """Settings that differ between clusters, role by role; per-node settings are left out (they differ by design)."""
    names = [c.name for c in clusters]
    profiles = []  # per cluster: role -> setting name -> list of Setting
    for cluster in clusters:
        local_names = _local_registry_names(list(cluster.nodes))
        profile: dict[str, dict[str, list[Setting]]] = {}
        for node in cluster.nodes:
            role = profile.setdefault(node.role, {})
            for name, setting in node_settings(node).items():
                if name not in local_names:
                    role.setdefault(name, []).append(setting)
        profiles.append(profile)
    roles = sorted({r for p in profiles for r in p}, key=lambda r: ({"manager": 0, "worker": 1}.get(r, 2), r))
    differences, permitted, missing = [], [], []
    per_node = {NODE_ID, MEMBER_HOST, MEMBER_PORT, OFFSET, LOCAL_REGISTRY}
    for role in roles:
        present = [i for i, p in enumerate(profiles) if role in p]
        missing.extend((names[i], role) for i, p in enumerate(profiles) if role not in p)
        if len(present) < 2:
            continue
        settings_names = sorted({k for i in present for k in profiles[i][role]} - per_node)
        for name in settings_names:
            groups = [profiles[i][role].get(name, []) for i in present]
            tokens = [frozenset(_token(s) for s in group) or frozenset({None}) for group in groups]
            if len(set(tokens)) <= 1:
                continue
            # One cell per cluster: its value when the role's nodes agree, else all of them ("false | true");
            # secrets are numbered across the whole row so equal numbers mean equal secrets.
            row = _row(name, [names[i] for i in present], [group[0] if group else None for group in groups], "differs", role=role)
            flat = iter(_cells([s for g in groups for s in g]))
            cells = []
            for cell, group in zip(row.cells, groups):
                mine = [next(flat) for _ in group]
                cells.append(mine[0]._replace(shown=" | ".join(dict.fromkeys(c.shown for c in mine))) if mine else cell)
            row = row._replace(cells=tuple(cells))
            split = [names[i] for i, g in zip(present, groups) if len({_token(s) for s in g}) > 1]
            if split:
                row = row._replace(note=f"the {role} nodes of {', '.join(split)} disagree among themselves")
            (permitted if allowed(name, list(allow)) else differences).append(row)
    return EnvironmentDrift(tuple(names), tuple(differences), tuple(permitted), tuple(missing))
