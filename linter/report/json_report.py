"""The JSON report, described by schemas/findings.schema.json."""

from __future__ import annotations

import json

from linter import __version__
from linter.report.summary import counts
from linter.findings import RunResult


def _fix(fix, cache: dict) -> dict | None:
    from linter.fix.apply import byte_replacements

    found = byte_replacements(fix, cache)
    if found is None:
        return None
    edits = [{"start": r.start, "end": r.end, "content": r.data.decode("utf-8", errors="replace")} for r in found]
    shown = {"title": fix.title, "safety": fix.safety, "edits": edits}
    return {**shown, "suggested": True} if fix.suggested else shown  # in a manifest or template: --fix leaves it to you


def render(result: RunResult, engine, settings) -> str:
    from linter.fix.apply import replacement_cache

    cache = replacement_cache(result.findings)  # each file read once; fixes differing between a template's hosts left out
    findings = [
        {
            "rule": f.rule,
            "name": f.name,
            "severity": f.severity,
            "message": f.message,
            "path": f.loc.path,
            "line": f.loc.line,
            "column": f.loc.column,
            "cluster": f.cluster,
            "node": f.node,
            "help_url": f.help_url,
            "fix": _fix(f.fix, cache),
        }
        for f in result.findings
    ]
    return json.dumps({"version": __version__, "findings": findings, "summary": counts(result)}, indent=2) + "\n"
