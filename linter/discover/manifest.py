"""The cluster manifest: ``bps-lint.toml`` or ``[tool.bps-lint]`` in ``pyproject.toml``.

It says what XML cannot: which folders form a cluster, CPU cores and replicas per node,
and each database server's max connections. Found by walking up from the linted path.
"""

from __future__ import annotations

import os

from linter.records import Record
from linter.resources import first_schema_error, schema_path


class ManifestError(Exception):
    """A manifest that cannot be used; the message names the file and the key."""


class NodeSettings(Record):
    replicas: int = 1
    cores: int | None = None
    host: str | None = None  # the machine it runs on: a host name or an IP address


class Manifest:
    def __init__(self, path: str, base_dir: str, clusters=None, nodes=None, databases=None, settings=None, repository=None):
        self.path = path
        self.base_dir = base_dir
        self.repository = repository or os.path.realpath(base_dir)  # node folders must lie inside it
        self.clusters: dict[str, list[str]] = clusters or {}  # name -> absolute node folders
        self.nodes: dict[str, NodeSettings] = nodes or {}  # absolute node folder -> settings
        self.databases: dict[str, int] = databases or {}  # "host:port" -> max connections
        self.hosts: dict[str, str] = {}  # host name -> IP address, for comparing WKA members
        self.settings: dict = settings or {}

    def node_settings(self, node_dir: str) -> NodeSettings:
        return self.nodes.get(os.path.realpath(node_dir), NodeSettings())


def _read_table(path: str) -> dict | None:
    import tomllib

    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    if os.path.basename(path) == "pyproject.toml":
        return data.get("tool", {}).get("bps-lint")
    return data


def find_manifest(start: str) -> str | None:
    """The nearest bps-lint.toml, or pyproject.toml with [tool.bps-lint], at or above ``start``."""
    folder = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        candidate = os.path.join(folder, "bps-lint.toml")
        if os.path.isfile(candidate):
            return candidate
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                if _read_table(candidate) is not None:
                    return candidate
            except (OSError, ValueError, RecursionError):  # TOMLDecodeError is a ValueError
                pass  # someone else's broken pyproject is not ours to report
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _validate(path: str, table: dict) -> None:
    import json

    import jsonschema  # only runs when a manifest exists

    with open(schema_path("manifest.schema.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    error = first_schema_error(sorted(jsonschema.Draft202012Validator(schema).iter_errors(table), key=lambda e: list(e.absolute_path)))
    if error:
        raise ManifestError(f"{path}: invalid manifest at '{error[0]}': {error[1]}")


def _repository(folder: str) -> str:
    """The real path of the repository holding ``folder``: the nearest folder above with a .git, else ``folder`` itself."""
    from linter.discover.layout import nearest_with

    real = os.path.realpath(folder)
    return nearest_with(real, (".git",)) or real


_LOADED: dict[tuple, Manifest] = {}


def load_manifest(path: str) -> Manifest:
    """The manifest at ``path``, read and validated once per run (the settings and the walk both ask for it)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return _load_manifest(path)  # says why it cannot be read
    key = (os.path.abspath(path), data)  # the text itself: a rewrite within one clock tick is still seen
    if key not in _LOADED:
        if len(_LOADED) > 32:
            _LOADED.clear()
        _LOADED[key] = _load_manifest(path)
    return _LOADED[key]


def _load_manifest(path: str) -> Manifest:
    try:
        table = _read_table(path) or {}
        _validate(path, table)
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except RecursionError:
        raise ManifestError(f"{path}: nested too deeply to read; a manifest holds tables of plain values") from None
    base = os.path.dirname(os.path.abspath(path))
    repository = _repository(base)

    def resolve(rel: str, key: str) -> str:
        real = os.path.realpath(os.path.join(base, rel))
        if not (real == repository or real.startswith(repository.rstrip(os.sep) + os.sep)):
            raise ManifestError(f"{path}: invalid manifest at '{key}': '{rel}' is outside the repository the manifest belongs to; expected a folder inside it")
        return real

    manifest = Manifest(path=path, base_dir=base, settings=table, repository=repository)
    for name, cluster in table.get("clusters", {}).items():
        manifest.clusters[name] = [resolve(n, f"clusters.{name}.nodes") for n in cluster.get("nodes", [])]
    for rel, node in table.get("nodes", {}).items():
        manifest.nodes[resolve(rel, f"nodes.{rel}")] = NodeSettings(replicas=node.get("replicas", 1), cores=node.get("cores"), host=node.get("host"))
    for server, db in table.get("databases", {}).items():
        manifest.databases[server.lower()] = db["max-connections"]
    for name, address in table.get("hosts", {}).items():
        manifest.hosts[name.lower()] = address
    return manifest
