"""One lint run: discover, then for each cluster parse, model, evaluate; clusters are released as we go."""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.discover.walk import discover
from linter.evaluate.engine import Engine
from linter.findings import Finding
from linter.model.build import build_cluster
from linter.parse.xmlfile import FileProblem


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    nodes: int = 0
    clusters: int = 0


def lint_paths(paths: list[str], engine: Engine) -> RunResult:
    found = discover(paths)
    result = RunResult()
    result.findings.extend(engine.problem_findings([(None, FileProblem("unreadable", message, loc)) for loc, message in found.problems]))
    for source in found.clusters:
        cluster, problems = build_cluster(source)
        result.clusters += 1
        result.nodes += len(cluster.nodes)
        result.files += sum(1 for n in cluster.nodes for f in n.files if f.status != "missing") + sum(1 for n in cluster.nodes if n.start_script)
        result.findings.extend(engine.problem_findings(problems))
        result.findings.extend(engine.evaluate(cluster))
    result.findings.sort(key=Finding.sort_key)
    return result
