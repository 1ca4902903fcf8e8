"""Build one Node from its files, and a Cluster from its nodes."""

from __future__ import annotations

import os
from typing import NamedTuple

from linter.discover.layout import DATASOURCE_DIR, HAZELCAST_CONFIGS, OPTIONAL_FILES, REQUIRED_FILES
from linter.discover.walk import ClusterSource, NodeSource
from linter.model import files as readers
from linter.model.types import Cluster, ConfFile, Node, Value
from linter.parse.suppressions import Suppression
from linter.parse.location import Loc
from linter.parse.xmlfile import FileProblem, ParsedXml, parse_xml


class BuiltNode(NamedTuple):
    """A node model plus the problems met while reading its files and their inline suppressions."""

    node: Node
    problems: list[FileProblem]
    suppressions: list[Suppression]


class BuiltCluster(NamedTuple):
    cluster: Cluster
    problems: list[tuple[Node, FileProblem]]
    suppressions: list[tuple[Node, Suppression]]


def _datasource_files(conf_dir: str) -> list[str]:
    """The node's datasource files, relative to its conf folder."""
    try:
        with os.scandir(os.path.join(conf_dir, DATASOURCE_DIR)) as entries:
            return sorted(f"{DATASOURCE_DIR}/{e.name}" for e in entries if e.name.endswith(".xml"))
    except OSError:
        return []


def build_node(source: NodeSource, cluster_name: str) -> BuiltNode:
    problems: list[FileProblem] = []
    found_suppressions: list[Suppression] = []
    files: list[ConfFile] = []
    parsed: dict[str, ParsedXml] = {}

    def use(rel: str, required: bool) -> ParsedXml | None:
        path = os.path.join(source.conf_dir, rel)
        result = parse_xml(path)
        if result.problem and result.problem.kind == "missing":
            if required:
                files.append(ConfFile(rel, path, "missing"))
                problems.append(FileProblem("missing", f"{rel} is missing; expected it at {path}", Loc(source.path)))
            return None
        if result.problem:
            files.append(ConfFile(rel, path, result.problem.kind))
            problems.append(result.problem)
            return None
        files.append(ConfFile(rel, path, "ok"))
        parsed[rel] = result
        found_suppressions.extend(result.suppressions)
        return result

    for rel in REQUIRED_FILES:
        if not rel.startswith(DATASOURCE_DIR + "/"):
            use(rel, required=True)
    for rel in OPTIONAL_FILES:
        use(rel, required=False)
    datasources = []
    for rel in REQUIRED_FILES:
        if rel.startswith(DATASOURCE_DIR + "/"):
            result = use(rel, required=True)
            if result:
                datasources.extend(readers.datasources(result))
    for rel in _datasource_files(source.conf_dir):
        if rel not in REQUIRED_FILES:
            result = use(rel, required=False)
            if result:
                datasources.extend(readers.datasources(result))

    script = None
    if source.start_script:
        script, script_problem, script_suppressions = readers.start_script(source.start_script)
        found_suppressions.extend(script_suppressions)
        if script_problem:
            problems.append(script_problem)

    def model(rel, reader):
        return reader(parsed[rel]) if rel in parsed else None

    node = Node(
        cluster=cluster_name,
        name=source.name,
        path=source.path,
        conf_dir=source.conf_dir,
        layout=source.layout,
        replicas=source.settings.replicas,
        cores=source.settings.cores,
        files=tuple(files),
        datasources=tuple(datasources),
        registry=model("registry.xml", readers.registry),
        clustering=model("axis2/axis2.xml", readers.clustering),
        tasks=model("etc/tasks-config.xml", readers.tasks),
        bps=model("bps.xml", readers.bps),
        humantask=model("humantask.xml", readers.humantask),
        activiti=model("activiti.xml", readers.activiti),
        carbon=model("carbon.xml", readers.carbon),
        user_mgt=model("user-mgt.xml", readers.user_mgt),
        start_script=script,
        coordination=model("b4p-coordination-config.xml", readers.coordination),
        tomcat=model("tomcat/catalina-server.xml", readers.tomcat),
        hazelcast_config=_hazelcast_config(source.conf_dir, script),
        host=source.settings.host,
        placeholders=_placeholders(parsed),
    )
    return BuiltNode(node, problems, found_suppressions)


def _hazelcast_config(conf_dir: str, script) -> str | None:
    """The Hazelcast configuration file Carbon would load instead of axis2.xml's settings, if any."""
    flag = script.flag("-Dhazelcast.config") if script else None
    if flag and not flag.conditional:
        return flag.text.partition("=")[2].strip("\"'") or None
    for rel in HAZELCAST_CONFIGS:
        path = os.path.join(conf_dir, rel)
        if os.path.isfile(path):
            return path
    return None


def _placeholders(parsed: dict[str, ParsedXml]) -> tuple[Value, ...]:
    """Values read from the node's files that hold a ${...}, one per place (a setting that two
    readers look at is still one finding)."""
    found: dict[tuple, Value] = {}
    for result in parsed.values():
        for value in result.placeholders:
            found.setdefault((value.loc.path, value.loc.line, value.loc.column, value.raw), value)
    return tuple(found.values())


def build_cluster(source: ClusterSource) -> BuiltCluster:
    built = [build_node(n, source.name) for n in source.nodes]
    return BuiltCluster(
        cluster=Cluster(
            name=source.name,
            path=source.path,
            nodes=tuple(b.node for b in built),
            databases=dict(source.databases),
            hosts=dict(source.hosts),
            artifact_sharing=source.artifact_sharing,
            properties=source.properties,
        ),
        problems=[(b.node, p) for b in built for p in b.problems],
        suppressions=[(b.node, s) for b in built for s in b.suppressions],
    )
