"""A kustomization.yaml read as written, for what ``kustomize build`` makes of its folder: the files it applies as
patches, the namespace it sets on the resources it lists, and the ConfigMaps its ``configMapGenerator`` makes
(kubectl.docs.kubernetes.io, "configMapGenerator", "namespace"). The name hash suffix kustomize adds to a generated
map is also written into the workloads that name it, so a map is linked by the generator's name."""

from __future__ import annotations

import os

from linter.parse.location import Loc, inside
from linter.parse.xmlfile import read_bytes
from linter.records import Record

NAMES = ("kustomization.yaml", "kustomization.yml")


class Kustomization(Record):
    path: str  # as found by the walk
    root: str  # the real folder checked: a file it names outside it is not read
    doc: object  # its YAML mapping node


def read(others: list[tuple[str, str]], cache: dict | None = None) -> list[Kustomization]:
    """The kustomization files among ``others``, each parsed once per run: ``cache`` ((real path, root) -> its documents)
    holds those the walk read already to tell a generator's conf files (linter.discover.walk)."""
    return [k for path, root in others if os.path.basename(path) in NAMES for k in load(path, root, cache)]


def load(path: str, root: str | None, cache: dict | None = None) -> list[Kustomization]:
    """The kustomization at ``path`` (one per YAML document), parsed once for a given ``cache``."""
    from linter.sources.yamlnodes import MAX_YAML_BYTES, documents

    real = (os.path.realpath(path), root)  # a file outside the folder checked is not read
    if cache is not None and real in cache:
        return [Kustomization(path, root, doc) for doc in cache[real]]
    data, _ = read_bytes(path, root)
    docs = documents(data.decode("utf-8", errors="replace"))[0] if data and len(data) <= MAX_YAML_BYTES else []
    if cache is not None:
        cache[real] = docs
    return [Kustomization(path, root, doc) for doc in docs]


def patches(kustomizations: list[Kustomization]) -> set[str]:
    """Real paths of the files applied as patches: a part of a workload or ConfigMap that ``kustomize build`` merges
    into the one its resources hold, not one of its own."""
    from linter.sources.yamlnodes import get, items, text

    found = set()
    for k in kustomizations:
        named = [text(p) or text(p, "path") for key in ("patchesStrategicMerge", "patches") for p in items(get(k.doc, key))]
        found.update(os.path.realpath(os.path.join(os.path.dirname(k.path), name)) for name in named if name)
    return found


def namespaces(kustomizations: list[Kustomization]) -> dict[str, str]:
    """Real path of each resource file a kustomization with ``namespace:`` lists -> that namespace, which kustomize
    sets on the file's objects whatever they say. A file two such kustomizations list is left as it is."""
    from linter.sources.yamlnodes import get, items, text

    found: dict[str, str | None] = {}
    for k in kustomizations:
        namespace = text(k.doc, "namespace")
        if not namespace:
            continue
        for resource in items(get(k.doc, "resources")):
            name = text(resource)
            if name and name.endswith((".yaml", ".yml")):
                real = os.path.realpath(os.path.join(os.path.dirname(k.path), name))
                found[real] = namespace if found.get(real, namespace) == namespace else None
    return {real: namespace for real, namespace in found.items() if namespace}


OVERLAY_HINT = "kustomize build {folder} | bps-lint -"


def overlay_hint(folders) -> str:
    """What "no BPS node configuration found" adds when the folders hold a kustomize overlay (whose note says what
    it changes): its nodes are in what kustomize builds, from a base outside the folders or changed by it."""
    builds = " or ".join(OVERLAY_HINT.format(folder=folder) for folder in folders)
    return f"; it holds a kustomize overlay, whose nodes are in what kustomize builds of it: check that, {builds}" if builds else ""


def not_applied(k: Kustomization) -> list[str]:
    """What ``kustomize build`` does with this kustomization that reading its files does not: the base folders it
    builds on that lie outside the folder checked (or at a URL), the namespace it sets
    on the resources of a base folder it lists (``../../base``), a configMapGenerator entry that merges into or
    replaces the base's map (kustomize api/resmap/reswrangler.go, appendReplaceOrMerge), its patches, and the replica
    counts, images and components it changes. Each is told, not guessed at: the patch merge and what a base's own
    kustomization does are kustomize's to compute."""
    from linter.sources.yamlnodes import get, items, text

    folder, changes = os.path.dirname(k.path), []
    bases = _bases(k)
    outside = [name for name in bases if "://" in name or not inside(os.path.realpath(_joined(folder, name)), k.root)]
    if outside:
        changes.append(f"takes the resources of {', '.join(outside)} (outside the folder checked)")
    namespace = text(k.doc, "namespace")
    if bases and namespace:
        changes.append(f"sets namespace {namespace} on {', '.join(bases)}")
    for entry in items(get(k.doc, "configMapGenerator")):
        behavior, name = text(entry, "behavior"), text(entry, "name") or "(unnamed)"
        if behavior == "merge":
            changes.append(f"merges its configMapGenerator {name} into the base's ConfigMap {name}")
        elif behavior == "replace":
            changes.append(f"replaces the base's ConfigMap {name} by its configMapGenerator {name}")
    patched = [
        text(p) or text(p, "path") or "an inline patch"
        for key in ("patchesStrategicMerge", "patches", "patchesJson6902")
        for p in items(get(k.doc, key))
        if text(p) not in ("", "null", "~")  # an empty entry patches nothing
    ]
    if patched:
        changes.append(f"applies its patches ({', '.join(patched)})")
    changes.extend(f"applies its {key}" for key in ("replicas", "images", "components") if items(get(k.doc, key)))
    return changes


def _bases(k: Kustomization) -> list[str]:
    """The ``resources:`` a kustomization lists that are folders (a base, built by its own kustomization) or URLs, as written."""
    from linter.sources.yamlnodes import get, items, text

    folder = os.path.dirname(k.path)
    return [name for r in items(get(k.doc, "resources")) if (name := text(r)) and ("://" in name or os.path.isdir(_joined(folder, name)))]


def bases(k: Kustomization) -> list[str]:
    """The absolute paths of the base folders a kustomization lists, inside the folder checked."""
    folder = os.path.dirname(os.path.abspath(k.path))
    return [path for name in _bases(k) if "://" not in name and inside(os.path.realpath(path := _joined(folder, name)), k.root)]


def _file_sources(folder: str, entry) -> list[tuple[str, str, object]]:
    """(key, path, node) of each ``files:`` item: ``path`` (its file name is the key) or ``key=path``."""
    from linter.sources.yamlnodes import get, items

    found = []
    for item in items(get(entry, "files")):
        source = item.value if isinstance(item.value, str) else ""
        key, separator, name = source.partition("=")
        if not separator:
            key, name = os.path.basename(source.rstrip("/")), source
        if key and name:
            found.append((key, os.path.normpath(os.path.join(folder, name)), item))
    return found


def generated_files(k: Kustomization) -> set[str]:
    """Real paths of the files the kustomization makes ConfigMaps of: a workload's conf files, not a folder of their
    own (a bare conf folder beside them is no node)."""
    from linter.sources.yamlnodes import get, items

    folder = os.path.dirname(k.path)
    return {os.path.realpath(file) for entry in items(get(k.doc, "configMapGenerator")) for _, file, _ in _file_sources(folder, entry)}


def generate(k: Kustomization, stream, display) -> None:
    """Define in ``stream`` (the kustomization's folder's) each ConfigMap its ``configMapGenerator`` makes: a key
    per file (held as that file, so findings point into it), per literal ``KEY=value`` and per line of an env file
    (each value at its own line, for the containers' environment). An entry that merges into or replaces a base's
    map (``behavior: merge|replace``) is left out: the base's map is read as it is."""
    from linter.sources.files import SourceFile
    from linter.sources.yamlnodes import get, items, line, text

    shown, folder = display(k.path), os.path.dirname(k.path)
    for entry in items(get(k.doc, "configMapGenerator")):
        name = text(entry, "name")
        if not name or text(entry, "behavior") in ("merge", "replace"):
            continue
        namespace = text(k.doc, "namespace") or text(entry, "namespace") or "default"
        values: dict[str, SourceFile | None] = {}
        complete = True  # every key known: an env file not read may hold any
        for env in items(get(entry, "envs")):
            data = _read(text(env) or "", folder, k.root, Loc(shown, line(env), env.start_mark.column + 1), stream, name)
            if data is None:
                complete = False
                continue
            for number, raw in enumerate(data.decode("utf-8", errors="replace").removeprefix("\ufeff").splitlines(), 1):
                body = raw.lstrip()
                if not body or body.startswith("#"):
                    continue
                key, separator, value = body.partition("=")
                # a name without "=" is taken from kustomize's own environment by some versions: not known
                values[key] = (
                    SourceFile(display(_joined(folder, text(env))), value.encode(), (number,), len(raw) - len(body) + len(key) + 1) if separator else None
                )
        for literal in items(get(entry, "literals")):
            key, separator, value = (text(literal) or "").partition("=")
            if key and separator:
                quoted = len(value) > 1 and value[0] == value[-1] and value[0] in "\"'"
                column = literal.start_mark.column + (literal.style in ("'", '"')) + len(key) + 1 + quoted
                values[key] = SourceFile(shown, (value[1:-1] if quoted else value).encode(), (line(literal),), column)
        for key, path, item in _file_sources(folder, entry):
            if "://" in (text(item) or ""):
                values[key] = None  # a remote file: not read
                continue
            data = _read(text(item) or "", folder, k.root, Loc(shown, line(item), item.start_mark.column + 1), stream, name, path)
            if data is not None:
                values[key] = SourceFile(display(path), data)
            else:
                complete = False  # kustomize build fails (reported): what the map would hold is not known
        named = get(entry, "name")
        stream.generated(namespace, name, Loc(shown, line(named), named.start_mark.column + 1), values, complete)


def _joined(folder: str, name: str | None) -> str:
    return os.path.normpath(os.path.join(folder, name or ""))


def _read(written: str, folder: str, root: str, at: Loc, stream, name: str, path: str | None = None) -> bytes | None:
    """A file a generator names, or None with a problem at its line: kustomize build fails without it."""
    path = path or _joined(folder, written)
    if not inside(os.path.realpath(path), root):
        stream.problems.append((at, f"configMapGenerator {name} names '{written}', outside the folder checked; not read"))
        return None
    data, problem = read_bytes(path, root)
    if data is None:
        why = "no such file" if problem is None or problem.kind == "missing" else problem.message
        stream.problems.append((at, f"configMapGenerator {name} names '{written}': {why}, so kustomize build fails"))
    return data
