"""Registry checks: cacheId, mounts, remote instances and the single writable node."""

from __future__ import annotations

import re

from linter.evaluate.checks import check
from linter.evaluate.checks.common import describe_node, deviations_by_group, settled
from linter.evaluate.checks.jdbc import redact
from linter.evaluate.violation import Violation
from linter.fix import set_text
from linter.model.types import Cluster, Node, PerReplica, Value
from linter.redact import listing

REQUIRED_MOUNTS = ("/_system/config", "/_system/governance")


def cache_key(username: str, url: str) -> str:
    """The connection id Carbon keys the distributed registry cache on for a JDBC mount
    (CacheBackedRegistry, CachingHandler): the user name up to its first '@' (MySQL reports
    user@host), '@', the URL; RegistryUtils.buildRegistryCacheKey lower-cases it."""
    return f"{username.split('@')[0]}@{url}".lower()


_URL_LOGIN = re.compile(r"^(jdbc:oracle:[a-z]+:)[^@/]+/[^@]*@|//[^/@?;]*@")  # on lower-cased text (cheaper to compile than (?i))


def _without_credentials(url: str) -> str:
    """The URL, lower-cased as the cache key is, without the user and password written in it (Oracle's
    ``scott/tiger@``, ``//user:pass@``): the cacheId a reader writes names the database, not the login."""
    return _URL_LOGIN.sub(lambda m: m.group(1) + "@" if m.group(1) else "//", url.lower())


@check
def registry_cache_id(node: Node, cluster: Cluster):
    # CacheBackedRegistry reads <cacheId> only for a remote instance without a <dbConfig>; with one (every
    # instance checked here) it keys the cache on the datasource's user@URL. So a missing cacheId is not
    # reported, and a wrong one is a warning: it names another database than the mount uses.
    if not node.registry:
        return
    for instance in node.registry.remote_instances:
        pool = node.instance_datasource(instance)
        if pool is None or not pool.username.text or not pool.url.text or node.is_local_instance(instance):
            continue
        if "${" in pool.url.text + pool.username.text:
            continue  # a system property bps-lint cannot see (BPS704 asks for it): the key is unknown here
        cache_id = instance.cache_id
        if not cache_id.present:
            continue
        shown = f"{pool.username.text}@{redact(pool.url.text)}"
        expected = f"{pool.username.text}@{pool.url.text}"
        safe_to_show = shown == expected  # a URL holding a credential is never written into a fix (it would be printed)
        accepted = {cache_key(pool.username.text, pool.url.text), expected.lower(), cache_key(pool.username.text, _without_credentials(pool.url.text))}
        if (cache_id.text or "").lower() not in accepted:
            yield Violation(
                cache_id.loc,
                f"cacheId of remoteInstance '{instance.id.text}' is '{redact(cache_id.raw)}', which names another database than its dbConfig's "
                f"{pool.name.text}; Carbon ignores cacheId here and keys the registry cache on {pool.name.text}'s user@URL, so the value only misleads; "
                f"expected '{shown}' (case does not matter), or no cacheId",
                edits=set_text(cache_id, expected) if safe_to_show else (),
            )


def _shared_registry_pools(node: Node, per_pod: bool = False):
    """(mount path, datasource) of each mount served by a shared (non-local) registry database; ``per_pod``: those
    whose URL holds a property each pod sets to its own name or IP (PerReplica), else those bps-lint can compare."""
    for mount in node.registry.mounts if node.registry else ():
        instance = node.registry.instance(mount.instance_id.text)
        if instance is None or not mount.path.text or node.is_local_instance(instance):
            continue
        pool = node.instance_datasource(instance)
        if pool is None or not pool.url.text:
            continue
        if per_pod:
            if isinstance(pool.url, PerReplica):
                yield mount.path.text.rstrip("/"), pool
        elif pool.username.text and "${" not in pool.url.text + pool.username.text:
            yield mount.path.text.rstrip("/"), pool  # (a value from a property bps-lint cannot see is not compared)


@check
def registry_cache_id_consistent(cluster: Cluster):
    for node in cluster.nodes if cluster.multi_node else ():  # each pod a registry of its own
        for path, pool in {id(pool): (path, pool) for path, pool in _shared_registry_pools(node, per_pod=True)}.values():
            yield Violation(
                pool.url.loc,
                f"the registry database mounted at {path} is reached as '{redact(pool.url.text)}' on {node.name}, whose system property each pod sets "
                f"to its own name or IP, so every pod has a registry database of its own; expected the same database in {pool.name.text} on every node",
                node,
            )
    keyed = [
        (path, n, Value(cache_key(pool.username.text, pool.url.text), pool.url.loc), pool) for n in cluster.nodes for path, pool in _shared_registry_pools(n)
    ]
    pools = {(path, n.name): pool for path, n, _, pool in keyed}
    reported = set()  # config and governance are usually mounted from one datasource: one finding for it
    for path, node, value, majority in deviations_by_group(((p, n, v) for p, n, v, _ in keyed), key=lambda v: v.raw):
        pool = pools[(path, node.name)]
        same_url = majority.partition("@")[2] == pool.url.text.lower()
        part, loc = ("user name", pool.username.loc) if same_url else ("URL", pool.url.loc)
        if (node.name, id(pool), part) in reported:
            continue
        reported.add((node.name, id(pool), part))
        yield Violation(
            loc,
            f"the registry database mounted at {path} is reached as '{redact(value.raw)}' on {node.name} but as '{redact(majority)}' on the other nodes "
            f"(the {part} {'differ' if part.endswith('s') else 'differs'}); Carbon keys the shared registry cache on user@URL, so expected the same {part} in {pool.name.text} on every node",
            node,
        )


@check
def registry_db_config(node: Node, cluster: Cluster):
    registry = node.registry
    if not registry:
        return
    names = ", ".join(c.name for c in registry.db_configs) or "none"
    for instance in registry.remote_instances:
        wanted = instance.db_config
        if wanted.text and registry.db_config(wanted.raw) is None:
            yield Violation(
                wanted.loc,
                f"remoteInstance '{instance.id.text}' names dbConfig '{wanted.raw}', which is not defined (defined: {names}); the registry logs "
                f'"Couldn\'t find db configuration" and every read under its mounts fails; expected the name of a <dbConfig>',
            )
        elif wanted.is_blank and not (instance.remote_user.present and instance.remote_password.state != "absent"):
            yield Violation(
                wanted.loc if wanted.present else instance.loc,
                f"remoteInstance '{instance.id.text}' has no dbConfig (and no username and password of a remote registry), so its mounts have no database "
                f"and every read under them fails; expected <dbConfig> naming the <dbConfig> of the shared registry database",
            )


@check
def registry_mounts(node: Node, cluster: Cluster):
    registry = node.registry
    if not registry:
        return
    if cluster.multi_node:
        for path in REQUIRED_MOUNTS:
            if registry.mount(path) is None:
                yield Violation(registry.loc, f'no registry mount for {path}; expected a <mount path="{path}"> pointing at the shared registry database')
    defined = {i.id.text for i in registry.remote_instances}  # one lookup per mount, not a scan
    ids = None
    for mount in registry.mounts:
        if not mount.instance_id.text:
            yield Violation(mount.instance_id.loc, f"mount {mount.path.text} has no instanceId; expected the id of a remoteInstance")
        elif mount.instance_id.text not in defined:
            ids = ids or listing(i.id.text or "?" for i in registry.remote_instances)
            yield Violation(
                mount.instance_id.loc,
                f"mount {mount.path.text} names remoteInstance '{mount.instance_id.text}', which is not defined (defined: {ids}); expected a defined remoteInstance id",
            )
        if not mount.target_path.text:
            yield Violation(mount.target_path.loc, f"mount {mount.path.text} has no targetPath; expected one, e.g. /_system/bpsconfig")


@check
def registry_mount_target(cluster: Cluster):
    mounts = [
        (m.path.text.rstrip("/"), n, m.target_path) for n in cluster.nodes if n.registry for m in n.registry.mounts if m.path.text and m.target_path.present
    ]
    for path, node, value, majority in deviations_by_group(mounts):
        same_path = [(n, v) for p, n, v in mounts if p == path]
        yield Violation(
            value.loc,
            f"mount {path} has targetPath '{value.text}' on {node.name} but '{majority}' on the other nodes; expected the same targetPath on every node",
            node,
            edits=set_text(value, majority) if settled(same_path, majority) else (),
        )


@check
def registry_duplicates(node: Node, cluster: Cluster):
    if not node.registry:
        return
    seen_ids, seen_paths = {}, {}
    for instance in node.registry.remote_instances:
        key = instance.id.text
        if key in seen_ids:
            yield Violation(
                instance.id.loc,
                f"remoteInstance id '{key}' is defined twice (first at line {seen_ids[key].line}); expected unique ids, or the registry fails to start",
            )
        seen_ids.setdefault(key, instance.id.loc)
    for mount in node.registry.mounts:
        key = (mount.path.text or "").rstrip("/")
        if key in seen_paths:
            yield Violation(mount.loc, f"mount path '{mount.path.text}' is mounted twice (first at line {seen_paths[key].line}); expected each path once")
        seen_paths.setdefault(key, mount.loc)


@check
def remote_instance_local_db(node: Node, cluster: Cluster):
    registry = node.registry
    if not registry:
        return
    current = registry.current_db_config.text
    for instance in registry.remote_instances:
        if not node.is_local_instance(instance):
            continue
        if instance.db_config.text == current:
            yield Violation(
                instance.db_config.loc,
                f"remoteInstance '{instance.id.text}' uses dbConfig '{current}', the local registry (currentDBConfig); expected a dbConfig for the shared registry database",
            )
        else:
            pool = node.instance_datasource(instance)
            yield Violation(
                instance.db_config.loc,
                f"remoteInstance '{instance.id.text}' reaches datasource {pool.jndi_name.text}, the same one as the local registry; expected the shared registry database",
            )


@check
def single_writable_node(cluster: Cluster):
    if not cluster.multi_node:
        return
    roles = [(node, node.role) for node in cluster.nodes]
    if all(role == "unknown" for _, role in roles):
        return  # no mounts at all: registry_mounts reports that
    writers = [node for node, role in roles if role == "manager"]
    count = sum(node.replicas for node in writers)
    if count == 1:
        return
    if count == 0:
        node = next(n for n, role in roles if role == "worker")
        instance = node.config_mount_instance
        loc = instance.read_only.loc if instance else node.registry.loc
        yield Violation(loc, "no node has a writable /_system/config mount (readOnly false); expected exactly one manager node", node)
        return
    names = ", ".join(describe_node(n) for n in writers)
    manager = _named_manager(writers)
    for node in writers:
        read_only = node.config_mount_instance.read_only
        yield Violation(
            read_only.loc,
            f"{count} nodes have a writable /_system/config mount ({names}); expected exactly one manager with readOnly false and readOnly true on all workers",
            node,
            edits=set_text(read_only, "true") if manager is not None and node is not manager else (),
        )


def _named_manager(writers: list[Node]) -> Node | None:
    """The one writable node whose name says it is the manager (a single replica), or None when that is not clear."""
    named = [n for n in writers if any(word in n.name.lower() for word in ("manager", "mgt", "mgr"))]
    return named[0] if len(named) == 1 and named[0].replicas == 1 else None
