from __future__ import annotations

from collections import Counter

from linter.findings import RunResult


def counts(result: RunResult) -> dict[str, int]:
    by_severity = Counter(f.severity for f in result.findings)
    return {
        "errors": by_severity["error"],
        "warnings": by_severity["warning"],
        "infos": by_severity["info"],
        "files": result.files,
        "nodes": result.nodes,
        "clusters": result.clusters,
    }
