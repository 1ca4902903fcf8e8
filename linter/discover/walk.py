"""Walk the user's paths and group node folders into clusters."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field

from linter.discover.layout import conf_dir_of, start_script_of
from linter.discover.manifest import Manifest, NodeSettings, find_manifest, load_manifest
from linter.parse.location import Loc


@dataclass
class NodeSource:
    """A node folder found on disk, before any file is read."""

    name: str
    path: str  # the node folder as the user sees it (relative to the cwd when possible)
    conf_dir: str
    layout: str
    start_script: str | None
    settings: NodeSettings = NodeSettings()


@dataclass
class ClusterSource:
    name: str
    path: str
    nodes: list[NodeSource] = field(default_factory=list)
    databases: dict[str, int] = field(default_factory=dict)


@dataclass
class Discovery:
    clusters: list[ClusterSource]
    problems: list[tuple[Loc, str]]  # walk problems (loops, unreadable folders): reported, never fatal
    manifests: list[str]


def display_path(path: str) -> str:
    """Paths relative to the current directory, as users type them."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path


def _optional_display(path: str | None) -> str | None:
    return display_path(path) if path else None


def _walk(top: str, found: list[tuple[str, str, str]], problems: list[tuple[Loc, str]], seen: set[tuple[int, int]], exclude) -> None:
    if exclude and exclude(top):
        return
    try:
        st = os.stat(top)
    except OSError as exc:
        problems.append((Loc(display_path(top)), f"cannot read folder: {exc.strerror or exc}"))
        return
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return  # a symlink back into a folder already walked: a loop or an alias
    seen.add(key)
    node = conf_dir_of(top)
    if node:
        found.append((top, node[0], node[1]))
        return
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError as exc:
        problems.append((Loc(display_path(top)), f"cannot list folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # .git, .venv, editor folders
        try:
            is_dir = entry.is_dir()  # follows symlinks; loops are caught by ``seen``
        except OSError:
            is_dir = False
        if is_dir:
            _walk(entry.path, found, problems, seen, exclude)
        elif entry.is_symlink() and not os.path.exists(entry.path):
            try:
                os.stat(entry.path)
            except OSError as exc:
                if exc.errno == errno.ELOOP:  # a link that points at itself
                    problems.append((Loc(display_path(entry.path)), "symbolic link loop; not followed"))


MANIFEST_NAMES = ("bps-lint.toml", "pyproject.toml")


def enclosing_node(path: str) -> str | None:
    """The node folder a file belongs to (inside its conf tree or its bin/ folder), or None.

    The outermost match wins, as a walk from the top would find it: for
    ``worker1/repository/conf/carbon.xml`` that is ``worker1``, not the conf folder itself.
    """
    real = os.path.realpath(path)
    folder = os.path.dirname(os.path.abspath(path))
    found = None
    while True:
        node = conf_dir_of(folder)
        if node:
            inside = [os.path.realpath(node[1]), os.path.realpath(os.path.join(folder, "bin"))]
            if any(real.startswith(d + os.sep) for d in inside):
                found = folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return found
        folder = parent


def _roots(paths: list[str]) -> tuple[list[str], set[str], set[str]]:
    """Folders to walk; real folders given as such; real node folders of the files given.

    A file (as pre-commit passes changed files) stands for its whole cluster: we walk the
    folder above its node, and keep only the clusters that hold a node of a given file.
    """
    roots, given_dirs, file_nodes = [], set(), set()
    for path in paths:
        if os.path.isdir(path):
            roots.append(path)
            given_dirs.add(os.path.realpath(path))
        elif os.path.basename(path) in MANIFEST_NAMES:
            roots.append(os.path.dirname(os.path.abspath(path)))
            given_dirs.add(os.path.realpath(os.path.dirname(os.path.abspath(path))))
        else:
            node = enclosing_node(path)
            if node is not None:
                roots.append(os.path.dirname(node))
                file_nodes.add(os.path.realpath(node))
    return roots, given_dirs, file_nodes


def _under(real: str, folders: set[str]) -> bool:
    return any(real == f or real.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def discover(paths: list[str], exclude=None) -> Discovery:
    """Find every node under ``paths``; nodes sharing a parent folder form one cluster unless a manifest says otherwise."""
    problems: list[tuple[Loc, str]] = []
    found: list[tuple[str, str, str]] = []
    seen: set[tuple[int, int]] = set()
    manifests: dict[str, Manifest] = {}
    roots, given_dirs, file_nodes = _roots(paths)
    for root in roots:
        manifest_path = find_manifest(root)
        if manifest_path and manifest_path not in manifests:
            manifests[manifest_path] = load_manifest(manifest_path)
        _walk(os.path.abspath(root), found, problems, seen, exclude)

    by_real = {os.path.realpath(node_dir): (node_dir, layout, conf) for node_dir, layout, conf in found}
    assigned: dict[str, tuple[str, str]] = {}  # real node dir -> (cluster name, cluster folder)
    databases: dict[str, int] = {}
    settings: dict[str, NodeSettings] = {}
    for manifest in manifests.values():
        databases.update(manifest.databases)
        settings.update(manifest.nodes)
        for name, node_dirs in manifest.clusters.items():
            if not any(d in by_real for d in node_dirs):
                continue  # a cluster none of whose nodes was asked for
            for node_dir in node_dirs:
                assigned[node_dir] = (name, manifest.base_dir)
                if node_dir not in by_real:
                    node = conf_dir_of(node_dir)
                    if node is None:
                        problems.append(
                            (
                                Loc(display_path(manifest.path)),
                                f"cluster '{name}' names node folder '{display_path(node_dir)}', which holds no BPS configuration",
                            )
                        )
                        continue
                    by_real[node_dir] = (node_dir, node[0], node[1])

    clusters: dict[tuple[str, str], ClusterSource] = {}
    for real, (node_dir, layout, conf) in sorted(by_real.items()):
        parent = os.path.dirname(os.path.abspath(node_dir))
        name, cluster_dir = assigned.get(real, (display_path(parent), parent))
        cluster = clusters.setdefault((name, cluster_dir), ClusterSource(name=name, path=display_path(cluster_dir), databases=databases))
        cluster.nodes.append(
            NodeSource(
                name=os.path.basename(node_dir.rstrip(os.sep)) or node_dir,
                path=display_path(node_dir),
                conf_dir=display_path(conf),
                layout=layout,
                start_script=_optional_display(start_script_of(node_dir, conf)),
                settings=settings.get(real, NodeSettings()),
            )
        )
    wanted = [c for c in clusters.values() if any(_under(os.path.realpath(n.path), given_dirs) or os.path.realpath(n.path) in file_nodes for n in c.nodes)]
    return Discovery(clusters=wanted, problems=problems, manifests=list(manifests))
