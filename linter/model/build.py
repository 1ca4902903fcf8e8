"""Build one Node from its files, and a Cluster from its nodes."""

from __future__ import annotations

import os
import posixpath

from linter.discover.layout import DATASOURCE_DIR, HAZELCAST_CONFIGS, OPTIONAL_FILES, REQUIRED_FILES
from linter.discover.walk import ClusterSource, NodeSource
from linter.model import files as readers
from linter.model.types import Cluster, ConfFile, JvmFlag, Node, Records, StartScript, Value
from linter.parse.suppressions import Suppression
from linter.parse.location import OUTSIDE, LineIndex, Loc, inside
from linter.parse.xmlfile import FileProblem, ParsedXml, parse_xml, parse_xml_bytes, read_bytes
from linter.records import Record
from linter.sources import defaults as stock
from linter.sources.files import MappedLines, SourceFile


class BuiltNode(Record):
    """A node model plus the problems met while reading its files and their inline suppressions."""

    node: Node
    problems: list[FileProblem]
    suppressions: list[Suppression]
    notes: dict = {}  # (path, line or None) -> what a finding there adds (see ``annotate``)


class BuiltCluster(Record):
    cluster: Cluster
    problems: list[tuple[Node, FileProblem]]
    suppressions: list[tuple[Node, Suppression]]
    notes: dict = {}  # (node name, path, line or None) -> what a finding there adds


def annotate(findings: list, notes: dict) -> list:
    """Findings whose place came from a product default or a template variable, with a sentence saying so."""
    if not notes:
        return findings
    annotated = []
    for finding in findings:
        key = (finding.node, finding.loc.path)
        note = notes.get((*key, finding.loc.line)) or notes.get((*key, None))
        if note and note not in finding.message:
            finding = finding._replace(message=f"{finding.message} ({note})")
        anchor = notes.get((*key, ANCHOR))
        if anchor is not None:  # the file is inside an image or a pack: point where the user can act, the workload or the task
            at, place = anchor
            finding = finding._replace(loc=at, message=f"{finding.message} [{place.replace('{line}', str(finding.loc.line or 1))}]")
        annotated.append(finding)
    return annotated


ANCHOR = "anchor"  # a notes key: where a default file's findings are reported instead of the file itself


def files_read(cluster: Cluster) -> int:
    """The user's files read for a cluster: not the product defaults that stood in for missing ones."""
    conf = sum(1 for n in cluster.nodes for f in n.files if f.status not in ("missing", "unknown") and f.origin != "default")
    return conf + sum(1 for n in cluster.nodes if n.start_script and n.start_script_origin != "default")


NAME_THE_PRODUCT = 'if this folder holds only the files you change, name the product in bps-lint.toml (product = "bps-3.6.0", "ei-6.6.0", ...) to take the rest from its defaults'


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


def _parse_source(file: SourceFile) -> ParsedXml:
    """A conf file held in another file, parsed with every place mapped back into that file."""
    if file.problem:
        return ParsedXml(file.path, problem=FileProblem(file.problem_kind, file.problem, Loc(file.path, file.line(1))))
    result = parse_xml_bytes(file.path, file.data)
    if result.problem:
        held = file.place_in_text(result.problem.loc.line) if file.within is not None else ""
        result.problem = result.problem._replace(loc=file.loc(result.problem.loc), message=result.problem.message + held)
        return result
    result.lines = MappedLines(file, result.lines._encoding)
    result.suppressions = [s._replace(loc=file.loc(s.loc), through=file.line(s.through)) for s in result.suppressions]
    return result


def _parse_stock(path: str, product: str, rel: str, stock_trees: dict | None) -> ParsedXml:
    """A product's stock file standing in for a node's missing one, shown as ``path``. The nodes of a
    cluster share one parse of it (``stock_trees``, kept while the cluster is built, then let go with
    its other trees): it is bps-lint's own data, the same for every node, and the readers only read the
    tree (a fleet that leaves out catalina-server.xml parsed the stock one for every node)."""
    if stock_trees is None:
        return parse_xml_bytes(path, stock.data(product, rel))
    shared = stock_trees.get((product, rel))
    if shared is None:
        shared = stock_trees[(product, rel)] = parse_xml_bytes(rel, stock.data(product, rel))
    if shared.problem or shared.suppressions:
        return parse_xml_bytes(path, stock.data(product, rel))
    return ParsedXml(path, root=shared.root, lines=LineIndex(shared.lines._data, shared.lines._encoding))


def _product(source: NodeSource) -> tuple[str | None, tuple | None]:
    """The product whose stock files stand in for the node's missing ones: named, else detected; and
    carbon.xml as ``read_bytes`` returned it when it was read to tell, so that it is read only once."""
    if source.product:
        return source.product, None
    read = None
    if source.files and "carbon.xml" in source.files:
        carbon = source.files["carbon.xml"].data
    else:
        read = read_bytes(os.path.join(source.conf_dir, "carbon.xml"), source.root)
        carbon = read[0]
    # any D/conf folder has the layout "ei-profile"; only <EI_HOME>/wso2/business-process says EI without a <Version>
    return stock.detect(carbon, "ei-profile" if _is_ei_profile(source) else "bps-home"), read


def _is_ei_profile(source: NodeSource) -> bool:
    """An EI home's business-process profile (``<EI_HOME>/wso2/business-process/conf``), not any ``D/conf`` folder."""
    return source.conf_dir.replace(os.sep, "/").rstrip("/").endswith("wso2/business-process/conf")


def _hidden_by(source: NodeSource, rel: str):
    """The mount that hides the folder of ``rel`` (conf-relative, or bin/wso2server.sh) in the node, the deepest one, or None."""
    if rel == SCRIPT:
        return next((h for h in source.hidden if h.folder == "bin"), None)
    covering = [h for h in source.hidden if h.folder != "bin" and (not h.folder or rel.startswith(h.folder + "/"))]
    deepest = max(covering, key=lambda h: len(h.folder), default=None)
    if deepest is None or any(not other or rel == other or rel.startswith(other + "/") for other in deepest.unknown):
        return None
    return deepest


def _without_optional(rel: str, parts: dict) -> str | None:
    """What the server does without an optional file (a mount hid it), when that is not what the stock file gives;
    None when it falls back to the stock behaviour. ``parts``: the files read so far (the required ones)."""
    if rel == "tomcat/catalina-server.xml":
        # carbon-kernel org.wso2.carbon.tomcat ServerManager.init reads it with no fallback; TomcatBundleActivator.start
        # catches what follows and logs it, and Tomcat is never configured nor started
        return (
            "without it Carbon's Tomcat does not start ('could not locate the file catalina-server.xml', then 'Error while starting server'), "
            "so the node serves no HTTP or HTTPS: no services, no management console"
        )
    if rel == "activiti.xml":
        # carbon-business-process org.wso2.carbon.bpmn.core.ActivitiEngineBuilder.buildEngine throws a BPSFault
        return "without it the BPMN engine is not built ('Failed to create an Activiti engine. Activiti configuration file not found'), so no BPMN process runs"
    humantask = parts.get("humantask.xml")
    if rel == "b4p-coordination-config.xml" and humantask is not None and humantask.coordination_enabled.is_true():
        # carbon-business-process b4p CoordinationConfiguration: no file is "HumanTask Coordination disabled !", the stock
        # value, which is harmless unless humantask.xml turns coordination on
        return (
            "without it BPEL runs with HumanTask coordination off ('HumanTask Coordination disabled !'), "
            "while humantask.xml sets TaskCoordinationEnabled to true: the two sides do not agree"
        )
    return None


def _default_hint(source: NodeSource, rel: str, path: str, product: str) -> str:
    held = dict(source.unmounted).get(rel) if source.unmounted else None
    if held:
        return f"from the product default of {product}; {held}"
    where = source.overlay_hint.format(rel=rel) if source.overlay_hint else path
    return f"from the product default of {product}; add {where} to change it"


def _default_notes(source: NodeSource, rel: str, path: str, product: str) -> dict:
    """The notes of a product default standing in at ``path``: the sentence its findings get, and, for a source whose
    files are not the user's (a container's image, a role's pack), where they are reported instead."""
    notes = {(path, None): _default_hint(source, rel, path, product)}
    if source.default_anchor is not None:
        notes[(path, ANCHOR)] = (source.default_anchor, source.default_place.replace("{rel}", rel).replace("{path}", path))
    return notes


def build_node(source: NodeSource, cluster_name: str, properties: dict[str, str] | None = None, stock_trees: dict | None = None) -> BuiltNode:
    problems: list[FileProblem] = []
    found_suppressions: list[Suppression] = []
    files: list[ConfFile] = []
    parts: dict[str, object] = {}
    datasources = []
    placeholders: list[Value] = []
    secret_properties: set[str] = set()
    substitutable: set = set()
    notes: dict = {}
    detected, carbon_read = (None, None) if source.base else _product(source)
    # The product's files stand in for missing ones where the repository is known to hold only what it
    # changes: a named product, a manifest or template source, or an EI profile (the EI pack holds five
    # profiles; a repository keeps only the one it configures). A BPS home keeps today's "missing" findings.
    overlay = source.product or source.files is not None or _is_ei_profile(source)
    product = detected if overlay else None
    base_conf = None
    if source.base:
        from linter.discover.layout import conf_dir_of

        found = conf_dir_of(source.base)
        base_conf = found[1] if found else source.base

    # Subfolders of the conf folder that are links out of the checked folder (the files' own links are
    # caught as they are opened).
    linked_out = {d for d in CONF_SUBFOLDERS if not source.files and _leaves_root(os.path.join(source.conf_dir, d), source.root, parent_checked=True)}
    for file in (source.files or {}).values():
        notes.update({(file.path, line): note for line, note in file.notes})

    conf_prefix = os.path.join(source.conf_dir, "")  # joined once: ``rel`` is always relative

    def use(rel: str, required: bool, reader) -> None:
        path = conf_prefix + rel
        origin = "repository"
        if source.files is not None:
            file = source.files.get(rel)
            result = _parse_source(file) if file else ParsedXml(path, problem=FileProblem("missing", "no such file", Loc(path)))
        elif rel.partition("/")[0] in linked_out:
            result = ParsedXml(path, problem=FileProblem("unreadable", OUTSIDE, Loc(path)))
        elif rel == "carbon.xml" and carbon_read is not None:
            data, problem = carbon_read
            result = ParsedXml(path, problem=problem) if problem else parse_xml_bytes(path, data)
        else:
            result = parse_xml(path, source.root)
        missing = result.problem is not None and result.problem.kind == "missing"
        if missing and any(not u or rel == u or rel.startswith(u + "/") for u in source.unknown):
            files.append(ConfFile(rel, path, "unknown"))  # a volume not read holds it (rendered per pod): not checked, not missing
            return
        # a file that a mount over its folder hides is missing in the node, whatever the product ships
        hider = _hidden_by(source, rel) if missing else None
        if hider is None and missing:
            # An optional file (activiti.xml, b4p-coordination-config.xml, catalina-server.xml) that a folder holding
            # every required file leaves out is the pack's own, as the carbon.xml <Version> names the pack.
            stand_in = product or (detected if not required and not source.base else None)
            if base_conf and os.path.isfile(os.path.join(base_conf, rel)):
                result, origin = parse_xml(os.path.join(base_conf, rel)), "base"
            elif stand_in and stock.has(stand_in, rel):
                result, origin = _parse_stock(path, stand_in, rel, stock_trees), "default"
                if result.lines is not None:
                    result.lines.rendered = True  # not a file on disk: no fix edits it (its finding says which file to add)
                notes.update(_default_notes(source, rel, path, stand_in))
        if result.problem and result.problem.kind == "missing":
            if required:
                files.append(ConfFile(rel, path, "missing"))
                if hider is not None:
                    problems.append(FileProblem("missing", f"{rel} is missing; expected it at {path} ({hider.why})", hider.at))
                    return
                if product:
                    hint = f"{product} ships no stock {rel} in bps-lint; add it"
                elif source.base:
                    hint = f"the base folder {source.base} has none either"
                elif detected:
                    hint = f'if this folder holds only the files you change, add product = "{detected}" to bps-lint.toml to take the rest from its defaults'
                else:
                    hint = NAME_THE_PRODUCT
                problems.append(FileProblem("missing", f"{rel} is missing; expected it at {path} ({hint})", Loc(source.path)))
            elif hider is not None:  # an optional file a mount hides: absent in the container, whatever the image holds
                if rel in OPTIONAL_FILES:  # not a datasource file: "missing" there would make the names it defines unknown (Node.unread)
                    files.append(ConfFile(rel, path, "missing"))
                without = _without_optional(rel, parts)
                if without:
                    problems.append(FileProblem("missing", f"{rel} is missing; expected it at {path} ({hider.why}); {without}", hider.at))
            return
        if result.problem:
            files.append(ConfFile(rel, result.path, result.problem.kind, origin))
            problems.append(result.problem)
            return
        # a file rendered without values a broken vars file would give: read, but the cross-node rules wait for it
        unresolved = source.files is not None and getattr(source.files.get(rel), "values_unknown", False)
        files.append(ConfFile(rel, result.path, "unresolved" if unresolved else "ok", origin))
        found_suppressions.extend(result.suppressions)
        result.properties, result.substituted, result.per_replica = known, _substitution(rel), per_replica
        if reader is readers.datasources:
            datasources.extend(reader(result))
        else:
            parts[rel] = reader(result)
        secret_properties.update(result.secret_properties)
        substitutable.update(result.substitutable)
        result.root = None  # the model has what it needs: the tree goes now, not when the cluster is done
        placeholders.extend(result.placeholders)

    script, script_origin = None, "repository"
    script_file = (source.files or {}).get(SCRIPT)
    if script_file is not None:
        script, script_problem, script_suppressions = readers.start_script_bytes(script_file.path, script_file.data)
        if script is not None and script_file.lines:
            script = script._replace(flags=tuple(f._replace(loc=script_file.loc(f.loc)) for f in script.flags))
        found_suppressions.extend(s._replace(loc=script_file.loc(s.loc)) for s in script_suppressions)
        if script_problem:
            problems.append(script_problem._replace(loc=script_file.loc(script_problem.loc)))
    elif source.start_script and _leaves_root(source.start_script, source.root):
        problems.append(FileProblem("unreadable", OUTSIDE, Loc(source.start_script)))
    elif source.start_script:
        script, script_problem, script_suppressions = readers.start_script(source.start_script)
        found_suppressions.extend(script_suppressions)
        if script_problem:
            problems.append(script_problem)
    elif (hider := _hidden_by(source, SCRIPT)) is not None:
        path = posixpath.join(hider.path, posixpath.basename(SCRIPT))
        problems.append(FileProblem("missing", f"{SCRIPT} is missing; expected it at {path} ({hider.why})", hider.at))
    elif product and stock.has(product, SCRIPT):
        path = os.path.join(source.path, SCRIPT)
        script, _, _ = readers.start_script_bytes(path, stock.data(product, SCRIPT))
        script_origin = "default"
        notes.update(_default_notes(source, SCRIPT, path, product))

    given = tuple(JvmFlag(flag, loc, False) for flag, loc in source.jvm_options)
    if given:  # a container's JAVA_OPTS: on the command line before the script's flags, which override them
        script = script._replace(flags=given + script.flags) if script else StartScript(given[0].loc, given)

    # Carbon substitutes ${name} with the JVM's system properties: the start script's -D flags and those
    # the manifest says the JVMs get elsewhere (JAVA_OPTS). Read the script first to know them.
    known = dict(properties or {})
    per_replica: set[str] = set()  # properties each replica sets to its own pod's name or IP (see NodeSource)
    for index, flag in enumerate(script.flags if script else ()):
        if flag.conditional:
            continue
        from_java_opts = index < len(given)  # the container's flags come first
        name, value = flag.setting()
        if name and value is not None:  # the JVM keeps the last of a repeated -D flag
            per_replica.discard(name)
            if from_java_opts and name not in source.per_pod_properties:
                # JAVA_OPTS reaches java through the script's unquoted $JAVA_OPTS, which splits words and expands no
                # $ again; the kubelet expands $(NAME) in an env value only, not in what envFrom brings (kubernetes
                # #69113): a $ left in it is the text the JVM gets, the same on every replica
                known[name] = value
            elif "$" in value or "`" in value:  # a shell expansion is only known when the script runs
                known.pop(name, None)
                if from_java_opts:  # (and so a per-pod property: the branch above took the others)
                    per_replica.add(name)
            else:
                known[name] = value

    for rel in REQUIRED_FILES:
        if not rel.startswith(DATASOURCE_DIR + "/"):
            use(rel, True, READERS[rel])
    for rel in OPTIONAL_FILES:
        use(rel, False, READERS[rel])
    for rel in REQUIRED_FILES:
        if rel.startswith(DATASOURCE_DIR + "/"):
            use(rel, True, readers.datasources)
    listed = sorted(r for r in source.files if r.startswith(DATASOURCE_DIR + "/")) if source.files is not None else _datasource_files(source.conf_dir)
    if product:  # the pack's other datasource files (activiti-datasources.xml) are loaded too
        listed = sorted(set(listed) | {r for r in stock.files(product) if r.startswith(DATASOURCE_DIR + "/")})
    elif base_conf:
        listed = sorted(set(listed) | set(_datasource_files(base_conf)))
    for rel in listed:
        if rel not in REQUIRED_FILES:
            use(rel, False, readers.datasources)

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
        hazelcast_config=_hazelcast_config(source.conf_dir, script) if source.files is None else None,
        host=source.settings.host,
        placeholders=_placeholders(placeholders),
        secret_properties=frozenset(secret_properties),
        substitutable=frozenset(substitutable),
        product=product,
        start_script_origin=script_origin,
    )
    return BuiltNode(node, problems, found_suppressions, notes)


SCRIPT = "bin/wso2server.sh"


def _hazelcast_config(conf_dir: str, script) -> str | None:
    """The Hazelcast configuration file Carbon would load instead of axis2.xml's settings, if any."""
    flag = script.flag("-Dhazelcast.config") if script else None
    if flag and not flag.conditional:
        return flag.value or None
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


def _substitution(rel: str) -> str | None:
    """Where Carbon substitutes ${name} when it loads the file ``rel`` (ServerConfiguration, the registry and
    realm configuration processors, the datasource reader; Axis2 for <parameter>), or None: read as written."""
    if rel in ("carbon.xml", "registry.xml", "user-mgt.xml") or rel.startswith(DATASOURCE_DIR + "/"):
        return "text"
    return "parameters" if rel == "axis2/axis2.xml" else None


def build_cluster(source: ClusterSource) -> BuiltCluster:
    stock_trees: dict = {}  # the product files standing in for missing ones, parsed once for the cluster's nodes
    built = [build_node(n, source.name, source.properties, stock_trees) for n in source.nodes]
    stock_trees.clear()
    return BuiltCluster(
        cluster=Cluster(
            name=source.name,
            path=source.path,
            nodes=tuple(b.node for b in built),
            databases=dict(source.databases),
            hosts=dict(source.hosts),
            artifact_sharing=source.artifact_sharing,
            properties=frozenset(source.properties),
            instances=sum(b.node.replicas for b in built),
        ),
        problems=[(b.node, p) for b in built for p in b.problems],
        suppressions=[(b.node, s) for b in built for s in b.suppressions],
        notes={(b.node.name, *key): note for b in built for key, note in b.notes.items()},
    )
