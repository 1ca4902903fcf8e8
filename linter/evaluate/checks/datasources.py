"""Datasource checks: pool sizing, shared and per-node databases, JNDI references, drivers."""

from __future__ import annotations

from collections import defaultdict

from linter.evaluate.checks import check
from linter.evaluate.checks.clustering import is_ip, is_loopback, machine
from linter.evaluate.checks.common import deviations_by_group, host_address, shared_by_several
from linter.evaluate.checks.jdbc import DRIVER_PREFIXES, differing_part, is_embedded, kind, redact, server, url_parts
from linter.evaluate.violation import Violation
from linter.fix import add_child, set_text
from linter.model.types import Cluster, Datasource, Node, PerReplica, Value
from linter.redact import listing


STOCK_ODE_THREADS = 50  # bps.xml as shipped


def _bps_pool_size(node: Node) -> int | None:
    pool = node.bps_datasource
    return pool.max_active.as_int() if pool else None


@check
def ode_scheduler_threads(node: Node, cluster: Cluster):
    # BPELServerImpl.initExecutorService: 0 (also absent) is Executors.newCachedThreadPool, unbounded;
    # a negative size makes newFixedThreadPool throw and the BPEL engine does not start.
    if not node.bps:
        return
    threads = node.bps.ode_threads
    max_active = _bps_pool_size(node)
    # the fix: the stock 50, or fewer than the pool's connections when it has fewer than 51
    target = str(min(STOCK_ODE_THREADS, max_active - 1) if max_active is not None and max_active > 1 else STOCK_ODE_THREADS)
    if not threads.present:
        yield Violation(
            threads.loc,
            "ODESchedulerThreadPoolSize is not set, so the ODE scheduler uses an unbounded thread pool; expected a positive number below BPS_DS maxActive",
            edits=add_child(threads, "WSO2BPS", "ODESchedulerThreadPoolSize", target),
        )
        return
    edits = set_text(threads, target)
    count = threads.as_int()
    if count is None:
        yield Violation(
            threads.loc,
            f"ODESchedulerThreadPoolSize is {threads.shown()}, not a whole number, so the BPEL engine fails to start; expected a positive number below BPS_DS maxActive",
            edits=edits,
        )
    elif count < 0:
        yield Violation(
            threads.loc,
            f'ODESchedulerThreadPoolSize is {count}: a negative pool size makes the BPEL engine fail at start-up ("Failed to activate BPEL Core bundle"); '
            "expected a positive number below BPS_DS maxActive",
            edits=edits,
        )
    elif count == 0:
        yield Violation(
            threads.loc, "ODESchedulerThreadPoolSize is 0, which means an unbounded thread pool; expected a positive number below BPS_DS maxActive", edits=edits
        )
    elif max_active is not None and count >= max_active:
        yield Violation(
            threads.loc,
            f"ODESchedulerThreadPoolSize is {count}, not below BPS_DS maxActive {max_active}; expected fewer scheduler threads than pooled connections",
            edits=edits if int(target) > 0 else (),
        )


def _humantask_threads(node: Node) -> int:
    count = node.humantask.max_threads.as_int() if node.humantask else None
    return count if count is not None and count > 0 else 50  # HumanTaskServerConfiguration: absent or <= 0 is 50


@check
def scheduler_pool_budget(node: Node, cluster: Cluster):
    if not node.bps or not node.humantask:
        return
    ode = node.bps.ode_threads.as_int()
    max_active = _bps_pool_size(node)
    if not ode or ode <= 0 or max_active is None or ode >= max_active:
        return  # ode-scheduler-threads reports those
    humantask = _humantask_threads(node)
    if ode + humantask > max_active:
        yield Violation(
            node.bps.ode_threads.loc,
            f"ODE scheduler threads ({ode}) plus HumanTask MaxThreadPoolSize ({humantask}) is {ode + humantask}, more than BPS_DS maxActive {max_active}; "
            f"expected at most {max_active} (lower ODESchedulerThreadPoolSize to {max_active - humantask} or raise maxActive)",
        )


@check
def ode_threads_per_core(node: Node, cluster: Cluster):
    # Advice ("10-15 per core, depending on your setup"), never against the pool limits: the range is cut
    # to what BPS_DS can serve next to the HumanTask threads, and nothing is said when that leaves nothing.
    if not node.bps or not node.cores:
        return
    threads = node.bps.ode_threads.as_int()
    if threads is None or threads <= 0:
        return
    low, high = 10 * node.cores, 15 * node.cores
    max_active = _bps_pool_size(node)
    if max_active is not None:
        high = min(high, max_active - 1, max_active - (_humantask_threads(node) if node.humantask else 0))
    if low > high or low <= threads <= high:
        return
    yield Violation(
        node.bps.ode_threads.loc,
        f"ODESchedulerThreadPoolSize is {threads} for {node.cores} cores; the performance guide suggests {low}-{high} (10-15 per core, within BPS_DS)",
    )


def _pools(node: Node) -> list[Datasource]:
    return [d for d in node.datasources if server(d.url.text)]


@check
def db_connection_budget(cluster: Cluster):
    if not cluster.databases:
        return
    per_node: dict[str, list[tuple[Node, list[Datasource], int]]] = defaultdict(list)
    for node in cluster.nodes:
        by_db: dict[str, list[Datasource]] = defaultdict(list)
        for pool in _pools(node):
            if pool.max_active.as_int() is not None:
                by_db[server(pool.url.text)].append(pool)
        for db, pools in by_db.items():
            per_node[db].append((node, pools, node.replicas * sum(p.max_active.as_int() for p in pools)))
    for db, nodes in per_node.items():
        limit = cluster.databases.get(db)
        total = sum(size for _, _, size in nodes)
        if limit is None or total <= limit:
            continue
        for node, pools, size in nodes:
            largest = max(pools, key=lambda p: p.max_active.as_int())
            yield Violation(
                largest.max_active.loc,
                f"the pools on {db} can open {total} connections across the cluster ({size} from {node.name}: {', '.join(p.name.text or '?' for p in pools)}), more than its max connections {limit}; expected a total of at most {limit}",
                node,
            )


def _label(role: str, pool: Datasource) -> str:
    return role if pool.name.text == role else f"{role} ({pool.name.text})"


def shared_pools(node: Node) -> dict[str, Datasource]:
    """The datasources every node must share, by what they are for. A user store that is the node's
    own local registry database is left to user-store-shared, which names the edit that fixes it."""
    pools = {"BPS_DS": node.bps_datasource, "ACTIVITI_DB": node.activiti_datasource}
    if not user_store_is_local_registry(node):
        pools["the user store"] = node.user_store_datasource
    instance = node.config_mount_instance
    if instance is not None and not node.is_local_instance(instance):
        pools["the shared registry"] = node.instance_datasource(instance)
    return {role: pool for role, pool in pools.items() if pool is not None}


def user_store_is_local_registry(node: Node) -> bool:
    store = node.user_store_datasource
    return store is not None and store is node.local_registry_datasource


@check
def shared_db_same_url(cluster: Cluster):
    # The shared registry is compared as Carbon keys its cache (user@URL, registry-cache-id-consistent); the
    # others reach the same database whatever the host's case, the default port or the parameter order.
    pools = [
        (role, n, pool)
        for n in cluster.nodes
        for role, pool in shared_pools(n).items()
        if pool.url.present and role != "the shared registry" and "${" not in pool.url.raw  # an unknown property: not compared
    ]
    if cluster.multi_node:  # a URL naming each pod's own name or IP (PerReplica) is a database per pod, whatever the others say
        for n in cluster.nodes:
            for role, pool in shared_pools(n).items():
                if role != "the shared registry" and isinstance(pool.url, PerReplica):
                    yield Violation(
                        pool.url.loc,
                        f"{_label(role, pool)} URL on {n.name} is '{redact(pool.url.text)}', whose system property each pod sets to its own name or IP, "
                        "so every pod reaches a database of its own; expected the same database on every node",
                        n,
                    )
    by_key = {(role, n.name): pool for role, n, pool in pools}
    databases = [_same_database(pool.url.text, cluster) for _, _, pool in pools]  # once each, not again per deviation
    urls = ((role, n, Value(database, pool.url.loc)) for (role, n, pool), database in zip(pools, databases))
    for role, node, _, majority in deviations_by_group(urls, key=lambda v: v.raw):
        pool = by_key[(role, node.name)]
        other = next(p.url.text for (r, n, p), database in zip(pools, databases) if r == role and database == majority)
        part = differing_part(pool.url.text, other) or "URL"
        named = _user_store_reference(cluster, node) if role == "the user store" else None
        if named is not None:  # user-mgt.xml points at another datasource than the other nodes': edit the reference
            yield Violation(
                named.loc,
                f"user-mgt.xml dataSource on {node.name} is '{named.text}' ({pool.name.text}, '{redact(pool.url.text)}'), but the other nodes' user store "
                f"is '{redact(other)}' (the {part} {'differ' if part.endswith('s') else 'differs'}); expected the dataSource of the shared user database",
                node,
            )
            continue
        hint = ""
        if part == "host" and len({is_ip(url_parts(u)[1]) for u in (pool.url.text, other)}) == 2:
            hint = " (if the name and the address are one server, map the name to the address under [hosts] in bps-lint.toml)"
        yield Violation(
            pool.url.loc,
            f"{_label(role, pool)} URL on {node.name} is '{redact(pool.url.text)}', but the other nodes use '{redact(other)}' (the {part} {'differ' if part.endswith('s') else 'differs'}); "
            f"expected the same database on every node{hint}",
            node,
        )


def _user_store_reference(cluster: Cluster, node: Node) -> Value | None:
    """user-mgt.xml's dataSource when it names another JNDI name than most nodes use, else None."""
    names = [n.user_mgt.data_source.text for n in cluster.nodes if n.user_mgt]
    mine = node.user_mgt.data_source
    majority = max(set(names), key=names.count) if names else None
    return mine if majority is not None and mine.text != majority else None


def _same_database(url: str, cluster: Cluster) -> str:
    """What identifies the database a URL reaches: its normalised parts, the host as bps-lint.toml's [hosts] maps it."""
    parts = url_parts(url)
    if not parts:  # a URL bps-lint cannot cut: as written, but credentials do not name another database
        return redact(url.strip())
    prefix, host, *rest = parts
    return "|".join((prefix, host_address(host, cluster).lower(), *rest))


@check
def shared_db_embedded(node: Node, cluster: Cluster):
    if not cluster.multi_node:
        return
    for role, pool in shared_pools(node).items():
        if is_embedded(pool.url.text):
            yield Violation(
                pool.url.loc,
                f"{_label(role, pool)} uses the embedded database '{redact(pool.url.text)}', which each node keeps to itself; "
                "expected a shared external RDBMS (change url and driverClassName together)",
            )


def _machines(cluster: Cluster) -> set[str]:
    """The machines the nodes are known to run on; a localMemberHost counts where clustering is off too (see ``machine``)."""
    return {machine(n, member_host_when_clustering_off=True) for n in cluster.nodes} - {None}


@check
def shared_db_localhost(node: Node, cluster: Cluster):
    # "localhost" reaches a different server from every machine; only nodes on one machine may share it.
    if not cluster.multi_node:
        return
    on_loopback = []
    for role, pool in shared_pools(node).items():
        parts = url_parts(pool.url.text)
        if parts and is_loopback(parts[1]):
            on_loopback.append((role, pool, parts[1]))
    if not on_loopback or len(_machines(cluster)) < 2:  # the machines only when it matters: a scan of every node
        return
    for role, pool, host in on_loopback:
        yield Violation(
            pool.url.loc,
            f"{_label(role, pool)} URL '{redact(pool.url.text)}' names {host}, which on each of the cluster's machines is that machine itself, "
            "so every node reaches a database of its own; expected the database server's network name, the same on every node",
        )


@check
def user_store_shared(node: Node, cluster: Cluster):
    if not cluster.multi_node or not user_store_is_local_registry(node):
        return
    yield Violation(
        node.user_mgt.data_source.loc,
        f"user-mgt.xml dataSource '{node.user_mgt.data_source.text}' is also this node's local registry database (currentDBConfig), which must stay per node, "
        "so users and roles are not shared; expected a separate datasource for the shared user database (e.g. WSO2_USER_DB, jdbc/WSO2UserDB) named here",
    )


@check
def local_registry_per_node(cluster: Cluster):
    pools = {n.name: n.local_registry_datasource for n in cluster.nodes}
    # a URL naming each pod's own database (bps_local_${POD_NAME}, the property from the pod's name) is no pod's but its own
    held = (
        (pools[n.name].url.text, n)
        for n in cluster.nodes
        if pools[n.name] and pools[n.name].url.present and not is_embedded(pools[n.name].url.text) and not isinstance(pools[n.name].url, PerReplica)
    )
    for url, nodes, names in shared_by_several(held):
        shared = names if len(nodes) > 1 else f"the {nodes[0].replicas} replicas of {nodes[0].name}"
        for node in nodes:
            yield Violation(
                pools[node.name].url.loc,
                f"the local registry database '{redact(url)}' (currentDBConfig) is shared by {shared}; expected a separate local registry database per node",
                node,
            )


@check
def jndi_reference(node: Node, cluster: Cluster):
    if node.unread("datasources/"):
        return  # the names it would define are unknown; its own finding says why
    defined = {d.jndi_name.text for d in node.datasources if d.jndi_name.text}
    references = []
    if node.bps:
        references.append(("bps.xml DataSource", node.bps.data_source))
    if node.humantask:
        references.append(("humantask.xml DataSource", node.humantask.data_source))
    if node.activiti:
        references.append(("activiti.xml dataSourceJndiName", node.activiti.data_source_jndi))
    if node.user_mgt:
        references.append(("user-mgt.xml dataSource", node.user_mgt.data_source))
    if node.registry:
        for config in node.registry.db_configs:
            references.append((f"registry.xml dbConfig '{config.name}' dataSource", config.data_source))
    known = None
    for what, value in references:
        if value.present and value.text not in defined:
            known = known or listing(sorted(defined))
            yield Violation(
                value.loc, f"{what} '{value.text}' names no datasource defined in {node.conf_dir}/datasources (JNDI names: {known}); expected one of them"
            )
    if node.bps and node.humantask and node.bps.data_source.text and node.humantask.data_source.text:
        if node.bps.data_source.text != node.humantask.data_source.text:
            yield Violation(
                node.humantask.data_source.loc,
                f"humantask.xml DataSource '{node.humantask.data_source.text}' differs from bps.xml DataSource '{node.bps.data_source.text}'; expected both to use BPS_DS",
            )


# The driver class a fix writes when no datasource of the cluster shows which one its JAR provides.
DRIVER_CLASSES = {
    "mysql": "com.mysql.jdbc.Driver",
    "mariadb": "org.mariadb.jdbc.Driver",
    "postgresql": "org.postgresql.Driver",
    "oracle": "oracle.jdbc.OracleDriver",
    "sqlserver": "com.microsoft.sqlserver.jdbc.SQLServerDriver",
    "db2": "com.ibm.db2.jcc.DB2Driver",
    "h2": "org.h2.Driver",
}


def _driver_in_use(cluster: Cluster, db: str) -> str | None:
    """The driver class another datasource of the cluster uses for a ``db`` URL (its JAR is then installed)."""
    for other in cluster.nodes:
        for pool in other.datasources:
            driver = pool.driver.text
            if kind(pool.url.text) == db and driver and driver.startswith(DRIVER_PREFIXES[db]):
                return driver
    return DRIVER_CLASSES.get(db)


def _a(word: str) -> str:
    """``word`` with its indefinite article, as it is read aloud (an oracle, an h2, a mysql)."""
    return f"{'an' if word[:1] in 'aeiouh' else 'a'} {word}"


@check
def driver_matches_url(node: Node, cluster: Cluster):
    for pool in node.datasources:
        db = kind(pool.url.text)
        driver = pool.driver.text
        if not db or not driver or db not in DRIVER_PREFIXES:
            continue
        if not driver.startswith(DRIVER_PREFIXES[db]):
            replacement = _driver_in_use(cluster, db)
            yield Violation(
                pool.driver.loc,
                f"datasource {pool.name.text} has driver '{driver}' but its URL is {_a(db)} URL; expected {_a(db)} driver ({DRIVER_PREFIXES[db][0]}...)",
                edits=set_text(pool.driver, replacement) if replacement else (),
            )


@check
def shared_pool_validation(node: Node, cluster: Cluster):
    for role, pool in shared_pools(node).items():
        if is_embedded(pool.url.text):
            continue
        if not pool.test_on_borrow.is_true():
            yield Violation(
                pool.test_on_borrow.loc,
                f"{_label(role, pool)} testOnBorrow is {pool.test_on_borrow.shown()}; expected true so that dead connections are not handed out",
                edits=_set_or_add(pool.test_on_borrow, "testOnBorrow", "true"),
            )
        if pool.validation_query.is_blank:
            query = validation_query(pool.url.text)
            yield Violation(
                pool.validation_query.loc,
                f"{_label(role, pool)} has no validationQuery; expected one such as 'SELECT 1'",
                edits=_set_or_add(pool.validation_query, "validationQuery", query) if query else (),
            )


# The cheapest statement each database answers (Tomcat JDBC pool runs it to test a connection), by jdbc.kind.
VALIDATION_QUERIES = {
    "oracle": "SELECT 1 FROM DUAL",
    "db2": "SELECT 1 FROM SYSIBM.SYSDUMMY1",
    "derby": "VALUES 1",
    "hsqldb": "SELECT 1 FROM INFORMATION_SCHEMA.SYSTEM_USERS",
    "mysql": "SELECT 1",
    "mariadb": "SELECT 1",
    "postgresql": "SELECT 1",
    "sqlserver": "SELECT 1",
    "jtds": "SELECT 1",  # jTDS's other databases (jdbc:jtds:sybase:); its SQL Server URLs are kind sqlserver
    "h2": "SELECT 1",
}


def validation_query(url: str | None) -> str | None:
    """The validation query for the database at ``url``; None for a vendor not known here (a choice then)."""
    return VALIDATION_QUERIES.get(kind(url))


def _set_or_add(value: Value, element: str, new: str) -> tuple:
    """Set a pool setting written in the file, or add it to the pool's <configuration>."""
    return set_text(value, new) if value.present else add_child(value, "configuration", element, new)
