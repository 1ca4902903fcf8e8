"""Nodes that are not plain folders: Kubernetes manifests (files, or a stream on stdin) and Ansible roles."""

from __future__ import annotations

import os
import re
import sys

from linter.parse.location import Loc
from linter.parse.xmlfile import read_bytes
from linter.sources import kubernetes
from linter.sources.yamlnodes import MAX_YAML_BYTES

STDIN_NAME = "<stdin>"


def clusters(others: list[tuple[str, str]], stdin: bool, manifests, problems: list, display) -> list:
    stream = kubernetes.Stream()
    patches = kustomize_patches(others)
    for path, root in others:
        if path.endswith((".yaml", ".yml")) and not in_helm_chart(path, root) and os.path.realpath(path) not in patches:
            data, _ = read_bytes(path, root)
            if data and kubernetes.is_candidate(data):
                stream.add(display(path), data)
    if stdin:
        data = read_stdin()
        before = len(stream.workloads) + len(stream.config_maps)
        stream.add(STDIN_NAME, data, always=True)
        if len(stream.workloads) + len(stream.config_maps) == before and not any(loc.path == STDIN_NAME for loc, _ in stream.problems):
            problems.append(
                (Loc(STDIN_NAME), "no Kubernetes ConfigMap or workload found on standard input; expected YAML such as 'helm template CHART' prints")
            )
    named: dict[str, list[str]] = {}
    for manifest in manifests:
        named.update(manifest.settings.get("kubernetes", {}).get("clusters", {}))
    found = stream.clusters(named)
    if stdin and not any(n.path == STDIN_NAME for c in found for n in c.nodes) and stream.config_maps and not stream.problems:
        problems.append((Loc(STDIN_NAME), "no Deployment or StatefulSet on standard input mounts a ConfigMap holding BPS conf files; nothing to check"))
    problems.extend(stream.problems)
    if not others:  # only a stream on stdin: no play to find, and ansible.py (with roles.py) left unimported
        return found
    from linter.sources import ansible

    try:
        found.extend(ansible.clusters(others, manifests, problems, display))
    except RecursionError:  # an inventory whose groups nest thousands deep
        problems.append((Loc(display(others[0][0]) if others else "."), "Ansible inventory groups nest too deeply to resolve; not checked"))
    return found


_READ: list = []  # [(the stdin object, its bytes)]: the stream read once, for every pass of one run


def read_stdin() -> bytes:
    """Standard input's bytes (up to the YAML limit, one more to tell it was cut), read once: ``graph -`` and
    ``report -`` walk the sources twice (findings, then models), and a pipe can be read only once."""
    if not _READ or _READ[0][0] is not sys.stdin:
        _READ[:] = [(sys.stdin, sys.stdin.buffer.read(MAX_YAML_BYTES + 1))]
    return _READ[0][1]


def kustomize_patches(others: list[tuple[str, str]]) -> set[str]:
    """Real paths of the files a kustomization.yaml applies as patches: a part of a workload or ConfigMap that
    ``kustomize build`` merges into the one its resources hold, not one of its own."""
    from linter.sources.yamlnodes import documents, get, items, text

    found = set()
    for path, root in others:
        if os.path.basename(path) not in ("kustomization.yaml", "kustomization.yml"):
            continue
        data, _ = read_bytes(path, root)
        for doc in documents(data.decode("utf-8", errors="replace"))[0] if data and len(data) <= MAX_YAML_BYTES else ():
            named = [text(p) or text(p, "path") for key in ("patchesStrategicMerge", "patches") for p in items(get(doc, key))]
            found.update(os.path.realpath(os.path.join(os.path.dirname(path), name)) for name in named if name)
    return found


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
