"""Build clusters on disk for tests: the example cluster plus a policy example's changes."""

from __future__ import annotations

import os
from pathlib import Path

from linter.evaluate.engine import Engine
from linter.evaluate.policy import load_policies
from linter.examples import materialize, node_file  # noqa: F401 (one copy, in the package; tests import them from here)
from linter.findings import RunResult
from linter.run import lint_paths

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CLUSTER = REPO / "examples" / "cluster"
CORPUS = (REPO.parent / "shared" / "corpus").resolve()
STOCK = CORPUS / "bps-3.6.0-stock"

_POLICIES = None

# The mistakes planted in examples/broken-cluster: (rule, node, file, line). Every test that counts
# the broken example's findings counts from here (BROKEN_TOTALS, broken_summary).
BROKEN_FINDINGS = {
    ("BPS101", "worker1", "datasources/bps-datasources.xml", 25),  # defaultAutoCommit false
    ("BPS502", "manager", "etc/tasks-config.xml", 15),  # AUTO with taskServerCount 4 in a three-node cluster
    ("BPS502", "worker1", "etc/tasks-config.xml", 15),
    ("BPS502", "worker2", "etc/tasks-config.xml", 15),
    ("BPS602", "manager", "carbon.xml", 585),  # a second AutoCommit node
    ("BPS602", "worker2", "carbon.xml", 585),
    ("BPS207", "manager", "registry.xml", 43),  # two writable config mounts
    ("BPS207", "worker2", "registry.xml", 43),
    ("BPS201", "worker1", "registry.xml", 46),  # cacheId with another host name
    ("BPS404", "worker1", "bps.xml", 117),  # NodeId copied
    ("BPS404", "worker2", "bps.xml", 117),
    ("BPS401", "manager", "bps.xml", 112),  # UseDistributedLock commented out: the stock entry, which the fix uncomments
    ("BPS303", "worker1", "axis2/axis2.xml", 655),  # loadMemberHost
    ("BPS702", "worker1", "wso2server.sh", 315),  # -Dsetup
    ("BPS705", "worker2", "datasources/bps-datasources.xml", 18),  # a plaintext password
}


def policies():
    global _POLICIES
    if _POLICIES is None:
        _POLICIES = load_policies()
    return _POLICIES


def broken_totals() -> dict[str, int]:
    """The broken example's findings by severity (each rule at its bundled severity)."""
    severity = {p.id: p.severity for p in policies()}
    totals = {"error": 0, "warning": 0, "info": 0}
    for rule, *_ in BROKEN_FINDINGS:
        totals[severity[rule]] += 1
    return totals


def broken_summary(files: int = 39, nodes: int = 3, clusters: int = 1) -> str:
    """The summary line of a run over the broken example (and, with other counts, whatever it was copied beside)."""
    t = broken_totals()
    words = [f"{t['error']} error{'s' if t['error'] != 1 else ''}", f"{t['warning']} warning{'s' if t['warning'] != 1 else ''}"]
    words.append(f"{t['info']} info{'s' if t['info'] != 1 else ''}")
    return f"{', '.join(words)} in {files} files, {nodes} nodes, {clusters} cluster{'s' if clusters != 1 else ''}{BROKEN_FIXABLE}"


# What --fix corrects in the broken example: BPS101, BPS201, BPS401, BPS502 on each node; BPS303's rename and
# BPS207's read-only worker and BPS404's NodeId need --unsafe-fixes.
BROKEN_FIXABLE = "; 6 fixable with --fix (3 more with --unsafe-fixes)"


def engine() -> Engine:
    return Engine(policies())


def lint(*paths) -> RunResult:
    return lint_paths([str(p) for p in paths], engine())


def where(finding) -> tuple[str, int]:
    return os.path.realpath(finding.loc.path), finding.loc.line or 0
