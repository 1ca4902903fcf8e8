"""GitLab Code Quality report (``artifacts:reports:codequality``): a JSON array of issues with GitLab's fields.

The fingerprint is the baseline's (rule, node, file, element, message; not the line), so GitLab keeps
treating a finding as the same one when an edit above it shifts lines; repeats get a counter appended.
"""

from __future__ import annotations

import json
import os
from collections import Counter

from linter.baseline import fingerprint, relative_path
from linter.run import RunResult
from linter.report.text import with_scope

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def render(result: RunResult, engine=None, settings=None) -> str:
    base = os.getcwd()  # GitLab wants paths relative to the repository, where CI jobs run
    seen: Counter = Counter()
    issues = []
    for f in result.findings:
        fp = fingerprint(f, base)
        seen[fp] += 1
        if seen[fp] > 1:
            fp = f"{fp}-{seen[fp]}"
        issues.append(
            {
                "description": f"{f.rule} {with_scope(f)}",
                "check_name": f"{f.rule} {f.name}",
                "fingerprint": fp,
                "severity": SEVERITIES[f.severity],
                "location": {"path": relative_path(f.loc.path, base), "lines": {"begin": f.loc.line or 1}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"
