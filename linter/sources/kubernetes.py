"""Kubernetes manifests: ConfigMaps whose keys are BPS conf files, and the Deployments or StatefulSets that mount them.

Each workload that mounts at least one such file is a node of ``spec.replicas`` replicas; the workloads of
one namespace form one cluster. A ConfigMap key lands in the conf tree by its workload's ``mountPath``
(``…/repository/conf``, ``…/wso2/business-process/conf``, ``…/conf/axis2``, ``…/conf/datasources``,
``…/conf/etc``, or a file path with ``subPath``). Secrets are never read."""

from __future__ import annotations

import itertools
import posixpath
import re
from typing import Iterator, NamedTuple

import yaml

from linter.discover.manifest import NodeSettings
from linter.parse.location import Loc
from linter.sources import defaults
from linter.sources.files import SourceFile
from linter.sources.yamlnodes import MAX_YAML_BYTES, documents, get, items, line, pairs, text

WORKLOAD_KINDS = ("Deployment", "StatefulSet")
# What makes a YAML file worth parsing: both words, in any manifest that matters here.
_HINTS = (b"ConfigMap", b"kind:")
_CONF = re.compile(r"(?:^|/)conf/(?P<rel>(?:(?!/conf/).)+)$")  # the last conf/ of the path
_SCRIPT = "bin/wso2server.sh"
_INDICATOR = re.compile(r":\s*[|>][+-]?([1-9])")


class Placed(NamedTuple):
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
    return all(hint in data for hint in _HINTS)


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


class Mount(NamedTuple):
    """A volume mount of a ConfigMap: which one, which of its keys (``items``: (key, path); empty: all, by key name), where."""

    config_map: str
    items: tuple[tuple[str | None, str | None], ...]
    path: str
    sub_path: str | None


class Workload(NamedTuple):
    """What a node needs from a Deployment or StatefulSet: plain data, read from its document without the ConfigMaps."""

    path: str  # the YAML file
    namespace: str
    name: str
    replicas: int
    mounts: tuple[Mount, ...]
    product: str | None
    anchor: Loc  # where findings in the files the image brings go
    jvm_options: tuple


class Stream:
    """The ConfigMaps and workloads of one or more YAML files."""

    def __init__(self):
        # (namespace, name) -> key -> the conf text it holds (None: not a scalar)
        self.config_maps: dict[tuple[str, str], dict[str, SourceFile | None]] = {}
        self.workloads: list[Workload] = []
        self.problems: list[tuple[Loc, str]] = []

    def add(self, path: str, data: bytes, always: bool = False) -> None:
        """Read one file (``always``: report invalid YAML even when nothing in it looks like a manifest, as for stdin)."""
        if len(data) > MAX_YAML_BYTES:
            self.problems.append((Loc(path), f"file is {len(data)} bytes, larger than the {MAX_YAML_BYTES} byte limit; not read"))
            return
        try:
            text_, utf8 = data.decode("utf-8"), data
        except UnicodeDecodeError:
            text_, utf8 = data.decode("utf-8", errors="replace"), None
        docs, problem = documents(text_, utf8)
        found = self._read(path, _Text(text_), docs)
        if problem and (always or found or is_candidate(data)):
            self.problems.append((Loc(path, problem.line), str(problem)))

    def _read(self, path: str, source: _Text, docs: list) -> bool:
        """Take the ConfigMaps and workloads of ``docs``; whether there was any."""
        found = False
        for doc in docs:
            kind = text(doc, "kind")
            namespace = text(doc, "metadata", "namespace") or "default"
            if kind == "List":  # kubectl get -o yaml
                for item in items(get(doc, "items")):
                    found |= self._object(path, source, item, text(item, "kind"), text(item, "metadata", "namespace") or namespace)
            else:
                found |= self._object(path, source, doc, kind, namespace)
        return found

    def _object(self, path, source, doc, kind, namespace) -> bool:
        if kind == "ConfigMap":
            self.config_maps[(namespace, text(doc, "metadata", "name") or "")] = _config_map(path, source, get(doc, "data"))
            return True
        if kind in WORKLOAD_KINDS:
            self.workloads.append(_workload(path, doc))
            return True
        return False

    def clusters(self, named: dict[str, list[str]] | None = None):
        """ClusterSources: one per namespace holding a workload that mounts BPS conf files, or as ``named``
        (the manifest's ``[kubernetes.clusters]``: cluster name -> NAMESPACE/WORKLOAD)."""
        from linter.discover.walk import ClusterSource

        cluster_of = {workload: name for name, workloads in (named or {}).items() for workload in workloads}
        groups: dict[str, list] = {}
        for workload in self.workloads:
            node = self._node(workload)
            if node is not None:
                name = cluster_of.get(f"{workload.namespace}/{workload.name}", f"namespace {workload.namespace}")
                groups.setdefault(name, []).append(node)
        return [ClusterSource(name=name, path=nodes[0].path, nodes=nodes, databases={}) for name, nodes in sorted(groups.items())]

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
                files[placed.rel] = file
                if placed.rel != _SCRIPT:
                    layout, conf_root = placed.layout, placed.conf_root
        if not any(rel != _SCRIPT for rel in files):
            return None
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
            default_anchor=workload.anchor,
            jvm_options=workload.jvm_options,
        )


def _config_map(path: str, source: _Text, data) -> dict[str, SourceFile | None]:
    """Each key of a ConfigMap's ``data`` and the text it holds, mapped to its lines in the YAML file (the last of a repeated key)."""
    keys: dict[str, SourceFile | None] = {}
    for key, value in pairs(data):
        if isinstance(value, yaml.ScalarNode):
            lines, indent = _block(value, source)
            keys[key] = SourceFile(path, value.value.encode("utf-8"), lines, indent)
        else:
            keys[key] = None
    return keys


def _workload(path: str, doc) -> Workload:
    namespace = text(doc, "metadata", "namespace") or "default"
    pod = get(doc, "spec", "template", "spec")
    volumes = {text(v, "name"): v for v in items(get(pod, "volumes"))}
    mounts: list[Mount] = []
    image, image_at, options = None, None, []
    for container in items(get(pod, "containers")):
        if image is None and text(container, "image"):
            image, image_at = text(container, "image"), get(container, "image")
            options = _java_opts(container, path)
        for mount in items(get(container, "volumeMounts")):
            volume = volumes.get(text(mount, "name"))
            map_name = text(volume, "configMap", "name") if volume is not None else None
            if map_name is None:
                continue  # a Secret or an emptyDir
            chosen = tuple((text(i, "key"), text(i, "path")) for i in items(get(volume, "configMap", "items")))
            mounts.append(Mount(map_name, chosen, text(mount, "mountPath") or "", text(mount, "subPath")))
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
        jvm_options=tuple(options),
    )


def _java_opts(container, path: str) -> list:
    """(flag, Loc) of each JVM flag in the container's JAVA_OPTS environment variable, which the image's
    wso2server.sh passes to the JVM before its own flags; a value from a Secret or ConfigMap is not known."""
    import shlex

    for variable in items(get(container, "env")):
        value = get(variable, "value")
        if text(variable, "name") != "JAVA_OPTS" or not isinstance(value, yaml.ScalarNode):
            continue
        try:
            words = shlex.split(value.value)
        except ValueError:  # an unbalanced quote: the shell would refuse it too
            return []
        at = Loc(path, line(value), value.start_mark.column + 1)
        return [(word, at) for word in words if word.startswith("-")]
    return []
