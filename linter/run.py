"""One lint run: discover, then for each cluster parse, model, evaluate, suppress; clusters are released as we go."""

from __future__ import annotations

import os

from linter.config import Settings
from linter.discover.walk import ClusterSource, discover
from linter.evaluate import suppress
from linter.evaluate.engine import Engine
from linter.findings import UNUSABLE_INPUT, Finding, RunResult
from linter.model.build import annotate, build_cluster, files_read
from linter.parse.location import inside
from linter.parse.xmlfile import FileProblem
from linter.records import Record
from linter.redact import clean, clean_finding, model_secrets, scrub
from linter.workers import choose_jobs, map_in_processes


class ClusterOutcome(Record):
    """All a run keeps of one cluster once its model is gone: plain data, so a worker process can send it back."""

    name: str
    nodes: int
    files: int
    findings: list[Finding]
    suppressed: int = 0


def lint_cluster(source: ClusterSource, engine: Engine) -> ClusterOutcome:
    built = build_cluster(source)
    cluster = built.cluster
    files = files_read(cluster)
    evaluated = engine.evaluate(cluster)  # first: it tells which cross-node rules wait for a file that cannot be used
    findings = engine.problem_findings(_once(built.problems), waiting=engine.waiting) + evaluated
    found = len(findings)
    findings = annotate(suppress.apply(findings, [(cluster.name, node.name, s) for node, s in built.suppressions], engine), built.notes)
    suppressed = found - sum(1 for f in findings if f.name not in ("invalid-suppression", "unused-suppression"))
    secrets = model_secrets(cluster)
    if secrets:  # a check may quote a value without knowing it came from a secret-named setting
        findings = [f._replace(message=scrub(f.message, secrets)) for f in findings]
    return ClusterOutcome(cluster.name, len(cluster.nodes), files, findings, max(suppressed, 0))


def _once(problems: list) -> list:
    """A file missing from a role is missing for every host the role renders (the same place, the same message):
    one finding, on the first of them, not one per host."""
    seen: set = set()
    kept = []
    for node, problem in problems:
        key = (problem.loc, problem.message)
        if problem.kind == "missing" and key in seen:
            continue
        seen.add(key)
        kept.append((node, problem))
    return kept


def _empty_folders(paths: list[str], found) -> list[str]:
    """The folders among ``paths`` below which discovery found neither a node nor a problem, when there are several."""
    folders = [p for p in paths if p != "-" and os.path.isdir(p)]
    if len(paths) < 2 or not folders:
        return []
    nodes = [os.path.realpath(n.path) for c in found.clusters for n in c.nodes]
    places = nodes + [os.path.realpath(loc.path) for loc, _ in found.problems] + [os.path.realpath(f) for f, _ in found.overlays]

    def holds_something(folder: str) -> bool:  # a node, a problem or an overlay below it, or it lies inside a node
        real = os.path.realpath(folder)
        return any(inside(place, real) for place in places) or any(inside(real, node) for node in nodes)

    return [p for p in folders if not holds_something(p)]


def lint_paths(paths: list[str], engine: Engine, settings: Settings | None = None, jobs: int = 1) -> RunResult:
    """Lint every cluster under ``paths`` with ``jobs`` processes (0: one per core when there are enough clusters).

    One process unless asked: forking is the command line's choice, not a library caller's, whose
    threads a fork would not carry along."""
    settings = settings or Settings()
    found = discover(paths, exclude=settings.excluded if settings.exclude else None)
    result = RunResult()
    result.notes = [
        f"{clean(path)} is not a template of a BPS conf file that a play found renders for a node; not checked"
        if path.endswith(".j2")
        else f"{clean(path)} is not a file of a BPS node (no repository/conf, conf or bps.xml folder holds it); not checked"
        for path in found.strays
    ] + [clean(note) for _, note in found.overlays]  # an overlay's note quotes what its kustomization names (a remote base's URL)
    result.overlays = [clean(folder) for folder, _ in found.overlays]
    result.findings.extend(engine.problem_findings([(None, FileProblem("unreadable", message, loc)) for loc, message in found.problems]))
    result.empty = _empty_folders(paths, found)
    outcomes = map_in_processes(lambda source: lint_cluster(source, engine), found.clusters, choose_jobs(jobs, len(found.clusters)))
    for outcome in outcomes:
        result.clusters += 1
        result.cluster_names.append(clean(outcome.name))
        result.nodes += outcome.nodes
        result.files += outcome.files
        result.findings.extend(outcome.findings)
        result.suppressed += outcome.suppressed
    if settings.per_path_ignores:
        result.findings = [f for f in result.findings if f.name in UNUSABLE_INPUT or not settings.path_ignores(f.loc.path, f.rule, f.name)]
    # The output boundary: whatever a check or a file name holds, no format prints a credential or a control character.
    result.findings = [clean_finding(f) for f in result.findings]
    result.findings.sort(key=Finding.sort_key)
    return result
