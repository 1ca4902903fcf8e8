"""``path:line:col: ID severity: message [cluster/node] (help URL)`` and a summary line."""

from __future__ import annotations

from linter.findings import Finding
from linter.report.summary import counts
from linter.findings import RunResult


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def finding_line(f: Finding) -> str:
    where = f.loc.path
    if f.loc.line:
        where += f":{f.loc.line}"
        if f.loc.column:
            where += f":{f.loc.column}"
    scope = "/".join(p for p in (f.cluster, f.node) if p)
    return f"{where}: {f.rule} {f.severity}: {f.message} [{scope}] ({f.help_url})"


def summary_line(result: RunResult) -> str:
    c = counts(result)
    return (
        f"{_plural(c['errors'], 'error')}, {_plural(c['warnings'], 'warning')}, {_plural(c['infos'], 'info')} "
        f"in {_plural(c['files'], 'file')}, {_plural(c['nodes'], 'node')}, {_plural(c['clusters'], 'cluster')}"
    )


def render(result: RunResult, engine, settings) -> str:
    return "\n".join([*(finding_line(f) for f in result.findings), summary_line(result)]) + "\n"
