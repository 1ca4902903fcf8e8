"""The JSON report, described by schemas/findings.schema.json."""

from __future__ import annotations

import json

from linter import __version__
from linter.report.summary import counts
from linter.findings import RunResult


def render(result: RunResult, engine, settings) -> str:
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
        }
        for f in result.findings
    ]
    return json.dumps({"version": __version__, "findings": findings, "summary": counts(result)}, indent=2) + "\n"
