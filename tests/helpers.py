"""Build clusters on disk for tests: the example cluster plus a policy example's changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from linter.evaluate.engine import Engine
from linter.evaluate.policy import load_policies
from linter.findings import RunResult
from linter.run import lint_paths

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CLUSTER = REPO / "examples" / "cluster"
CORPUS = (REPO.parent / "shared" / "corpus").resolve()
STOCK = CORPUS / "bps-3.6.0-stock"

_POLICIES = None


def policies():
    global _POLICIES
    if _POLICIES is None:
        _POLICIES = load_policies()
    return _POLICIES


def engine() -> Engine:
    return Engine(policies())


def lint(*paths) -> RunResult:
    return lint_paths([str(p) for p in paths], engine())


def node_file(cluster: Path, node: str, rel: str) -> Path:
    """A node's file: ``bin/...`` below the node folder, everything else below repository/conf."""
    if rel == "":
        return cluster / node
    if rel.startswith("bin/"):
        return cluster / node / rel
    return cluster / node / "repository" / "conf" / rel


def materialize(example: dict, dest: Path, base: Path = EXAMPLE_CLUSTER) -> Path:
    """Copy the example cluster to ``dest`` and apply the example's file changes; return the cluster folder."""
    cluster = dest / "cluster"
    shutil.copytree(base, cluster, symlinks=True)
    for item in example["files"]:
        for node in item["nodes"]:
            path = node_file(cluster, node, item["file"])
            state = item.get("state")
            if state == "missing":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            elif state == "loop":
                path.unlink()
                os.symlink(path.name, path)
            elif "replace" in item:
                text = path.read_bytes().decode("latin-1")
                old, new = item["replace"], item["with"]
                if "\r\n" in text:
                    old, new = old.replace("\n", "\r\n"), new.replace("\n", "\r\n")
                assert old in text, f"{path}: example text to replace not found: {old!r}"
                path.write_bytes(text.replace(old, new, 1).encode("latin-1"))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(item.get("xml", item.get("text", "")), encoding="utf-8")
    if "manifest" in example:
        (cluster / "bps-lint.toml").write_text(example["manifest"], encoding="utf-8")
    return cluster


def where(finding) -> tuple[str, int]:
    return os.path.realpath(finding.loc.path), finding.loc.line or 0
