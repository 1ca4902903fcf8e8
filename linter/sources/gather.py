"""Nodes that are not plain folders: Kubernetes manifests (files, or a stream on stdin) and Ansible roles."""

from __future__ import annotations

import collections
import os
import re
import sys

from linter.parse.location import STDIN_NAME, Loc, inside
from linter.parse.xmlfile import read_bytes
from linter.sources import kubernetes, kustomize
from linter.sources.yamlnodes import MAX_YAML_BYTES

# A stream with nothing to check: exit 2 as for an empty folder (a chart that rendered nothing, a pipe that broke).
EMPTY_STREAM = "no Kubernetes ConfigMap or workload found on standard input; expected YAML such as 'helm template CHART' prints"
NO_NODE_IN_STREAM = "no Deployment or StatefulSet on standard input mounts a ConfigMap holding BPS conf files; nothing to check"
NOTHING_ON_STDIN = (EMPTY_STREAM, NO_NODE_IN_STREAM)


def clusters(others: list[tuple[str, str]], stdin: bool, manifests, problems: list, display, parsed: dict | None = None, overlays: list | None = None) -> list:
    """``parsed``: the kustomizations the walk parsed already (linter.sources.kustomize.load); ``overlays``: (folder,
    note) of each kustomization whose changes are not applied, for the run to say on stderr."""
    folders: dict[str, kubernetes.Stream] = {}  # folder -> the objects of its YAML files, in the order read
    kustomizations = kustomize.read(others, parsed)
    built: list[kustomize.Kustomization] = []  # overlays kustomize builds as base + their own objects, nothing more
    for k in kustomizations:
        changes = kustomize.not_applied(k)
        if not changes and kustomize.bases(k):
            built.append(k)
        if changes and overlays is not None:
            folder = display(os.path.dirname(os.path.abspath(k.path)))
            overlays.append(
                (
                    folder,
                    f"{display(k.path)}: kustomize build {', '.join(changes)}, which bps-lint does not: its files are checked as written. "
                    f"To check what it deploys: {kustomize.OVERLAY_HINT.format(folder=folder)}",
                )
            )
    patches, namespaces = kustomize.patches(kustomizations), kustomize.namespaces(kustomizations)
    for path, root in others:
        real = os.path.realpath(path) if path.endswith((".yaml", ".yml")) else ""
        if real and not in_helm_chart(path, root) and real not in patches:
            data, _ = read_bytes(path, root)
            if data and kubernetes.is_candidate(data):
                folders.setdefault(os.path.dirname(os.path.abspath(path)), kubernetes.Stream()).add(display(path), data, namespace=namespaces.get(real))
    for k in kustomizations:
        generated = kubernetes.Stream()
        kustomize.generate(k, generated, display)
        if generated.defined or generated.problems:
            folders.setdefault(os.path.dirname(os.path.abspath(k.path)), kubernetes.Stream()).merge(generated)
    _take_bases(built, folders)
    streams = [(display(folder), stream) for folder, stream in environments(folders)]
    if stdin:
        stream = kubernetes.Stream()  # one environment: what a chart or kustomization renders
        stream.add(STDIN_NAME, read_stdin(), always=True)
        if not stream.workloads and not stream.config_maps and not stream.problems:
            problems.append((Loc(STDIN_NAME), EMPTY_STREAM))
        streams.append((STDIN_NAME, stream))
    named: dict[str, list[str]] = {}
    for manifest in manifests:
        named.update(manifest.settings.get("kubernetes", {}).get("clusters", {}))
    found_in = [(label, cluster) for label, stream in streams for cluster in stream.clusters(named)]
    counts = collections.Counter(cluster.name for _, cluster in found_in)
    # a name two environments give (each its namespace wso2) says which environment: its folder
    found = sorted((c._replace(name=f"{c.name} ({label})") if counts[c.name] > 1 else c for label, c in found_in), key=lambda c: c.name)
    if stdin and not any(n.path == STDIN_NAME for c in found for n in c.nodes) and stream.config_maps and not stream.problems:
        problems.append((Loc(STDIN_NAME), NO_NODE_IN_STREAM))
    # a workload or file that environments share is judged in each: its problem is reported once
    problems.extend(dict.fromkeys(problem for _, stream in streams for problem in stream.problems))
    if not others:  # only a stream on stdin: no play to find, and ansible.py (with roles.py) left unimported
        return found
    from linter.sources import ansible

    try:
        found.extend(ansible.clusters(others, manifests, problems, display))
    except RecursionError:  # an inventory whose groups nest thousands deep
        problems.append((Loc(display(others[0][0]) if others else "."), "Ansible inventory groups nest too deeply to resolve; not checked"))
    return found


def _take_bases(built: list, folders: dict[str, kubernetes.Stream]) -> None:
    """Give each overlay's folder the objects of the base folders it lists (and their subfolders), as ``kustomize
    build`` of it holds them beside its own (its generated ConfigMaps, which the base's workloads mount): only for an
    overlay that changes nothing else (see kustomize.not_applied), so its folder is what it deploys. Its folder then
    holds the base's objects, so it is an environment of its own beside the base (gather.environments). A base that
    is itself such an overlay is built first."""
    by_folder: dict[str, list] = {}
    for k in built:
        by_folder.setdefault(os.path.dirname(os.path.abspath(k.path)), []).append(k)
    done: set[str] = set()

    def build(folder: str) -> None:
        if folder in done:
            return
        done.add(folder)  # before its bases: a loop of overlays ends here
        for k in by_folder.get(folder, ()):
            for base in kustomize.bases(k):
                build(base)
                for other in sorted(folders):
                    if other != folder and inside(other, base):
                        folders.setdefault(folder, kubernetes.Stream()).take_missing(folders[other])

    for folder in list(by_folder):
        build(folder)


def environments(folders: dict[str, kubernetes.Stream]) -> list[tuple[str, kubernetes.Stream]]:
    """The objects of the folders' YAML files, as (the folder they share, their stream) per environment: what one
    cluster holds. A cluster holds one object of a kind, namespace and name, so two such objects belong to two
    environments (k8s/prod and k8s/staging each with ConfigMap wso2/bps-conf). Bottom-up, a folder's own files and
    the environments of its subfolders form one environment when no two of them hold the same object (a kustomize
    base split in configmaps/ and workloads/); else each subfolder's environment stays apart, and each takes what the
    folders above it hold and subfolders of no workload that clash with none (k8s/common/ of ConfigMaps), where it
    holds no object of the same kind, namespace and name itself: its own wins. A folder's own files are never split."""
    if not folders:
        return []
    top = os.path.commonpath(list(folders))
    below: dict[str, set[str]] = {}  # folder -> its subfolders on the way to a folder of YAML files
    for folder in folders:
        while folder != top and folder not in below.get(os.path.dirname(folder), ()):
            below.setdefault(os.path.dirname(folder), set()).add(folder)
            folder = os.path.dirname(folder)
    settled: dict[str, list[tuple[list[str], kubernetes.Stream]]] = {}  # folder -> its environments (their folders)
    for folder in sorted({top, *folders, *below}, key=lambda f: -len(f.rstrip(os.sep).split(os.sep))):  # deepest first
        subs = [settled.pop(sub) for sub in sorted(below.get(folder, ()))]
        own = [([folder], folders[folder])] if folder in folders else []
        joined = _joined(own + [env for envs in subs for env in envs]) if all(len(envs) == 1 for envs in subs) else None
        # a subfolder split in environments (prod/ and staging/ below it) is where they are: kept apart above too
        settled[folder] = joined if joined is not None else _shared(own, subs)
    return [(os.path.commonpath(where), stream) for where, stream in settled[top]]


def _joined(parts: list[tuple[list[str], kubernetes.Stream]]) -> list[tuple[list[str], kubernetes.Stream]] | None:
    """``parts`` as one environment, or None when two hold the same object."""
    if len(parts) < 2:
        return parts
    joined = kubernetes.Stream()
    for _, stream in parts:
        if joined.clashes(stream):
            return None
        joined.merge(stream)
    return [([folder for where, _ in parts for folder in where], joined)]


def _shared(own: list, subs: list[list]) -> list[tuple[list[str], kubernetes.Stream]]:
    """The environments below a folder that are kept apart, each with what is shared: the folder's own files and a
    subfolder's single environment of no workload that clashes with neither them nor another such subfolder, given
    to each environment as the objects it lacks. Own files holding a workload are also an environment as they are
    (``kubectl apply -f`` of the folder); what else is shared is read once, for its problems."""
    parts = [env for envs in subs for env in envs]
    quiet = [envs[0] for envs in subs if len(envs) == 1 and not envs[0][1].workloads]
    common = [part for part in quiet if not any(other is not part and part[1].clashes(other[1]) for other in own + quiet)]
    apart = [part for part in parts if not any(part is c for c in common)]
    shared = own + common
    if not apart or not shared:
        return own + parts
    result = []
    for where, stream in apart:
        env = kubernetes.Stream()
        env.merge(stream)
        for _, given in shared:
            env.take_missing(given)
        result.append((where, env))
    kept = [part for part in own if part[1].workloads]
    problems = kubernetes.Stream()  # the problems of the shared files not kept as an environment, reported once
    for _, stream in shared:
        if not any(stream is k[1] for k in kept):
            problems.problems.extend(stream.problems)
    return result + kept + [([where for where, _ in shared][0], problems)]


_READ: list = []  # [(the stdin object, its bytes)]: the stream read once, for every pass of one run


def read_stdin() -> bytes:
    """Standard input's bytes (up to the YAML limit, one more to tell it was cut), read once: ``graph -`` and
    ``report -`` walk the sources twice (findings, then models), and a pipe can be read only once."""
    if not _READ or _READ[0][0] is not sys.stdin:
        _READ[:] = [(sys.stdin, sys.stdin.buffer.read(MAX_YAML_BYTES + 1))]
    return _READ[0][1]


def in_helm_chart(path: str, root: str | None) -> bool:
    """A file of a Helm chart's source (a Chart.yaml above it): Go templates, not manifests; ``helm template`` renders them."""
    import os

    from linter.discover.layout import nearest_with

    return nearest_with(os.path.dirname(os.path.abspath(path)), ("Chart.yaml",), os.path.dirname(root) if root else None) is not None


def workload_replicas(path: str, problems: list, display) -> int | None:
    """``spec.replicas`` of the first Deployment or StatefulSet in ``path`` (a manifest's workload binding)."""
    from linter.sources.yamlnodes import documents, text

    data, problem = read_bytes(path)
    if data is None:
        problems.append((Loc(display(path)), f"workload file named in bps-lint.toml cannot be read: {problem.message if problem else ''}"))
        return None
    docs, yaml_problem = documents(data.decode("utf-8", errors="replace"))
    if yaml_problem:
        problems.append((Loc(display(path), yaml_problem.line), str(yaml_problem)))
    for doc in docs:
        if text(doc, "kind") in kubernetes.WORKLOAD_KINDS:
            replicas = text(doc, "spec", "replicas")
            return int(replicas) if replicas and re.fullmatch(r"[0-9]{1,9}", replicas) else 1
    problems.append((Loc(display(path)), "workload file named in bps-lint.toml holds no Deployment or StatefulSet"))
    return None
