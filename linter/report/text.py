"""``path:line:col: ID severity: message [cluster/node] (help URL)`` and a summary line."""

from __future__ import annotations

from linter.report.summary import counts
from linter.run import RunResult


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def render(result: RunResult) -> str:
    lines = []
    for f in result.findings:
        where = f.loc.path
        if f.loc.line:
            where += f":{f.loc.line}"
            if f.loc.column:
                where += f":{f.loc.column}"
        scope = "/".join(p for p in (f.cluster, f.node) if p)
        lines.append(f"{where}: {f.rule} {f.severity}: {f.message} [{scope}] ({f.help_url})")
    c = counts(result)
    lines.append(
        f"{_plural(c['errors'], 'error')}, {_plural(c['warnings'], 'warning')}, {_plural(c['infos'], 'info')} "
        f"in {_plural(c['files'], 'file')}, {_plural(c['nodes'], 'node')}, {_plural(c['clusters'], 'cluster')}"
    )
    return "\n".join(lines) + "\n"
