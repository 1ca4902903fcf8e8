"""One reader per configuration file: parsed XML in, typed model out."""

from __future__ import annotations

import re

from linter.model.types import (
    Activiti,
    BpsConfig,
    Carbon,
    Clustering,
    Coordination,
    Datasource,
    DbConfig,
    DeploymentSynchronizer,
    HumanTask,
    JvmFlag,
    Member,
    Mount,
    Parameter,
    Records,
    Registry,
    RemoteInstance,
    StartScript,
    Tasks,
    Tomcat,
    UserMgt,
    Value,
)
from linter.model.xmlread import Password, Reader, _new, child, children, descend
from linter.parse.location import Loc
from linter.parse import suppressions
from linter.parse.xmlfile import FileProblem, ParsedXml, read_bytes


# Model fields read at a path below an element (Reader.fields): field -> path, in the order they are read.
DATASOURCE = {
    "password": Password("password"),
    "driver": "driverClassName",
    "default_auto_commit": "defaultAutoCommit",
    "max_active": "maxActive",
    "test_on_borrow": "testOnBorrow",
    "validation_query": "validationQuery",
}
REGISTRY = {"current_db_config": "currentDBConfig", "read_only": "readOnly"}
REMOTE_INSTANCE = {
    "id": "id",
    "db_config": "dbConfig",
    "read_only": "readOnly",
    "cache_id": "cacheId",
    "remote_user": "username",
    "remote_password": Password("password"),
}
TASKS = {"mode": "taskServerMode", "count": "taskServerCount", "remote_password": Password("remoteServerPassword")}
BPS = {"ode_threads": "ODESchedulerThreadPoolSize", "use_distributed_lock": "UseDistributedLock", "node_id": "NodeId"}
HUMANTASK = {
    "data_source": "PersistenceConfig/DataSource",
    "max_threads": "SchedulerConfig/MaxThreadPoolSize",
    "coordination_enabled": "HumanTaskCoordination/TaskCoordinationEnabled",
    "load_balancer_url": "HumanTaskCoordination/ClusteredTaskEngines/LoadBalancerURL",
    "registration_password": Password("HumanTaskCoordination/RegistrationServiceAuthentication/Password"),
    "cleanup_cron": "TaskCleanupConfig/cronExpression",
    "cleanup_statuses": "TaskCleanupConfig/statuses",
}
COORDINATION = {"coordination_enabled": "TaskCoordinationEnabled", "load_balancer_url": "ClusteredTaskEngines/LoadBalancerURL"}
CARBON = {"host_name": "HostName", "mgt_host_name": "MgtHostName", "port_offset": "Ports/Offset"}
# The ports service endpoints are given behind a load balancer (AbstractTransportListener.genEpr)
WORKER_PROXY_PORTS = {"worker_http_proxy_port": "Ports/WorkerHttpProxyPort", "worker_https_proxy_port": "Ports/WorkerHttpsProxyPort"}
DEPSYNC = {"enabled": "Enabled", "auto_commit": "AutoCommit", "auto_checkout": "AutoCheckout", "repository_type": "RepositoryType", "svn_url": "SvnUrl"}
ADMIN_USER = {"admin_user": "AdminUser/UserName", "admin_password": Password("AdminUser/Password")}


def datasources(parsed: ParsedXml) -> list[Datasource]:
    r = Reader(parsed)
    container = child(parsed.root, "datasources")
    result = []
    for ds in children(container, "datasource") if container is not None else []:
        definition = child(ds, "definition")
        config = child(definition, "configuration") if definition is not None else None
        base = config if config is not None else (definition if definition is not None else ds)
        url = r.text(base, "url")
        username = r.text(base, "username")
        props = child(config, "dataSourceProps") if config is not None else None
        if props is not None:  # dataSourceClassName style: url/user live in <property name=...>
            for p in children(props, "property"):
                if p.get("name") == "url" and not url.present:
                    url = r.value(p.text or "", p)
                elif p.get("name") == "user" and not username.present:
                    username = r.value(p.text or "", p)
        result.append(
            Datasource(
                file=parsed.path,
                loc=r.loc(ds),
                name=r.text(ds, "name"),
                jndi_name=r.text(ds, "jndiConfig", "name"),
                url=url,
                username=username,
                **r.fields(base, DATASOURCE),
            )
        )
    return result


def registry(parsed: ParsedXml) -> Registry:
    r = Reader(parsed)
    root = parsed.root
    return Registry(
        loc=r.loc(root),
        **r.fields(root, REGISTRY),
        db_configs=Records(DbConfig(c.get("name") or "", r.loc(c), r.text(c, "dataSource")) for c in children(root, "dbConfig")),
        remote_instances=Records(RemoteInstance(loc=r.loc(i), url=r.attr(i, "url"), **r.fields(i, REMOTE_INSTANCE)) for i in children(root, "remoteInstance")),
        mounts=tuple(
            Mount(
                loc=r.loc(m), path=r.attr(m, "path"), overwrite=r.attr(m, "overwrite"), instance_id=r.text(m, "instanceId"), target_path=r.text(m, "targetPath")
            )
            for m in children(root, "mount")
        ),
    )


def clustering(parsed: ParsedXml) -> Clustering:
    r = Reader(parsed)
    element = child(parsed.root, "clustering")
    anchor = element if element is not None else parsed.root
    members_el = child(element, "members") if element is not None else None
    members = (
        tuple(Member(r.loc(m), r.text(m, "hostName", place="member"), r.text(m, "port", place="member")) for m in children(members_el, "member"))
        if members_el is not None
        else ()
    )
    elements = children(element, "parameter") if element is not None else []
    parameters = tuple(Parameter(p.get("name") or "", r.value(p.text or "", p, "parameter")) for p in elements)
    first_by_name: dict[str, Value] = {}
    for item in parameters:
        first_by_name.setdefault(item.name, item.value)

    def parameter(name: str) -> Value:
        """``<parameter name="...">`` of <clustering>, as Carbon reads it (the first of that name): the
        same Value as in ``parameters``, so a placeholder in it is reported once."""
        return first_by_name.get(name) or Value(None, r.loc(anchor))

    return Clustering(
        loc=r.loc(anchor),
        enabled=r.attr(element, "enable") if element is not None else Value(None, r.loc(anchor)),
        agent_class=r.attr(element, "class") if element is not None else Value(None, r.loc(anchor)),
        membership_scheme=parameter("membershipScheme"),
        scheme_class_name=parameter("membershipSchemeClassName"),
        domain=parameter("domain"),
        local_member_host=parameter("localMemberHost"),
        local_member_port=parameter("localMemberPort"),
        members=members,
        parameters=parameters,
        members_loc=r.loc(members_el if members_el is not None else anchor),
    )


def _fields_of_root(record: type, table: dict[str, str]):
    """The reader of a file whose model is ``record``: the root's location and the fields of ``table``."""

    def read(parsed: ParsedXml):
        r = Reader(parsed)
        return record(loc=r.loc(parsed.root), **r.fields(parsed.root, table))

    return read


tasks = _fields_of_root(Tasks, TASKS)
humantask = _fields_of_root(HumanTask, HUMANTASK)
coordination = _fields_of_root(Coordination, COORDINATION)  # b4p-coordination-config.xml


def bps(parsed: ParsedXml) -> BpsConfig:
    r = Reader(parsed)
    root = parsed.root
    source, deepest = descend(root, "DataBaseConfig", "DataSource")
    http, http_deepest = descend(root, "MultithreadedHttpConnectionManagerConfig")
    http = http if http is not None else http_deepest

    def http_setting(name: str) -> Value:
        found = child(http, name)
        return r.attr(found, "value") if found is not None else Value(None, r.loc(http))

    return BpsConfig(
        loc=r.loc(root),
        data_source=r.attr(source, "name") if source is not None else Value(None, r.loc(deepest)),
        **r.fields(root, BPS),
        http_max_per_host=http_setting("maxConnectionsPerHost"),
        http_max_total=http_setting("maxTotalConnections"),
    )


def tomcat(parsed: ParsedXml) -> Tomcat:
    r = Reader(parsed)
    service = child(parsed.root, "Service")
    connectors = children(service, "Connector") if service is not None else []
    # Tomcat's own tests: a connector is the HTTPS one with SSLEnabled="true" (or scheme="https", secure="true")
    https = tuple(any((c.get(a) or "").strip().lower() == v for a, v in (("SSLEnabled", "true"), ("scheme", "https"), ("secure", "true"))) for c in connectors)
    return Tomcat(loc=r.loc(service), proxy_ports=tuple(r.attr(c, "proxyPort") for c in connectors), https=https)


def activiti(parsed: ParsedXml) -> Activiti:
    r = Reader(parsed)
    root = parsed.root
    for bean in children(root, "bean"):
        if bean.get("id") == "processEngineConfiguration":
            for prop in children(bean, "property"):
                if prop.get("name") == "dataSourceJndiName":
                    return Activiti(r.loc(root), r.attr(prop, "value"))
            return Activiti(r.loc(root), Value(None, r.loc(bean)))
    return Activiti(r.loc(root), Value(None, r.loc(root)))


def carbon(parsed: ParsedXml) -> Carbon:
    r = Reader(parsed)
    root = parsed.root
    sync = child(root, "DeploymentSynchronizer")
    anchor = sync if sync is not None else root
    absent = Value(None, r.loc(root))
    return Carbon(
        loc=r.loc(root),
        **r.fields(root, CARBON),
        **r.fields(root, WORKER_PROXY_PORTS),
        depsync=DeploymentSynchronizer(
            loc=r.loc(anchor),
            **(r.fields(sync, DEPSYNC) if sync is not None else dict.fromkeys(DEPSYNC, absent)),
            svn_password=r.secret(anchor, "SvnPassword"),
        ),
    )


def user_mgt(parsed: ParsedXml) -> UserMgt:
    r = Reader(parsed)
    config, deepest = descend(parsed.root, "Realm", "Configuration")
    anchor = config if config is not None else deepest
    data_source = Value(None, r.loc(anchor))
    for prop in children(anchor, "Property"):
        if prop.get("name") == "dataSource":
            data_source = r.value(prop.text or "", prop)
    return UserMgt(loc=r.loc(parsed.root), data_source=data_source, **r.fields(anchor, ADMIN_USER))


# Quoted values stop at the end of the line, as the shell's would for one flag. The pattern starts
# with a literal "-" so the regex engine can skip ahead; the "not after a word character" test is
# done by hand (a lookbehind would be tried at every offset of the script).
_FLAG = re.compile(r"-D[\w.\-]+(?:=(?:\"[^\"\n]*\"|'[^'\n]*'|\S+))?|-XX:[+\-]?\w+(?:=\S+)?")
_OPENS = ("if", "case")
_CLOSES = ("fi", "esac")
_BLOCK_LINE = re.compile(r"\n[ \t]*(?:if|case|fi|esac)\b[^\n]*")  # matched in "\n" + text


def _block_depth_changes(text: str) -> list[tuple[int, int]]:
    """(offset, +1/-1) where an if/case block opens (from the next line on) or closes (from its line)."""
    changes = []
    for match in _BLOCK_LINE.finditer("\n" + text):
        stripped = match.group().strip()
        first = stripped.split(None, 1)[0].rstrip(";")
        if first in _CLOSES:
            changes.append((match.start(), -1))  # the line's start in text
        elif first in _OPENS and not stripped.endswith(("fi", "esac")):
            changes.append((match.end() - 1, +1))  # the line's end in text
    return changes


def _scan_flags(text: str) -> tuple[tuple[str, int, int, bool], ...]:
    """(flag, line, column, conditional) of every -D and -XX flag outside comments.

    Flags and block keywords are found by regex over the whole text, not line by line: the stock
    script has ~320 lines and only a tenth of them matter."""
    changes = _block_depth_changes(text)
    depth, next_change = 0, 0
    flags = []
    # The current line's start, end, number and whether it is a comment: found once per line, so a
    # line holding thousands of flags costs one pass, not one per flag.
    line_start, line_end, number, comment = 0, -1, 0, False
    for match in _FLAG.finditer(text):
        at = match.start()
        if at and (text[at - 1].isalnum() or text[at - 1] in "_$"):
            continue  # part of a word or a $-D expansion, not a flag
        while next_change < len(changes) and changes[next_change][0] <= at:
            depth = max(0, depth + changes[next_change][1])
            next_change += 1
        if at > line_end:
            line_start = text.rfind("\n", 0, at) + 1
            number += text.count("\n", max(line_end, 0), line_start) + (line_end < 0)
            line_end = text.find("\n", at)
            line_end = len(text) if line_end < 0 else line_end
            comment = _is_comment(text, line_start)
        if comment:
            continue  # a commented-out flag
        flags.append((match.group().rstrip("\\").rstrip('"'), number, at - line_start + 1, depth > 0))
    return tuple(flags)


def _is_comment(text: str, line_start: int) -> bool:
    """Whether the line starting at ``line_start`` begins with '#' after blanks."""
    at = line_start
    while at < len(text) and text[at] in " \t":
        at += 1
    return text.startswith("#", at)


# The stock script passes about 30; each kept flag costs a few hundred bytes.
MAX_FLAGS = 100_000
# Every node of a fleet usually runs the same start script: scan each distinct text once per process.
_SCANNED: dict[bytes, tuple[tuple[str, int, int, bool], ...]] = {}
_SCANNED_LIMIT = 64


def start_script(path: str) -> tuple[StartScript | None, FileProblem | None, list]:
    """The -D and -XX flags of wso2server.sh with their lines (flags inside if/case blocks are
    conditional), a problem if it cannot be read, and its inline suppressions."""
    data, problem = read_bytes(path)
    if problem:
        return None, problem, []
    return start_script_bytes(path, data)


def start_script_bytes(path: str, data: bytes) -> tuple[StartScript | None, FileProblem | None, list]:
    """``start_script`` of text already read (a stock script, a rendered template), shown as ``path``."""
    if b"\x00" in data[:4096]:
        return None, FileProblem("unparseable", "start script is binary, not a shell script", Loc(path, 1, 1)), []
    flags = data.count(b"-D") + data.count(b"-XX:")  # an upper bound, counted before any is kept
    if flags > MAX_FLAGS:
        return (
            None,
            FileProblem("unreadable", f"start script has about {flags:,} flags, more than the {MAX_FLAGS:,} flag budget; it is not checked", Loc(path)),
            [],
        )
    text = data.decode("utf-8", errors="replace")
    scanned = _SCANNED.get(data)
    if scanned is None:
        if len(_SCANNED) >= _SCANNED_LIMIT:
            _SCANNED.clear()
        scanned = _SCANNED[data] = _scan_flags(text)
    # tuple.__new__: the named tuples' own __new__ is a Python call, built for each of a script's flags (29 in the stock one) on every node
    flags = tuple([_new(JvmFlag, (flag, _new(Loc, (path, line, column, None)), conditional)) for flag, line, column, conditional in scanned])
    return StartScript(Loc(path), flags), None, suppressions.from_shell(path, text)
