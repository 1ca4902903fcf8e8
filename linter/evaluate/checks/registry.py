"""Registry checks: cacheId, mounts, remote instances and the single writable node."""

from __future__ import annotations


from linter.evaluate.checks import check
from linter.evaluate.checks.common import deviations_by_group, describe_node
from linter.evaluate.checks.jdbc import redact
from linter.evaluate.violation import Violation
from linter.model.types import Cluster, Node
from linter.redact import listing

REQUIRED_MOUNTS = ("/_system/config", "/_system/governance")


def _expected_cache_ids(username: str, url: str) -> set[str]:
    # CacheBackedRegistry keys on the user name up to its first '@' (Azure-style user@server names).
    return {f"{username}@{url}", f"{username.split('@')[0]}@{url}"}


@check("cache_id_matches")
def cache_id_matches(node: Node, cluster: Cluster):
    if not node.registry:
        return
    for instance in node.registry.remote_instances:
        pool = node.instance_datasource(instance)
        if pool is None or not pool.username.text or not pool.url.text or node.is_local_instance(instance):
            continue
        expected = _expected_cache_ids(pool.username.text, pool.url.text)
        shown = f"{pool.username.text}@{redact(pool.url.text)}"
        cache_id = instance.cache_id
        if not cache_id.present:
            yield Violation(
                instance.loc, f"remoteInstance '{instance.id.text}' has no cacheId; expected <cacheId>{shown}</cacheId> (username@url of {pool.name.text})"
            )
        elif cache_id.raw not in expected:
            found = redact(cache_id.raw)
            yield Violation(
                cache_id.loc,
                f"cacheId of remoteInstance '{instance.id.text}' is '{found}'; expected exactly '{shown}' (username@url of {pool.name.text}, character for character)",
            )


def _matching_cache_ids(node: Node):
    """(registry URL, cacheId) of remote instances whose cacheId matches their own datasource."""
    for instance in node.registry.remote_instances if node.registry else ():
        pool = node.instance_datasource(instance)
        # cache_id_matches reports the others; comparing them here would report them twice
        if pool and pool.url.text and pool.username.text and instance.cache_id.raw in _expected_cache_ids(pool.username.text, pool.url.text):
            yield pool.url.text, instance.cache_id


@check("cache_id_consistent")
def cache_id_consistent(cluster: Cluster):
    ids = ((url, node, cache_id) for node in cluster.nodes for url, cache_id in _matching_cache_ids(node))
    for url, node, value, majority in deviations_by_group(ids, key=lambda v: v.raw):
        yield Violation(
            value.loc,
            f"cacheId for the registry database '{redact(url)}' is '{redact(value.raw)}' on {node.name} but '{redact(majority)}' on the other nodes; expected the same cacheId on every node",
            node,
        )


@check("registry_mounts")
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


@check("mount_target_consistent")
def mount_target_consistent(cluster: Cluster):
    mounts = (
        (m.path.text.rstrip("/"), n, m.target_path) for n in cluster.nodes if n.registry for m in n.registry.mounts if m.path.text and m.target_path.present
    )
    for path, node, value, majority in deviations_by_group(mounts):
        yield Violation(
            value.loc,
            f"mount {path} has targetPath '{value.text}' on {node.name} but '{majority}' on the other nodes; expected the same targetPath on every node",
            node,
        )


@check("registry_duplicates")
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


@check("remote_instance_not_local")
def remote_instance_not_local(node: Node, cluster: Cluster):
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


@check("single_writable_node")
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
    for node in writers:
        yield Violation(
            node.config_mount_instance.read_only.loc,
            f"{count} nodes have a writable /_system/config mount ({names}); expected exactly one manager with readOnly false and readOnly true on all workers",
            node,
        )
