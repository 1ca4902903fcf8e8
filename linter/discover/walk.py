"""Walk the user's paths and group node folders into clusters."""

from __future__ import annotations

import errno
import os

from linter.discover.layout import ANY_MARKERS, BPS_MARKERS, PACK_NAME, conf_dir_of, host_folders, nearest_with, node_home, start_script_of
from linter.discover.manifest import Manifest, NodeSettings, find_manifest, load_manifest
from linter.parse.location import OUTSIDE, Loc, inside
from linter.records import Record
from linter.sources import defaults


class Hidden(Record):
    """A folder of the node that something mounted over it replaces (a ConfigMap without ``subPath``): the files the
    mount does not bring are missing, not the product's."""

    folder: str  # conf-relative ('' the whole conf folder), or "bin", the start script's
    path: str  # the folder in the container
    why: str  # what a missing file's finding says of it
    at: Loc  # where that finding goes (the mount)
    unknown: tuple[str, ...] = ()  # conf-relative paths ('' all) below it that another volume (a Secret) fills: not known, not missing


class NodeSource(Record):
    """A node folder found on disk, before any file is read."""

    name: str
    path: str  # the node folder as the user sees it (relative to the cwd when possible)
    conf_dir: str
    layout: str
    start_script: str | None
    settings: NodeSettings = NodeSettings()
    root: str | None = None  # the real path of the folder checked: a file whose link leads out of it is not read
    # Files not read from conf_dir: conf-relative name (or "bin/wso2server.sh") -> linter.sources.files.SourceFile
    files: dict | None = None
    product: str | None = None  # the product whose stock files stand in for missing ones ("bps-3.6.0"); None: detect
    base: str | None = None  # an unpacked pack (a node folder) whose files stand in for missing ones instead
    overlay_hint: str | None = None  # how to add a missing file to this source, e.g. "a template of {rel} in roles/bps/templates"
    unmounted: tuple = ()  # (rel, how to place it): files the source already holds where the node does not take them from
    default_anchor: Loc | None = None  # where a finding in a product default is reported when its own path is not the user's (a container's)
    # how a finding moved there names its place in the default file ({path}, {rel} and {line} filled in): a container image's
    default_place: str = "{path}:{line} in the image"
    # JVM flags the node gets outside its start script, before the script's own (a container's JAVA_OPTS): (flag, Loc)
    jvm_options: tuple = ()
    per_pod_properties: frozenset = frozenset()  # system properties jvm_options set from a pod's own name or IP: each replica's differs
    unknown: tuple[str, ...] = ()  # conf-relative paths ('' all) a volume not read fills: its files are not known, not the image's
    hidden: tuple[Hidden, ...] = ()  # folders whose image files a mount hides: no product default stands in there


class ClusterSource(Record):
    name: str
    path: str
    nodes: list[NodeSource]  # filled in as the walk finds them
    databases: dict[str, int]
    hosts: dict[str, str] = {}
    artifact_sharing: str | None = None  # how artifacts reach the workers when not by deployment synchronizer
    properties: dict[str, str] = {}  # system properties the JVMs get outside the start script (manifest [properties])


class Discovery(Record):
    clusters: list[ClusterSource]
    problems: list[tuple[Loc, str]]  # walk problems (loops, unreadable folders): reported, never fatal
    strays: tuple[str, ...] = ()  # files given that belong to no node
    overlays: tuple[tuple[str, str], ...] = ()  # (folder, note) of each kustomize overlay read as written, not built


def _below(folder: str, path: str) -> str | None:
    """``path`` relative to ``folder`` when it lies inside it: a string cut, without relpath's work."""
    prefix = folder if folder.endswith(os.sep) else folder + os.sep  # the root ends with one already
    return path[len(prefix) :] if path.startswith(prefix) else None


def display_path(path: str) -> str:
    """Paths relative to the current directory, as users type them, when the two share a folder below the root
    ('../broken-cluster/...'); others absolute, not a chain of '../' up to the root that says less than the path."""
    cwd = os.getcwd()
    rest = _below(cwd, path)
    if rest is not None:
        return rest
    try:
        shared = os.path.commonpath([cwd, path])
        return path if os.path.dirname(shared) == shared else os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        return path


def _display_below(folder: str, shown: str, path: str | None) -> str | None:
    """``path`` as displayed, given that ``folder`` displays as ``shown``: no relpath for each file of a node."""
    if path is None:
        return None
    rest = _below(folder, path)
    if rest is None:
        return display_path(path)
    return rest if shown == os.curdir else shown + os.sep + rest


def _real_below(folder: str, folder_real: str, path: str) -> str:
    """The real path of ``path`` below ``folder`` (real path ``folder_real``): realpath only past a link."""
    real = folder_real
    for part in os.path.relpath(path, folder).split(os.sep):
        if part in ("", os.curdir):
            continue
        folder = os.path.join(folder, part)
        real = os.path.realpath(folder) if os.path.islink(folder) else os.path.join(real, part)
    return real


_NOT_CONFIGURATION = frozenset(("site-packages", "dist-packages", "node_modules", "__pycache__"))


def _walk(
    top: str,
    real: str,
    found: list[tuple[str, str, str, str, str]],
    problems: list[tuple[Loc, str]],
    seen: set[tuple[int, int]],
    exclude,
    others: list | None,
    kustomizations: dict,
) -> None:
    """Collect (folder, real folder, layout, conf folder, ``real``) of every node below ``top``, whose real path is ``real``.

    The real path is carried down rather than asked of every folder: realpath costs a system call
    per path component, and only symbolic links change it. The walk keeps its own stack (a folder
    nested a thousand deep is no reason to stop), and a link leading out of ``real`` is reported,
    not followed."""
    root = real
    stack = [(top, real)]
    while stack:
        folder, folder_real = stack.pop()
        if exclude and exclude(folder):
            continue
        try:
            st = os.stat(folder)
        except OSError as exc:
            problems.append((Loc(display_path(folder)), f"cannot read folder: {exc.strerror or exc}"))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue  # a symlink back into a folder already walked: a loop or an alias
        seen.add(key)
        node = conf_dir_of(folder)
        if node and _generated_only(node, top, root, kustomizations):
            node = None  # a kustomization's ConfigMap files, read with its workloads (linter.sources.kustomize)
        if node:
            conf_real = _real_below(folder, folder_real, node[1])
            if inside(conf_real, root):
                found.append((folder, folder_real, node[0], node[1], root))
            else:
                problems.append((Loc(display_path(node[1])), OUTSIDE))
            continue
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append((Loc(display_path(folder)), f"cannot list folder: {exc.strerror or exc}"))
            continue
        below = []
        for entry in entries:
            if entry.name.startswith(".") or entry.name in _NOT_CONFIGURATION:
                continue  # .git, .venv, editor folders; installed packages (a venv/ beside the clusters holds bps-lint's examples)
            try:
                is_dir = entry.is_dir()  # follows symlinks; loops are caught by ``seen``
            except OSError:
                is_dir = False
            if is_dir:
                if entry.is_symlink():
                    child_real = os.path.realpath(entry.path)
                    if not inside(child_real, root):
                        problems.append((Loc(display_path(entry.path)), OUTSIDE))
                        continue
                else:
                    child_real = os.path.join(folder_real, entry.name)
                below.append((entry.path, child_real))
            elif others is not None and is_source_file(entry.name):
                others.append((entry.path, root))
            elif entry.is_symlink() and not os.path.exists(entry.path):
                try:
                    os.stat(entry.path)
                except OSError as exc:
                    if exc.errno == errno.ELOOP:  # a link that points at itself
                        problems.append((Loc(display_path(entry.path)), "symbolic link loop; not followed"))
        stack.extend(reversed(below))  # depth first, in name order, as a recursive walk would go


def _generated_only(node: tuple[str, str], top: str, root: str, cache: dict) -> bool:
    """Whether the conf files that make a folder a node are all ones a kustomization.yaml at or above its conf
    folder (up to ``top``) makes ConfigMaps of: they are its workloads' files, not a node of their own. ``cache``:
    the kustomizations parsed in this run (linter.sources.kustomize.load)."""
    layout, conf = node
    folder, kustomizations = conf, []
    while True:
        # kustomize.NAMES, spelt here: importing that module for every walk would cost more than the check
        kustomizations += [path for name in ("kustomization.yaml", "kustomization.yml") if os.path.isfile(path := os.path.join(folder, name))]
        if folder == top or os.path.dirname(folder) == folder:
            break
        folder = os.path.dirname(folder)
    if not kustomizations:
        return False
    from linter.sources.kustomize import generated_files, load

    generated = set().union(*(generated_files(k) for path in kustomizations for k in load(path, root, cache)))
    present = [path for name in (ANY_MARKERS if layout == "bps-home" else BPS_MARKERS) if os.path.lexists(path := os.path.join(conf, name))]
    return bool(present) and all(os.path.realpath(path) in generated for path in present)


MANIFEST_NAMES = ("bps-lint.toml", "pyproject.toml")
STDIN = "-"


def is_source_file(name: str) -> bool:
    """A file that may hold nodes of another kind: a Kubernetes or Ansible YAML file, or an Ansible inventory."""
    return name.endswith((".yaml", ".yml", ".ini")) or name in ("inventory", "hosts")


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


def _roots(paths: list[str]) -> tuple[list[str], set[str], set[str], list[str]]:
    """Folders to walk; real folders given as such; real node folders of the files given; files of no node.

    A file (as pre-commit passes changed files) stands for its whole cluster: we walk the
    folder above its node, and keep only the clusters that hold a node of a given file.
    """
    roots, given_dirs, file_nodes, strays = [], set(), set(), []
    for path in paths:
        if path == STDIN:
            continue
        if os.path.isdir(path):
            roots.append(path)
            given_dirs.add(os.path.realpath(path))
        elif os.path.basename(path) in MANIFEST_NAMES:
            roots.append(os.path.dirname(os.path.abspath(path)))
            given_dirs.add(os.path.realpath(os.path.dirname(os.path.abspath(path))))
        else:
            node = enclosing_node(path)
            if node is not None:
                home = node_home(node)
                roots.append(os.path.dirname(home))
                hosts = os.path.dirname(os.path.dirname(home))
                if PACK_NAME.match(os.path.basename(home)) and _under(os.path.realpath(hosts), {os.path.realpath(os.curdir)}):
                    roots.append(hosts)  # <host>/wso2bps-3.6.0: the other hosts' packs, within the repository only
                file_nodes.add(os.path.realpath(node))
            elif is_source_file(os.path.basename(path)) or path.endswith(".j2"):
                # A manifest, template or inventory stands for the sources around it: the repository it is in.
                top = _source_top(path)
                roots.append(top)
                given_dirs.add(os.path.realpath(top))
            else:
                strays.append(path)
    return roots, given_dirs, file_nodes, strays


def _source_top(path: str) -> str:
    """The folder to walk for a changed YAML file, template or inventory: the nearest folder above holding the
    playbooks' ``roles``, an ansible.cfg (whose roles_path may name other folders), a manifest or a .git, else its folder."""
    folder = os.path.dirname(os.path.abspath(path))
    return nearest_with(folder, (".git", "bps-lint.toml", "roles", "ansible.cfg")) or folder


def _under(real: str, folders: set[str]) -> bool:
    return any(real == f or real.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def discover(paths: list[str], exclude=None) -> Discovery:
    """Find every node under ``paths``; nodes sharing a parent folder form one cluster unless a manifest says otherwise."""
    problems: list[tuple[Loc, str]] = []
    found: list[tuple[str, str, str, str, str]] = []
    seen: set[tuple[int, int]] = set()
    manifests: dict[str, Manifest] = {}
    roots, given_dirs, file_nodes, strays = _roots(paths)
    others: list[tuple[str, str]] = []
    kustomizations: dict = {}  # (real path, root) -> its documents: each kustomization.yaml parsed once in a run
    for root in dict.fromkeys(roots):
        manifest_path = find_manifest(root)
        if manifest_path and manifest_path not in manifests:
            manifests[manifest_path] = load_manifest(manifest_path)
        _walk(os.path.abspath(root), os.path.realpath(root), found, problems, seen, exclude, others, kustomizations)
    if STDIN in paths:
        manifest_path = find_manifest(os.curdir)
        if manifest_path and manifest_path not in manifests:
            manifests[manifest_path] = load_manifest(manifest_path)

    by_real = {real: (node_dir, layout, conf, root) for node_dir, real, layout, conf, root in found}
    assigned: dict[str, tuple[str, str]] = {}  # real node dir -> (cluster name, cluster folder)
    databases: dict[str, int] = {}
    hosts: dict[str, str] = {}
    artifact_sharing = None
    properties: dict[str, str] = {}
    settings: dict[str, NodeSettings] = {}
    for manifest in manifests.values():
        databases.update(manifest.databases)
        hosts.update(manifest.hosts)
        artifact_sharing = manifest.settings.get("artifact-sharing", artifact_sharing)
        properties.update(manifest.settings.get("properties", {}))
        settings.update(manifest.nodes)
        for node_dir in manifest.nodes:
            if node_dir not in by_real and conf_dir_of(node_dir) is None:  # a typo would otherwise set nothing, silently
                rel = os.path.relpath(node_dir, manifest.base_dir)
                problems.append(
                    (
                        Loc(display_path(manifest.path)),
                        f"[nodes.\"{rel}\"] names folder '{display_path(node_dir)}', which holds no BPS configuration; its settings apply to no node",
                    )
                )
        for workload, folder in manifest.settings.get("workloads", {}).items():
            from linter.sources.gather import workload_replicas

            replicas = workload_replicas(os.path.join(manifest.base_dir, workload), problems, display_path)
            if replicas:
                settings.setdefault(os.path.realpath(os.path.join(manifest.base_dir, folder)), NodeSettings(replicas=replicas))
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
                    by_real[node_dir] = (node_dir, node[0], node[1], manifest.repository)

    product, base = _product_settings(manifests.values())
    clusters: dict[tuple[str, str], ClusterSource] = {}
    asked_for: set[tuple[str, str]] = set()  # clusters holding a node under a given folder or of a given file
    shown_parents: dict[str, str] = {}
    lifted = host_folders([node_home(os.path.abspath(node_dir)) for node_dir, _, _, _ in by_real.values()])
    for real, (node_dir, layout, conf, root) in sorted(by_real.items()):
        home = node_home(os.path.abspath(node_dir))
        home = lifted.get(home, home)
        parent = os.path.dirname(home)
        if parent not in shown_parents:
            shown_parents[parent] = display_path(parent)
        name, cluster_dir = assigned.get(real, (shown_parents[parent], parent))
        cluster = clusters.setdefault(
            (name, cluster_dir),
            ClusterSource(
                name=name,
                path=display_path(cluster_dir),
                nodes=[],
                databases=databases,
                hosts=hosts,
                artifact_sharing=artifact_sharing,
                properties=properties,
            ),
        )
        if real in file_nodes or _under(real, given_dirs):
            asked_for.add((name, cluster_dir))
        shown = _display_below(parent, shown_parents[parent], home)
        conf_shown = _display_below(home, shown, os.path.abspath(conf))
        cluster.nodes.append(
            NodeSource(
                name=os.path.basename(home.rstrip(os.sep)) or home,
                path=shown,
                conf_dir=conf_shown,
                layout=layout,
                start_script=_display_below(home, shown, start_script_of(os.path.abspath(node_dir), os.path.abspath(conf))),
                settings=settings.get(real, NodeSettings()),
                root=root,
                # Named in the manifest, else named by the carbon.xml of a folder holding only some files.
                product=product or (None if base else defaults.for_partial_folder(conf_shown, layout, root)),
                base=base,
            )
        )
    wanted = [cluster for key, cluster in clusters.items() if key in asked_for]
    overlays: list[tuple[str, str]] = []
    if others or STDIN in paths:  # PyYAML and Jinja2 are imported only when there is YAML to read
        from linter.sources import gather

        gathered = gather.clusters(others, STDIN in paths, list(manifests.values()), problems, display_path, kustomizations, overlays)
        if product or base:
            gathered = [c._replace(nodes=[n if n.product or n.base else n._replace(product=product, base=base) for n in c.nodes]) for c in gathered]
        wanted.extend(gathered)
    given = _manifest_flags(manifests.values())
    if given:  # the JVMs get them outside the start script (JAVA_OPTS), before its own flags, which override them
        wanted = [c._replace(nodes=[n._replace(jvm_options=given + n.jvm_options) for n in c.nodes]) for c in wanted]
    # A template named (as pre-commit names a changed file) that no play renders for a node is not checked: say so.
    rendered = {os.path.realpath(f.path) for c in wanted for n in c.nodes for f in (n.files or {}).values()}
    strays.extend(p for p in paths if p.endswith(".j2") and os.path.realpath(p) not in rendered and os.path.isfile(p) and enclosing_node(p) is None)
    return Discovery(clusters=wanted, problems=problems, strays=tuple(strays), overlays=tuple(overlays))


def _manifest_flags(manifests) -> tuple:
    """(flag, Loc) of each system property the manifest's ``[properties]`` says the JVMs get (``-Dname=value``, or
    ``-Dname`` for an empty value), at the manifest: the flag rules judge them as they judge the start script's."""
    return tuple(
        (f"-D{name}={value}" if value != "" else f"-D{name}", Loc(display_path(manifest.path)))
        for manifest in manifests
        for name, value in manifest.settings.get("properties", {}).items()
    )


def _product_settings(manifests) -> tuple[str | None, str | None]:
    """The manifest's ``product`` and ``base`` (a folder, resolved against the manifest)."""
    product = base = None
    for manifest in manifests:
        product = manifest.settings.get("product", product)
        if "base" in manifest.settings:
            base = os.path.join(manifest.base_dir, manifest.settings["base"])
    return product, base


def nothing_found(paths: list[str], overlays) -> str:
    """The one-line error of a run with no node to check under ``paths``, saying what they hold instead: a kustomize
    overlay (``overlays``: its folders), or Puppet templates, which bps-lint does not render."""
    from linter.discover.layout import puppet_templates
    from linter.redact import clean
    from linter.sources.kustomize import overlay_hint

    message = f"no BPS node configuration found under {', '.join(clean(p) for p in paths)}{overlay_hint(overlays)}"
    templates = puppet_templates([p for p in paths if os.path.isdir(p)])
    if templates:
        message += (
            f"; it holds Puppet ERB templates ({', '.join(clean(display_path(t)) for t in templates)}), which bps-lint does not"
            " render: render the module into a folder and check that (see the Puppet section of the overlays page of the docs)"
        )
    return message


def why_no_node(paths: list[str], found: Discovery) -> str:
    """``nothing_found`` for a view of the model (model, graph, drift), or why the stream on stdin held no node."""
    from linter.parse.location import STDIN_NAME
    from linter.redact import clean

    on_stdin = next((message for loc, message in found.problems if loc.path == STDIN_NAME), None)
    return on_stdin or nothing_found(paths, [clean(folder) for folder, _ in found.overlays])
