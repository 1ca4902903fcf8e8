"""The cluster model. Every value carries where it came from; passwords are never kept.

Named tuples, not frozen dataclasses: read-only all the same, but a run builds tens of thousands of
Values and a dataclass costs more to define at import and to create than the whole parse of a node.
"""

from __future__ import annotations

import re

from linter.parse.location import Loc
from linter.records import Record


_JAVA_TRIMMED = "".join(map(chr, range(0x21)))  # what String.trim() removes
_JAVA_INT = re.compile(r"[+-]?\d+")  # \d: any Unicode decimal digit, as Character.digit accepts them


class Records(tuple):
    """A tuple of model records that also finds the first one with a given key in constant time: checks
    look records up once per mount or reference, and a scan each time made a hostile file quadratic."""

    def first(self, key, wanted):
        indexes = self.__dict__.setdefault("indexes", {})
        index = indexes.get(key)
        if index is None:
            index = indexes[key] = {}
            for item in self:
                index.setdefault(key(item), item)
        return index.get(wanted)


def first(records, key, wanted):
    """The first of ``records`` whose ``key`` is ``wanted`` (a plain tuple is scanned)."""
    if isinstance(records, Records):
        return records.first(key, wanted)
    return next((r for r in records if key(r) == wanted), None)


def _name(record):
    return record.name


def _id_text(record):
    return record.id.text


def _jndi_text(record):
    return record.jndi_name.text


class Value(Record):
    """A setting read from a file. ``raw`` is None when the element is absent; ``loc`` is then its parent's."""

    raw: str | None
    loc: Loc

    @property
    def present(self) -> bool:
        return self.raw is not None

    @property
    def text(self) -> str | None:
        return None if self.raw is None else self.raw.strip()

    @property
    def is_blank(self) -> bool:
        return not self.text

    def is_true(self) -> bool:
        return (self.text or "").lower() == "true"

    def as_int(self) -> int | None:
        """The number Carbon reads: Java's Integer.parseInt after String.trim() (no '1_0', no padding
        other than control characters and spaces, within 32 bits); None when Java would refuse it."""
        if self.raw is None:
            return None
        text = self.raw.strip(_JAVA_TRIMMED)
        if not _JAVA_INT.fullmatch(text):
            return None
        number = int(text)
        return number if -(2**31) <= number < 2**31 else None

    def shown(self) -> str:
        """The value as a message quotes it."""
        if self.raw is None:
            return "not set"
        return f"'{self.raw}'" if self.raw != self.text or not self.text else f"'{self.text}'"


class PerReplica(Value):
    """A value holding a system property that each replica sets to its own pod's name or IP (a container's
    JAVA_OPTS from the downward API): different on every replica, and from every other pod's, whatever its text."""

    __slots__ = ()


class Secret(Record):
    """What we know of a password without keeping it: absent, empty, plaintext, a Secure Vault alias, or a
    ${placeholder} (the name of the system property that holds it is in Node.secret_properties)."""

    state: str
    loc: Loc
    alias: str | None = None
    is_default: bool = False  # one of the well-known defaults (admin, root, wso2carbon, ...)


class Datasource(Record):
    file: str
    loc: Loc
    name: Value
    jndi_name: Value
    url: Value
    username: Value
    password: Secret
    driver: Value
    default_auto_commit: Value
    max_active: Value
    test_on_borrow: Value
    validation_query: Value


class DbConfig(Record):
    name: str
    loc: Loc
    data_source: Value


class RemoteInstance(Record):
    loc: Loc
    url: Value
    id: Value
    db_config: Value
    read_only: Value
    cache_id: Value
    remote_user: Value  # <username> and <password> make it a WS remote registry instead of a JDBC mount
    remote_password: Secret


class Mount(Record):
    loc: Loc
    path: Value
    overwrite: Value
    instance_id: Value
    target_path: Value


class Registry(Record):
    loc: Loc
    current_db_config: Value
    read_only: Value
    db_configs: tuple[DbConfig, ...]
    remote_instances: tuple[RemoteInstance, ...]
    mounts: tuple[Mount, ...]

    def db_config(self, name: str | None) -> DbConfig | None:
        return first(self.db_configs, _name, name)

    def instance(self, instance_id: str | None) -> RemoteInstance | None:
        return first(self.remote_instances, _id_text, instance_id)

    def mount(self, path: str) -> Mount | None:
        return next((m for m in self.mounts if (m.path.text or "").rstrip("/") == path), None)


class Member(Record):
    loc: Loc
    host: Value
    port: Value


class Parameter(Record):
    name: str
    value: Value


class Clustering(Record):
    loc: Loc
    enabled: Value
    agent_class: Value
    membership_scheme: Value
    scheme_class_name: Value
    domain: Value
    local_member_host: Value
    local_member_port: Value
    members: tuple[Member, ...]
    parameters: tuple[Parameter, ...]
    members_loc: Loc

    def param(self, name: str) -> Value | None:
        """The first ``<parameter name=...>`` of that name, as Carbon reads it; None when absent."""
        return next((p.value for p in self.parameters if p.name == name), None)

    @property
    def group_password(self) -> Value:
        """The groupPassword parameter (absent: a Value of None at <clustering>); a property, so the model output leaves it out."""
        return self.param("groupPassword") or Value(None, self.loc)


class Tasks(Record):
    loc: Loc
    mode: Value
    count: Value
    remote_password: Secret


class BpsConfig(Record):
    loc: Loc
    data_source: Value
    ode_threads: Value
    use_distributed_lock: Value
    node_id: Value
    http_max_per_host: Value  # MultithreadedHttpConnectionManagerConfig/maxConnectionsPerHost/@value
    http_max_total: Value  # MultithreadedHttpConnectionManagerConfig/maxTotalConnections/@value


class HumanTask(Record):
    loc: Loc
    data_source: Value
    max_threads: Value
    coordination_enabled: Value
    load_balancer_url: Value
    registration_password: Secret
    cleanup_cron: Value  # TaskCleanupConfig/cronExpression: with statuses, HumanTask schedules its clean-up on ntask
    cleanup_statuses: Value

    @property
    def cleanup_enabled(self) -> bool:
        """HumanTaskServerConfiguration.isTaskCleanupEnabled: a cron expression and statuses (the cron's validity is not checked here)."""
        return not self.cleanup_cron.is_blank and not self.cleanup_statuses.is_blank


class Coordination(Record):
    """b4p-coordination-config.xml: HumanTask coordination as the BPEL4People extension reads it."""

    loc: Loc
    coordination_enabled: Value
    load_balancer_url: Value


class Tomcat(Record):
    """tomcat/catalina-server.xml: the proxyPort of each HTTP(S) connector, and whether it is the HTTPS one."""

    loc: Loc
    proxy_ports: tuple[Value, ...]
    https: tuple[bool, ...] = ()


class Activiti(Record):
    loc: Loc
    data_source_jndi: Value


class DeploymentSynchronizer(Record):
    loc: Loc
    enabled: Value
    auto_commit: Value
    auto_checkout: Value
    repository_type: Value
    svn_url: Value
    svn_password: Secret


class Carbon(Record):
    loc: Loc
    host_name: Value
    mgt_host_name: Value
    port_offset: Value
    depsync: DeploymentSynchronizer
    # Ports/WorkerHttp(s)ProxyPort: the port service URLs carry, before a connector's proxyPort (AbstractTransportListener.genEpr)
    worker_http_proxy_port: Value | None = None
    worker_https_proxy_port: Value | None = None


class UserMgt(Record):
    loc: Loc
    data_source: Value
    admin_user: Value
    admin_password: Secret


class JvmFlag(Record):
    text: str
    loc: Loc
    conditional: bool  # inside an if-block (e.g. only for old Java versions)

    @property
    def name(self) -> str:
        """``-Ddb.host`` of ``-Ddb.host=mysql``."""
        return self.text.partition("=")[0]

    @property
    def value(self) -> str | None:
        """What follows ``=``, without the shell's quotes; None for a flag without one (``-Dsetup``)."""
        return self.setting()[1]

    @property
    def property(self) -> str | None:
        """The system property a ``-D`` flag sets (``db.host``); None for other flags."""
        return self.setting()[0]

    def setting(self) -> tuple[str | None, str | None]:
        """``property`` and ``value`` at once, for the loops over every flag of every node."""
        name, eq, value = self.text.partition("=")
        return (name[2:] if name.startswith("-D") else None), (value.strip("\"'") if eq else None)


class StartScript(Record):
    loc: Loc
    flags: tuple[JvmFlag, ...]

    def flag(self, prefix: str, unconditional: bool = False) -> JvmFlag | None:
        """The ``prefix`` or ``prefix=...`` flag the JVM keeps: the last one given (a repeated -D or -XX flag overrides
        the earlier); with ``unconditional``, the last the script passes whatever its shell tests say."""
        with_value = prefix + "="
        for flag in reversed(self.flags):
            if (flag.text == prefix or flag.text.startswith(with_value)) and not (unconditional and flag.conditional):
                return flag
        return None


# ConfFile statuses of a file that could not be used: its values are not known (not absent)
UNREAD = ("unreadable", "unparseable", "doctype", "unresolved")


class ConfFile(Record):
    """One expected file of a node: where it is and whether it could be used."""

    name: str
    path: str
    status: str  # ok | missing | unknown (a volume not read holds it) | unreadable | unparseable | doctype | unresolved (rendered without some of its values)
    origin: str = "repository"  # repository | default (the product's stock file) | base (the manifest's base folder)


class Node(Record):
    cluster: str
    name: str
    path: str
    conf_dir: str
    layout: str
    replicas: int
    cores: int | None
    files: tuple[ConfFile, ...]
    datasources: tuple[Datasource, ...] = ()
    registry: Registry | None = None
    clustering: Clustering | None = None
    tasks: Tasks | None = None
    bps: BpsConfig | None = None
    humantask: HumanTask | None = None
    activiti: Activiti | None = None
    carbon: Carbon | None = None
    user_mgt: UserMgt | None = None
    start_script: StartScript | None = None
    coordination: Coordination | None = None
    tomcat: Tomcat | None = None
    hazelcast_config: str | None = None  # a hazelcast.xml that replaces the axis2.xml network settings
    host: str | None = None  # the machine the node runs on, from the manifest
    secret_properties: frozenset[str] = frozenset()  # system properties that hold a password (${name} in a password element)
    substitutable: frozenset = frozenset()  # locations of the placeholders Carbon substitutes (in the files' own places)
    placeholders: tuple[Value, ...] = ()  # model values holding an unresolved ${...}
    start_script_origin: str = "repository"  # or "default": the product's stock script
    product: str | None = None  # whose stock files stand in for the missing ones ("bps-3.6.0"), if known

    def unread(self, prefix: str) -> bool:
        """Whether a file whose conf-relative name starts with ``prefix`` could not be read (absent with no default,
        unreadable, malformed): what it holds is unknown, not absent."""
        return any(f.status != "ok" and f.name.startswith(prefix) for f in self.files)

    def datasource_by_jndi(self, jndi: str | None) -> Datasource | None:
        return first(self.datasources, _jndi_text, jndi) if jndi else None

    @property
    def bps_datasource(self) -> Datasource | None:
        """BPS_DS: the pool bps.xml names, else the one called BPS_DS."""
        if self.bps and self.bps.data_source.text:
            found = self.datasource_by_jndi(self.bps.data_source.text)
            if found:
                return found
        return next((d for d in self.datasources if d.name.text == "BPS_DS"), None)

    @property
    def activiti_datasource(self) -> Datasource | None:
        return self.datasource_by_jndi(self.activiti.data_source_jndi.text) if self.activiti else None

    def _db_config_datasource(self, name: str | None) -> Datasource | None:
        """The pool that registry.xml's <dbConfig name=...> uses."""
        config = self.registry.db_config(name) if self.registry else None
        return self.datasource_by_jndi(config.data_source.text) if config else None

    @property
    def local_registry_datasource(self) -> Datasource | None:
        return self._db_config_datasource(self.registry.current_db_config.text) if self.registry else None

    def instance_datasource(self, instance: RemoteInstance) -> Datasource | None:
        return self._db_config_datasource(instance.db_config.text)

    def is_local_instance(self, instance: RemoteInstance) -> bool:
        """A remoteInstance that points back at the local registry (a misconfiguration, see remote_instance_not_local)."""
        if not self.registry:
            return False
        if instance.db_config.text and instance.db_config.text == self.registry.current_db_config.text:
            return True
        pool = self.instance_datasource(instance)
        return pool is not None and pool is self.local_registry_datasource

    @property
    def config_mount_instance(self) -> RemoteInstance | None:
        if not self.registry:
            return None
        mount = self.registry.mount("/_system/config")
        return self.registry.instance(mount.instance_id.text) if mount else None

    @property
    def user_store_datasource(self) -> Datasource | None:
        return self.datasource_by_jndi(self.user_mgt.data_source.text) if self.user_mgt else None

    @property
    def clustering_enabled(self) -> bool:
        return bool(self.clustering and self.clustering.enabled.is_true())

    @property
    def role(self) -> str:
        """manager / worker / unknown, as BPEL, HumanTask and BPMN decide it: the config registry's
        RegistryContext.isReadOnly(). With /_system/config mounted that is the mounted remoteInstance's
        readOnly (lower-cased, not trimmed; absent is writable); without, the top-level readOnly
        (exactly "true"). A node with no config mount is "unknown": its config registry is private."""
        instance = self.config_mount_instance
        if instance is not None:
            return "worker" if (instance.read_only.raw or "").lower() == "true" else "manager"
        if self.registry and self.registry.read_only.raw == "true":
            return "worker"
        return "unknown"


class Cluster(Record):
    name: str
    path: str
    nodes: tuple[Node, ...]
    databases: dict[str, int]  # "host:port" -> max connections (from the manifest)
    hosts: dict[str, str] = {}  # host name -> IP address (from the manifest)
    artifact_sharing: str | None = None  # "shared-folder" or "rsync": artifacts reach the workers without the synchronizer
    properties: frozenset[str] = frozenset()  # system properties set outside the start script (manifest)
    instances: int | None = None  # sum of the nodes' replicas, counted once by the builder (checks ask per node)

    @property
    def instance_count(self) -> int:
        return self.instances if self.instances is not None else sum(n.replicas for n in self.nodes)

    @property
    def multi_node(self) -> bool:
        return self.instance_count >= 2
