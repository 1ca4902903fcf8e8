"""Kubernetes manifests: ConfigMaps whose keys are BPS conf files, and the Deployments or StatefulSets that mount them.

Each workload that mounts at least one such file is a node of ``spec.replicas`` replicas; the workloads of
one namespace (of one environment: see gather.environments) form one cluster. A ConfigMap key lands in the conf
tree by its workload's ``mountPath`` (``…/repository/conf``, ``…/wso2/business-process/conf``, ``…/conf/axis2``,
``…/conf/datasources``, ``…/conf/etc``, or a file path with ``subPath``); a map mounted at a folder replaces it, so
the image's files there are missing, not the product's (``NodeSource.hidden``). Secrets are never read."""

from __future__ import annotations

import itertools
import posixpath
import re
from typing import Iterator

import yaml

from linter.discover.manifest import NodeSettings
from linter.parse.location import Loc
from linter.records import Record
from linter.sources import defaults
from linter.sources.files import SourceFile
from linter.sources.yamlnodes import MAX_YAML_BYTES, documents, duplicate_keys, get, items, line, pairs, text

WORKLOAD_KINDS = ("Deployment", "StatefulSet")
# What makes a YAML file worth parsing: a kind, and one that matters here (a workload's file names no ConfigMap
# kind, only configMap: volumes), so a folder's manifests are read together whatever file each resource is in.
_KINDS = (b"ConfigMap", *(kind.encode() for kind in WORKLOAD_KINDS))
_CONF = re.compile(r"(?:^|/)conf/(?P<rel>(?:(?!/conf/).)+)$")  # the last conf/ of the path
_SCRIPT = "bin/wso2server.sh"
_INDICATOR = re.compile(r":\s*[|>][+-]?([1-9])")


class Placed(Record):
    rel: str  # conf-relative name, or bin/wso2server.sh
    layout: str
    conf_root: str  # the conf folder in the container


def place(path: str) -> Placed | None:
    """Where a file at ``path`` inside the container sits in a node's conf tree, or None."""
    path = posixpath.normpath(path)
    if path.endswith("/wso2server.sh") and "/bin/" in path:
        return Placed(_SCRIPT, "ei-profile" if "business-process" in path else "bps-home", posixpath.dirname(path))
    found = _CONF.search(path)
    if not found:
        return None
    rel = found["rel"]
    layout = "ei-profile" if "business-process/conf/" in path else ("bps-home" if "repository/conf/" in path else "conf-folder")
    return Placed(rel, layout, path[: len(path) - len(rel) - 1])


def is_candidate(data: bytes) -> bool:
    return b"kind:" in data and any(kind in data for kind in _KINDS)


class _Text:
    """A YAML file's text. Its lines are found from the marks of the nodes that need them rather than by splitting
    the whole text (11 MB of manifests are 200,000 lines); split once only where a mark's offset does not fall on
    its line (a byte order mark, or a line break other than \\n, that the parser counts another way)."""

    def __init__(self, text: str):
        self.text = text
        self._split: list[str] | None = None

    def lines_from(self, mark) -> Iterator[str]:
        """The lines from the one ``mark`` is on to the end."""
        text, start = self.text, mark.index - mark.column
        if start < 0 or (start and text[start - 1] != "\n"):
            if self._split is None:
                self._split = text.split("\n")
            for number in range(mark.line, len(self._split)):
                yield self._split[number]
            return
        while True:
            end = text.find("\n", start)
            if end < 0:
                yield text[start:]
                return
            yield text[start:end]
            start = end + 1


def _block(node, source: _Text) -> tuple[tuple[int, ...] | range, int]:
    """Lines and indentation of a block scalar's text in the YAML file; a flow scalar maps to its own line."""
    first = line(node)
    if node.style not in ("|", ">"):
        return (first,), 0
    start = first + 1  # the text starts below the "|" indicator
    count = node.value.count("\n") + (not node.value.endswith("\n"))  # the text's own lines, not the one after it
    lines = range(start, start + max(count, 1))  # not a tuple: the benchmark stream's keys would make 200,000 numbers
    following = source.lines_from(node.start_mark)
    header = next(following, "")
    indicator = _INDICATOR.search(header)
    if indicator:  # "key: |2": the text is indented that much more than the key
        return lines, len(header) - len(header.lstrip(" ")) + int(indicator[1])
    for text_ in itertools.islice(following, count):  # else the first line that is not blank
        if text_.strip():
            return lines, len(text_) - len(text_.lstrip(" "))
    return lines, 0


def _product_of_image(image: str | None) -> str | None:
    """bps-3.6.0 from an image such as wso2/wso2bps:3.6.0; ei-6.6.0 from wso2ei-business-process:6.6.0."""
    if not image or ":" not in image:
        return None
    name, _, tag = image.rpartition(":")
    version = re.match(r"\d+\.\d+\.\d+", tag)
    if not version:
        return None
    kind = "ei" if "ei" in name.rpartition("/")[2] and "business-process" in name else ("bps" if "bps" in name else None)
    return f"{kind}-{version.group()}" if kind and f"{kind}-{version.group()}" in defaults.products() else None


class Mount(Record):
    """A volume mount of a ConfigMap: which one, which of its keys (``items``: (key, path); empty: all, by key name), where."""

    config_map: str
    items: tuple[tuple[str | None, str | None], ...]
    path: str
    sub_path: str | None
    at: Loc | None = None  # the mountPath line


class MapVolume(Record):
    """A pod's ``configMap`` volume that lists ``items``: the kubelet mounts it only when the map holds each key named
    (or the volume is ``optional: true``), whichever container mounts it."""

    config_map: str
    optional: bool
    keys: tuple[tuple[str, Loc], ...]  # each item's key and its line


class Workload(Record):
    """What a node needs from a Deployment or StatefulSet: plain data, read from its document without the ConfigMaps."""

    path: str  # the YAML file
    namespace: str
    name: str
    replicas: int
    mounts: tuple[Mount, ...]
    product: str | None
    anchor: Loc  # where findings in the files the image brings go
    # YAML nodes, whose environment needs the ConfigMaps (they may come later in the stream): the container that
    # runs the image (its JAVA_OPTS reach wso2server.sh) and the others (a key they lack stops the pod too)
    image_container: object
    other_containers: tuple
    unread_mounts: tuple[str, ...] = ()  # mountPaths of volumes not read (a Secret, an emptyDir): their files are not known
    map_volumes: tuple[MapVolume, ...] = ()


class Stream:
    """The ConfigMaps and workloads of one or more YAML files."""

    def __init__(self):
        # (namespace, name) -> key -> the conf text it holds (None: not a scalar)
        self.config_maps: dict[tuple[str, str], dict[str, SourceFile | None]] = {}
        self.config_map_data: dict[tuple[str, str], tuple[str, object]] = {}  # (namespace, name) -> (file, data node)
        self.partial: set[tuple[str, str]] = set()  # generated maps whose keys are not all known (an env file not read)
        self.workloads: list[Workload] = []
        self.problems: list[tuple[Loc, str]] = []
        # (kind, namespace, name) -> where the object read is named; for workloads, its place in self.workloads
        self.defined: dict[tuple[str, str, str], Loc] = {}
        self._slot: dict[tuple[str, str, str], int] = {}

    def add(self, path: str, data: bytes, always: bool = False, namespace: str | None = None) -> None:
        """Read one file (``always``: report invalid YAML even when nothing in it looks like a manifest, as for stdin;
        ``namespace``: the one a kustomization listing the file sets on its objects)."""
        if len(data) > MAX_YAML_BYTES:
            # stdin is read only up to one byte past the limit, so its size is not known: only that it is too large
            self.problems.append((Loc(path), f"more than the {MAX_YAML_BYTES:,} byte ({MAX_YAML_BYTES >> 20} MiB) limit of YAML bps-lint reads; not read"))
            return
        try:
            text_, utf8 = data.decode("utf-8"), data
        except UnicodeDecodeError:
            text_, utf8 = data.decode("utf-8", errors="replace"), None
        docs, problem = documents(text_, utf8)
        found = self._read(path, _Text(text_), docs, namespace)
        if problem and (always or found or is_candidate(data)):
            self.problems.append((Loc(path, problem.line), str(problem)))
        if always or found:
            for doc in docs:
                repeated = duplicate_keys(doc)
                top = list(dict.fromkeys(key.value for key, _, at_root in repeated if at_root))  # each name once
                for key, first, at_root in repeated:
                    if at_root and key.value != top[0]:
                        continue  # a document run into another repeats its keys: said once, at its first
                    more = f"; {', '.join(top[1:])} too" if at_root and len(top) > 1 else ""
                    hint = "; a missing '---' between documents?" if at_root else ""
                    message = f"duplicate key '{key.value}' (first at line {line(first)}{more}), which Kubernetes refuses (mapping key already defined){hint}"
                    self.problems.append((Loc(path, line(key), key.start_mark.column + 1), message))

    def _read(self, path: str, source: _Text, docs: list, set_namespace: str | None = None) -> bool:
        """Take the ConfigMaps and workloads of ``docs``; whether there was any."""
        found = False
        for doc in docs:
            kind = text(doc, "kind")
            namespace = set_namespace or text(doc, "metadata", "namespace") or "default"
            if kind == "List":  # kubectl get -o yaml
                for item in items(get(doc, "items")):
                    found |= self._object(path, source, item, text(item, "kind"), set_namespace or text(item, "metadata", "namespace") or namespace)
            else:
                found |= self._object(path, source, doc, kind, namespace)
        return found

    def _object(self, path, source, doc, kind, namespace) -> bool:
        if kind != "ConfigMap" and kind not in WORKLOAD_KINDS:
            return False
        named = get(doc, "metadata", "name")
        at = Loc(path, line(named if named is not None else doc))
        if kind == "ConfigMap":
            name = text(doc, "metadata", "name") or ""
            self._define((kind, namespace, name), at)
            keys = _config_map(path, source, get(doc, "data"), name)
            # binaryData keys are mounted as files too; their bytes are not conf text
            keys.update({key: None for key, _ in pairs(get(doc, "binaryData")) if key not in keys})
            self.config_maps[(namespace, name)] = keys
            self.partial.discard((namespace, name))
            self.config_map_data[(namespace, name)] = (path, get(doc, "data"))
        else:
            workload = _workload(path, doc, namespace)
            self._put((kind, namespace, workload.name), workload, at)
        return True

    def generated(self, namespace: str, name: str, at: Loc, keys: dict[str, SourceFile | None], complete: bool = True) -> None:
        """A ConfigMap a kustomization generates (linter.sources.kustomize), named at ``at``: each key's text as a
        file of its own (None: not known), which the containers' environment takes at the file's first line;
        ``complete``: whether every key it holds is known."""
        self._define(("ConfigMap", namespace, name), at)
        self.config_maps[(namespace, name)] = keys
        if complete:
            self.partial.discard((namespace, name))
        else:
            self.partial.add((namespace, name))
        data = [(yaml.ScalarNode("tag:yaml.org,2002:str", key), _Held(file)) for key, file in keys.items()]
        self.config_map_data[(namespace, name)] = (at.path, yaml.MappingNode("tag:yaml.org,2002:map", data))

    def _define(self, key: tuple[str, str, str], at: Loc) -> None:
        """Note an object read; one of the same kind, namespace and name read before is a problem: a cluster holds
        one, and ``kubectl apply`` of these files keeps the last, as this reading does."""
        first = self.defined.get(key)
        if first is not None:
            kind, namespace, name = key
            self.problems.append(
                (
                    at,
                    f"a second {kind} {namespace}/{name} (the first is at {first.path}:{first.line}): a cluster holds one "
                    f"{kind} of a namespace and name, and kubectl apply keeps the last one, this one, which is what is checked",
                )
            )
        self.defined[key] = at

    def _put(self, key: tuple[str, str, str], workload: Workload, at: Loc) -> None:
        self._define(key, at)
        if key in self._slot:
            self.workloads[self._slot[key]] = workload
        else:
            self._slot[key] = len(self.workloads)
            self.workloads.append(workload)

    def clashes(self, other: Stream) -> bool:
        """Whether ``other`` holds an object of the same kind, namespace and name as one of this stream's."""
        return not self.defined.keys().isdisjoint(other.defined)

    def merge(self, other: Stream) -> None:
        """Take the objects of ``other`` (read after this stream's) and its problems."""
        for key, at in other.defined.items():
            if key in other._slot:
                self._put(key, other.workloads[other._slot[key]], at)
            else:
                self._define(key, at)
        self.config_maps.update(other.config_maps)
        self.config_map_data.update(other.config_map_data)
        self.partial = (self.partial - other.config_maps.keys()) | other.partial
        self.problems.extend(other.problems)

    def take_missing(self, other: Stream) -> None:
        """Take the objects of ``other`` (a folder above, shared by environments) that this stream holds none of the
        same kind, namespace and name of: its own win. Not ``other``'s problems, which are reported once."""
        lacking = [key for key in other.defined if key not in self.defined]
        for key in lacking:
            if key in other._slot:
                self._put(key, other.workloads[other._slot[key]], other.defined[key])
            else:
                self.defined[key] = other.defined[key]
                held = key[1:]
                if held in other.config_maps:
                    self.config_maps[held] = other.config_maps[held]
                    self.config_map_data[held] = other.config_map_data[held]
                    if held in other.partial:
                        self.partial.add(held)

    def clusters(self, named: dict[str, list[str]] | None = None):
        """ClusterSources: one per namespace holding a workload that mounts BPS conf files, or as ``named``
        (the manifest's ``[kubernetes.clusters]``: cluster name -> NAMESPACE/WORKLOAD)."""
        from linter.discover.walk import ClusterSource

        cluster_of = {workload: name for name, workloads in (named or {}).items() for workload in workloads}
        groups: dict[str, list] = {}
        for workload in self.workloads:
            self._missing_items(workload)
            node = self._node(workload)
            if node is not None:
                name = cluster_of.get(f"{workload.namespace}/{workload.name}", f"namespace {workload.namespace}")
                groups.setdefault(name, []).append(node)
        return [ClusterSource(name=name, path=nodes[0].path, nodes=nodes, databases={}) for name, nodes in sorted(groups.items())]

    def _missing_items(self, workload: Workload) -> None:
        """A key a volume's ``items`` names that its ConfigMap (among the files) lacks: the kubelet refuses to mount
        the volume unless it is ``optional: true`` (kubernetes pkg/volume/configmap/configmap.go, makePayload:
        "references non-existent config key"), so the pod does not start. An optional volume skips the item."""
        for volume in workload.map_volumes:
            held = (workload.namespace, volume.config_map)
            keys = self.config_maps.get(held)
            if volume.optional or keys is None or held in self.partial:
                continue
            for key, at in volume.keys:
                if key not in keys:
                    self.problems.append(
                        (
                            at,
                            f"ConfigMap {volume.config_map} has no key '{key}', which a configMap volume of {workload.name} lists in items, and the "
                            "volume is not optional: true, so the kubelet cannot mount it (references non-existent config key) and the pod does not start",
                        )
                    )

    def _node(self, workload: Workload):
        from linter.discover.walk import NodeSource

        files: dict[str, SourceFile] = {}
        layout, conf_root = "conf-folder", None
        for mount in workload.mounts:
            keys = self.config_maps.get((workload.namespace, mount.config_map))
            if keys is None:
                continue  # a ConfigMap not in these files
            for key, target in mount.items or [(k, k) for k in keys]:
                if key not in keys or not target:
                    continue
                if mount.sub_path is not None:
                    if mount.sub_path != target:
                        continue
                    where = mount.path
                else:
                    where = posixpath.join(mount.path, target)
                placed = place(where)
                if placed is None:
                    continue
                file = keys[key]
                if file is None:
                    continue
                if file.within is not None:  # which file the text is, for the findings at its key's line
                    file = file._replace(within=f"{posixpath.basename(placed.rel)} line {{line}} in {file.within}")
                files[placed.rel] = file
                if placed.rel != _SCRIPT:
                    layout, conf_root = placed.layout, placed.conf_root
        lacking = self._lacking_keys(workload)
        if not any(rel != _SCRIPT for rel in files):
            return None
        options: list = []
        per_pod: frozenset = frozenset()
        config_map = lambda map_name: self.config_map_data.get((workload.namespace, map_name))  # noqa: E731
        if workload.image_container is not None:
            options, per_pod = _java_opts(workload.image_container, workload.path, config_map, self.problems)
        for container in workload.other_containers:
            _environment(container, workload.path, config_map, self.problems)
        hidden = tuple(self._hidden(workload, conf_root, layout))
        # what another volume (an emptyDir an init container fills, a Secret) puts in the conf folder is not known
        filled = {_conf_folder(path, conf_root) for path in workload.unread_mounts} - {None} if conf_root else set()
        filled.update(lacking)  # the pod does not start: what the image holds there is not what runs
        return NodeSource(
            name=workload.name,
            path=workload.path,
            conf_dir=conf_root or "conf",
            layout=layout,
            start_script=None,
            settings=NodeSettings(replicas=workload.replicas),
            files=files,
            product=workload.product,
            overlay_hint=f"{{rel}} to a ConfigMap mounted under {conf_root} in {workload.name}",
            unmounted=tuple(self._unmounted(workload, files, conf_root)),
            default_anchor=workload.anchor,
            jvm_options=tuple(options),
            per_pod_properties=per_pod,
            unknown=tuple(sorted(filled)),
            hidden=hidden,
        )

    def _unmounted(self, workload: Workload, files: dict, conf_root: str | None):
        """(rel, how to place it) for each file the product brings that the node takes from the image while a
        ConfigMap of its namespace holds it under a key of its name (``activiti-datasources.xml``, or flattened
        ``datasources_activiti-datasources.xml``) that no volumeMount places: the maps the workload mounts first."""
        if workload.product is None or conf_root is None:
            return
        wanted = {posixpath.basename(rel): rel for rel in defaults.files(workload.product) if rel not in files}
        mounted = {m.config_map: m for m in workload.mounts}
        maps = sorted((ns_name[1] not in mounted, ns_name[1]) for ns_name in self.config_maps if ns_name[0] == workload.namespace)
        told = set()
        for _, map_name in maps:
            for key, file in self.config_maps[(workload.namespace, map_name)].items():
                base = next((b for b in (key, key.rpartition("_")[2]) if b in wanted), None)
                rel = wanted.get(base) if base else None
                if rel is None or rel in told or file is None or key not in (base, rel.replace("/", "_")):
                    continue
                told.add(rel)
                if map_name in mounted:
                    listed = "list the key in the volume's items and " if mounted[map_name].items else ""
                    where = f"{listed}mount it at {posixpath.join(conf_root, rel)} with subPath: {key}"
                    yield rel, f"ConfigMap {map_name} holds it as key {key}, but no volumeMount of {workload.name} places it: {where} to change it"
                else:  # another workload's map, maybe: say it is there, and what the node itself needs
                    yield (
                        rel,
                        (
                            f"add {rel} to a ConfigMap mounted under {conf_root} in {workload.name} to change it "
                            f"(ConfigMap {map_name}, which {workload.name} does not mount, holds one as key {key})"
                        ),
                    )

    def _lacking_keys(self, workload: Workload) -> list[str]:
        """The conf files (conf-relative) a subPath mount takes from a key its ConfigMap, among these files, lacks;
        each a problem at the mount. The kubelet then mounts an empty directory at the path instead of a file
        (kubernetes/kubernetes#126186; ``optional: true`` does not change it, #54514), which the container runtime
        cannot mount over a file of the image ("not a directory"): the container does not start."""
        lacking = []
        for mount in workload.mounts:
            keys = self.config_maps.get((workload.namespace, mount.config_map))
            if keys is None or not mount.sub_path:  # subPath: "" is the whole volume
                continue
            names = [target or "" for _, target in mount.items] if mount.items else list(keys)
            sub_path = posixpath.normpath(mount.sub_path)
            if any(name == sub_path or name.startswith(sub_path + "/") for name in names):
                continue  # a key there (or the folder of items' paths)
            placed = place(mount.path)
            if placed is None:
                continue
            lacking.append(placed.rel)
            image_has = workload.product is not None and defaults.has(workload.product, placed.rel)
            outcome = (
                f"the container runtime cannot mount it over the image's {placed.rel} (not a directory), so the container does not start"
                if image_has
                else f"{placed.rel} is then a directory, not the file"
            )
            self.problems.append(
                (
                    mount.at,
                    f"ConfigMap {mount.config_map} has no key '{mount.sub_path}', which the subPath mount at {mount.path} in {workload.name} takes: "
                    f"the kubelet mounts an empty directory there instead and {outcome}; add the key to the ConfigMap, or drop the mount",
                )
            )
        return lacking

    def _hidden(self, workload: Workload, conf_root: str | None, layout: str):
        """The node's folders that a ConfigMap mounted without ``subPath`` replaces: in the container they hold the
        map's keys only, the image's own files there are hidden (Kubernetes docs, "Configure a Pod to Use a
        ConfigMap"). A map not in these files, a Secret or another volume may hold any file: what is mounted from one
        below such a folder is not known, not missing."""
        from linter.discover.walk import Hidden

        if conf_root is None:
            return
        home = {"bps-home": posixpath.dirname(posixpath.dirname(conf_root)), "ei-profile": posixpath.dirname(conf_root)}.get(layout)
        known = [m for m in workload.mounts if (workload.namespace, m.config_map) in self.config_maps]
        unread = [*workload.unread_mounts, *(posixpath.normpath(m.path) for m in workload.mounts if m not in known)]
        for mount in known:
            if mount.sub_path is not None:
                continue
            path = posixpath.normpath(mount.path)
            folder = _conf_folder(path, conf_root)
            if folder is None and home is not None and path == posixpath.join(home, "bin"):
                folder = "bin"
            if folder is None:
                continue
            why = (
                f"the ConfigMap {mount.config_map} mounted at {mount.path} in {workload.name} replaces that folder, hiding the "
                "image's own file; add it to the ConfigMap, or mount single files with subPath"
            )
            below = (_conf_folder(other, conf_root) for other in unread if (other + "/").startswith(path + "/"))
            yield Hidden(folder, path, why, mount.at, tuple(rel for rel in below if rel is not None))


def _conf_folder(path: str, conf_root: str) -> str | None:
    """The conf-relative folder a mount at ``path`` replaces: '' for the conf folder or one above it, None outside it."""
    if conf_root == path or conf_root.startswith(path + "/"):
        return ""
    return path[len(conf_root) + 1 :] if path.startswith(conf_root + "/") else None


def _config_map(path: str, source: _Text, data, name: str = "") -> dict[str, SourceFile | None]:
    """Each key of a ConfigMap's ``data`` and the text it holds, mapped to its lines in the YAML file (the last of a
    repeated key). Text in a quoted or plain scalar (``kubectl kustomize`` quotes text with trailing blanks) has no
    line of its own to map to: its places are the key's, and a finding says which line of the text (``within``)."""
    keys: dict[str, SourceFile | None] = {}
    for key_node, value in data.value if isinstance(data, yaml.MappingNode) else ():
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        if not isinstance(value, yaml.ScalarNode):
            keys[key] = None
        elif value.style in ("|", ">"):
            lines, indent = _block(value, source)
            keys[key] = SourceFile(path, value.value.encode("utf-8"), lines, indent)
        else:
            at = (line(key_node),)
            keys[key] = SourceFile(path, value.value.encode("utf-8"), at, key_node.start_mark.column + 1, within=f"ConfigMap {name} key {key}")
    return keys


def _workload(path: str, doc, namespace: str) -> Workload:
    pod = get(doc, "spec", "template", "spec")
    volumes = {text(v, "name"): v for v in items(get(pod, "volumes"))}
    mounts: list[Mount] = []
    unread: list[str] = []
    image, image_at, image_container, others = None, None, None, []
    map_volumes = []
    for volume in volumes.values():
        listed = [(text(i, "key"), get(i, "key")) for i in items(get(volume, "configMap", "items"))]
        if text(volume, "configMap", "name") and listed:
            keys = tuple((key, Loc(path, line(node), node.start_mark.column + 1)) for key, node in listed if key)
            map_volumes.append(MapVolume(text(volume, "configMap", "name"), text(volume, "configMap", "optional") in _TRUE, keys))
    for container in items(get(pod, "containers")):
        if image is None and text(container, "image"):
            image, image_at, image_container = text(container, "image"), get(container, "image"), container
        else:
            others.append(container)
        for mount in items(get(container, "volumeMounts")):
            volume = volumes.get(text(mount, "name"))
            map_name = text(volume, "configMap", "name") if volume is not None else None
            # a Secret or an emptyDir; or a key chosen per pod (subPathExpr: $(POD_NAME)), which each pod's name decides
            if map_name is None or get(mount, "subPathExpr") is not None:
                unread.append(posixpath.normpath(text(mount, "mountPath") or "/"))
                continue
            chosen = tuple((text(i, "key"), text(i, "path")) for i in items(get(volume, "configMap", "items")))
            at = get(mount, "mountPath") or mount
            mounts.append(Mount(map_name, chosen, text(mount, "mountPath") or "", text(mount, "subPath"), Loc(path, line(at), at.start_mark.column + 1)))
    replicas_text = text(doc, "spec", "replicas")
    replicas = int(replicas_text) if replicas_text and re.fullmatch(r"[0-9]{1,9}", replicas_text) else 1
    return Workload(
        path=path,
        namespace=namespace,
        name=text(doc, "metadata", "name") or "workload",
        replicas=max(replicas, 1),
        mounts=tuple(mounts),
        product=_product_of_image(image),
        # the files the image brings are not in the repository: their findings go to the image's line
        anchor=Loc(path, line(image_at), image_at.start_mark.column + 1) if image_at is not None else Loc(path, line(doc)),
        image_container=image_container,
        other_containers=tuple(others),
        unread_mounts=tuple(unread),
        map_volumes=tuple(map_volumes),
    )


_TRUE = ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y")  # YAML 1.1 true, as the API server's YAML reads it
_UNKNOWN = ()  # a variable set from what is not read (a Secret, a field of the pod, a ConfigMap not in the files)
# fieldRef paths no two pods share (kubernetes pkg/kubelet/kubelet_pods.go podFieldSelectorRuntimeValue: the pod's
# name, uid and IPs; a StatefulSet's pod-name label is its name). The others are the same on every replica or not
# known here (spec.nodeName and status.hostIP, shared by the pods of a machine; metadata.namespace, labels,
# annotations, spec.serviceAccountName; resourceFieldRef's limits and requests): unknown.
_PER_POD_FIELDS = frozenset(("metadata.name", "metadata.uid", "status.podIP", "status.podIPs", "metadata.labels['statefulset.kubernetes.io/pod-name']"))
_PER_POD = re.compile("\x00([^\x00]*)\x00")  # the text a per-pod variable NAME stands for in a value: NUL NAME NUL


def _environment(container, path: str, config_map, problems: list):
    """The container's environment as the kubelet makes it, as a function of a name: the value's pieces
    [(text, Loc)], _UNKNOWN, or None when unset. ``envFrom`` first, in order (a later source wins, ``prefix``
    before its keys), then ``env`` in order, each ``value`` expanding ``$(NAME)`` with the variables set before it
    (kubernetes pkg/kubelet/kubelet_pods.go, third_party/forked/golang/expansion). ``config_map(name)``: a
    ConfigMap of the workload's namespace in these files, as (file, data node), or None. A source not read
    (a Secret, a ConfigMap not in the files) may hold any name behind its prefix: the names it may set are unknown,
    whatever a source before it set. A key a map in the files lacks is a problem unless the reference is optional."""
    env: dict = {}
    unknown_prefixes: list[str] = []
    for source in items(get(container, "envFrom")):
        prefix = text(source, "prefix") or ""
        held = config_map(text(source, "configMapRef", "name")) if get(source, "configMapRef") is not None else None
        if held is None:
            env = {name: value for name, value in env.items() if not name.startswith(prefix)}
            unknown_prefixes.append(prefix)
            continue
        for key, value in pairs(held[1]):
            env[prefix + key] = _pieces(value, held[0])

    def lookup(name: str):
        if name in env:
            return env[name]
        return _UNKNOWN if any(name.startswith(prefix) for prefix in unknown_prefixes) else None

    for variable in items(get(container, "env")):
        name = text(variable, "name")
        if name is None:
            continue
        value = get(variable, "value")
        ref = get(variable, "valueFrom", "configMapKeyRef")
        field = get(variable, "valueFrom", "fieldRef", "fieldPath")
        if value is not None and text(variable, "value"):
            env[name] = _expand(value, path, lookup)
        elif isinstance(field, yaml.ScalarNode) and field.value in _PER_POD_FIELDS:
            env[name] = [(f"\x00{name}\x00", Loc(path, line(field), field.start_mark.column + 1))]
        elif ref is not None:
            held = config_map(text(ref, "name"))
            key = get(ref, "key")
            found = get(held[1], key.value) if held and isinstance(key, yaml.ScalarNode) else None
            if found is not None:
                env[name] = _pieces(found, held[0])
            elif held is None or not isinstance(key, yaml.ScalarNode):
                env[name] = _UNKNOWN  # a map made elsewhere: not known
            elif text(ref, "optional") != "true":  # a key missing from a map in these files
                problems.append(
                    (
                        Loc(path, line(key), key.start_mark.column + 1),
                        f"ConfigMap {text(ref, 'name')} has no key '{key.value}', which variable {name} of container {text(container, 'name') or '(unnamed)'} "
                        "takes, and the reference is not optional: true, so the kubelet does not start the pod (CreateContainerConfigError)",
                    )
                )
                env[name] = _UNKNOWN
            # else an optional key not found: the variable keeps what envFrom gave it, if anything
        elif value is not None:
            env[name] = [("", Loc(path, line(value)))]
        else:
            env[name] = _UNKNOWN  # a Secret, a field of the pod: not known
    return lookup


class _Held(yaml.ScalarNode):
    """A generated ConfigMap's value (None: not known), which may come from another file than the kustomization."""

    def __init__(self, file: SourceFile | None):
        super().__init__("tag:yaml.org,2002:str", file.data.decode("utf-8", errors="replace") if file else "")
        self.file = file


def _pieces(node, where: str) -> list:
    """A value as it is, not expanded (a ConfigMap's, as the kubelet takes it), or _UNKNOWN when it is not text."""
    if isinstance(node, _Held):
        return [(node.value, node.file.loc(Loc(node.file.path, 1, 1)))] if node.file else _UNKNOWN
    if not isinstance(node, yaml.ScalarNode):
        return _UNKNOWN
    return [(node.value, Loc(where, line(node), node.start_mark.column + 1))]


def _expand(node, where: str, lookup) -> list:
    """An ``env`` value with ``$(NAME)`` replaced by the variable's value when it is known, ``$$`` by ``$``; an
    unset or unknown variable and any other ``$`` stay as written (as the kubelet leaves an undefined one)."""
    if not isinstance(node, yaml.ScalarNode):
        return _UNKNOWN
    at = Loc(where, line(node), node.start_mark.column + 1)
    value, pieces, kept, i = node.value, [], [], 0
    while i < len(value):
        pair = value[i : i + 2]
        close = value.find(")", i + 2) if pair == "$(" else -1
        if close != -1:
            held = lookup(value[i + 2 : close])
            if held:
                pieces.extend([("".join(kept), at), *held])
                kept = []
            else:
                kept.append(value[i : close + 1])
            i = close + 1
        elif len(pair) == 2 and pair[0] == "$":
            kept.append("$" if pair == "$$" else pair)
            i += 2
        else:
            kept.append(value[i])
            i += 1
    return [*pieces, ("".join(kept), at)]


def _java_opts(container, path: str, config_map, problems: list) -> tuple[list, frozenset]:
    """(flag, Loc) of each JVM flag in the container's JAVA_OPTS environment variable, which the image's
    wso2server.sh passes to the JVM before its own flags, each at the line of the value that holds it (a ConfigMap's
    data line, or an ``env`` value). No flag when JAVA_OPTS is unset or not known (see _environment). And the
    system properties a flag sets from a per-pod field (``-DPOD_NAME=$(POD_NAME)``): different on every replica."""
    import io
    import shlex

    pieces = _environment(container, path, config_map, problems)("JAVA_OPTS")
    if not pieces:
        return [], frozenset()
    value = "".join(piece for piece, _ in pieces)
    ends, end = [], 0  # where each piece ends in the value, to tell which one a word starts in
    for piece, _ in pieces:
        end += len(piece)
        ends.append(end)
    lexer = shlex.shlex(io.StringIO(value), posix=True)
    lexer.whitespace_split, lexer.commenters = True, ""
    flags, per_pod, position = [], set(), 0
    try:
        while (word := lexer.get_token()) is not None:
            start = len(value) - len(value[position:].lstrip(lexer.whitespace))
            position = lexer.instream.tell()
            if word.startswith("-"):
                if "\x00" in word:  # shown as written, $(NAME): its value is only known in each pod
                    if word.startswith("-D"):
                        per_pod.add(word[2:].partition("=")[0])
                    word = _PER_POD.sub(r"$(\1)", word)
                flags.append((word, pieces[next((n for n, e in enumerate(ends) if start < e), len(pieces) - 1)][1]))
    except ValueError:  # an unbalanced quote: the shell would refuse it too
        return [], frozenset()
    return flags, frozenset(per_pod)
