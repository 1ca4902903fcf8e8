"""Build clusters on disk for tests: the example cluster plus a policy example's changes."""

from __future__ import annotations

import os
from pathlib import Path

from linter.evaluate.engine import Engine
from linter.evaluate.policy import load_policies
from linter.examples import materialize, node_file  # noqa: F401 (one copy, in the package; tests import them from here)
from linter.run import RunResult, lint_paths

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


def where(finding) -> tuple[str, int]:
    return os.path.realpath(finding.loc.path), finding.loc.line or 0
