"""Build one Node from its files, and a Cluster from its nodes."""

from __future__ import annotations

import os
from typing import NamedTuple

from linter.discover.layout import DATASOURCE_DIR, HAZELCAST_CONFIGS, OPTIONAL_FILES, REQUIRED_FILES
from linter.discover.walk import ClusterSource, NodeSource
from linter.model import files as readers
from linter.model.types import Cluster, ConfFile, Node, Records, Value
from linter.parse.suppressions import Suppression
from linter.parse.location import OUTSIDE, Loc, inside
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


# The model part each file yields; a file's tree is let go as soon as its part is read.
READERS = {
    "registry.xml": readers.registry,
    "axis2/axis2.xml": readers.clustering,
    "etc/tasks-config.xml": readers.tasks,
    "bps.xml": readers.bps,
    "humantask.xml": readers.humantask,
    "activiti.xml": readers.activiti,
    "carbon.xml": readers.carbon,
    "user-mgt.xml": readers.user_mgt,
    "b4p-coordination-config.xml": readers.coordination,
    "tomcat/catalina-server.xml": readers.tomcat,
}


def build_node(source: NodeSource, cluster_name: str) -> BuiltNode:
    problems: list[FileProblem] = []
    found_suppressions: list[Suppression] = []
    files: list[ConfFile] = []
    parts: dict[str, object] = {}
    datasources = []
    placeholders: list[Value] = []

    # Subfolders of the conf folder that are links out of the checked folder (the files' own links are
    # caught as they are opened).
    linked_out = {d for d in CONF_SUBFOLDERS if _leaves_root(os.path.join(source.conf_dir, d), source.root, parent_checked=True)}

    def use(rel: str, required: bool, reader) -> None:
        path = os.path.join(source.conf_dir, rel)
        if rel.partition("/")[0] in linked_out:
            result = ParsedXml(path, problem=FileProblem("unreadable", OUTSIDE, Loc(path)))
        else:
            result = parse_xml(path, source.root)
        if result.problem and result.problem.kind == "missing":
            if required:
                files.append(ConfFile(rel, path, "missing"))
                problems.append(FileProblem("missing", f"{rel} is missing; expected it at {path}", Loc(source.path)))
            return
        if result.problem:
            files.append(ConfFile(rel, path, result.problem.kind))
            problems.append(result.problem)
            return
        files.append(ConfFile(rel, path, "ok"))
        found_suppressions.extend(result.suppressions)
        if reader is readers.datasources:
            datasources.extend(reader(result))
        else:
            parts[rel] = reader(result)
        result.root = None  # the model has what it needs: the tree goes now, not when the cluster is done
        placeholders.extend(result.placeholders)

    for rel in REQUIRED_FILES:
        if not rel.startswith(DATASOURCE_DIR + "/"):
            use(rel, True, READERS[rel])
    for rel in OPTIONAL_FILES:
        use(rel, False, READERS[rel])
    for rel in REQUIRED_FILES:
        if rel.startswith(DATASOURCE_DIR + "/"):
            use(rel, True, readers.datasources)
    for rel in _datasource_files(source.conf_dir):
        if rel not in REQUIRED_FILES:
            use(rel, False, readers.datasources)

    script = None
    if source.start_script and _leaves_root(source.start_script, source.root):
        problems.append(FileProblem("unreadable", OUTSIDE, Loc(source.start_script)))
    elif source.start_script:
        script, script_problem, script_suppressions = readers.start_script(source.start_script)
        found_suppressions.extend(script_suppressions)
        if script_problem:
            problems.append(script_problem)

    node = Node(
        cluster=cluster_name,
        name=source.name,
        path=source.path,
        conf_dir=source.conf_dir,
        layout=source.layout,
        replicas=source.settings.replicas,
        cores=source.settings.cores,
        files=tuple(files),
        datasources=Records(datasources),
        registry=parts.get("registry.xml"),
        clustering=parts.get("axis2/axis2.xml"),
        tasks=parts.get("etc/tasks-config.xml"),
        bps=parts.get("bps.xml"),
        humantask=parts.get("humantask.xml"),
        activiti=parts.get("activiti.xml"),
        carbon=parts.get("carbon.xml"),
        user_mgt=parts.get("user-mgt.xml"),
        start_script=script,
        coordination=parts.get("b4p-coordination-config.xml"),
        tomcat=parts.get("tomcat/catalina-server.xml"),
        hazelcast_config=_hazelcast_config(source.conf_dir, script),
        host=source.settings.host,
        placeholders=_placeholders(placeholders),
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


CONF_SUBFOLDERS = sorted({rel.partition("/")[0] for rel in REQUIRED_FILES + OPTIONAL_FILES if "/" in rel})


def _leaves_root(path: str, root: str | None, parent_checked: bool = False) -> bool:
    """Whether ``path`` (a start script or a conf subfolder) is a symbolic link leading outside the checked folder ``root``."""
    if root is None or not (os.path.islink(path) or (not parent_checked and os.path.islink(os.path.dirname(path)))):
        return False
    return not inside(os.path.realpath(path), root)


def _placeholders(values: list[Value]) -> tuple[Value, ...]:
    """Values read from the node's files that hold a ${...}, one per place (a setting that two
    readers look at is still one finding)."""
    found: dict[tuple, Value] = {}
    for value in values:
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
            instances=sum(b.node.replicas for b in built),
        ),
        problems=[(b.node, p) for b in built for p in b.problems],
        suppressions=[(b.node, s) for b in built for s in b.suppressions],
    )
