"""One lint run: discover, then for each cluster parse, model, evaluate, suppress; clusters are released as we go."""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.config import Settings
from linter.discover.walk import discover
from linter.evaluate import suppress
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
    cluster_names: list[str] = field(default_factory=list)


def lint_paths(paths: list[str], engine: Engine, settings: Settings | None = None) -> RunResult:
    settings = settings or Settings()
    found = discover(paths, exclude=settings.excluded if settings.exclude else None)
    result = RunResult()
    result.findings.extend(engine.problem_findings([(None, FileProblem("unreadable", message, loc)) for loc, message in found.problems]))
    for source in found.clusters:
        built = build_cluster(source)
        cluster = built.cluster
        result.clusters += 1
        result.cluster_names.append(cluster.name)
        result.nodes += len(cluster.nodes)
        result.files += sum(1 for n in cluster.nodes for f in n.files if f.status != "missing") + sum(1 for n in cluster.nodes if n.start_script)
        findings = engine.problem_findings(built.problems) + engine.evaluate(cluster)
        findings = suppress.apply(findings, [(cluster.name, node.name, s) for node, s in built.suppressions], engine)
        result.findings.extend(findings)
    if settings.per_path_ignores:
        result.findings = [f for f in result.findings if not settings.path_ignores(f.loc.path, f.rule, f.name)]
    result.findings.sort(key=Finding.sort_key)
    return result
