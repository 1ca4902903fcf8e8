"""SARIF 2.1.0 for GitHub code scanning (the subset schemas/sarif-github.schema.json describes)."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import urllib.parse

from linter import __version__
from linter.findings import RunResult

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SRCROOT = "%SRCROOT%"


def _artifact(path: str) -> dict:
    if not os.path.isabs(path) and not path.startswith(".."):
        return {"uri": urllib.parse.quote(path.replace(os.sep, "/")), "uriBaseId": SRCROOT}
    return {"uri": pathlib.Path(os.path.abspath(path)).as_uri()}


def _fingerprint(finding) -> str:
    # Stable across runs and line shifts: rule, file, node and message (which quotes the value at fault).
    key = "\0".join((finding.rule, finding.loc.path, finding.node or "", finding.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _fix(f, cache: dict) -> dict | None:
    """A SARIF fix: byte regions of the file and what replaces them."""
    from linter.fix.apply import byte_replacements

    found = byte_replacements(f.fix, cache)
    if not found:
        return None
    replacements = [
        {"deletedRegion": {"byteOffset": r.start, "byteLength": r.end - r.start}, "insertedContent": {"text": r.data.decode("utf-8", errors="replace")}}
        for r in found
    ]
    return {"description": {"text": f.fix.title}, "artifactChanges": [{"artifactLocation": _artifact(f.loc.path), "replacements": replacements}]}


def render(result: RunResult, engine, settings) -> str:
    rules = [
        {
            "id": p.id,
            "name": p.name,
            "shortDescription": {"text": p.title},
            "fullDescription": {"text": p.summary},
            "help": {"text": f"{p.fix}\n\nMore: {engine.help_url(p)}", "markdown": f"{p.fix}\n\n[{p.id} {p.name}]({engine.help_url(p)})"},
            "helpUri": engine.help_url(p),
            "defaultConfiguration": {"level": LEVELS[p.severity]},
            "properties": {"tags": ["wso2-bps", "configuration", p.scope], "problem.severity": {"info": "recommendation"}.get(p.severity, p.severity)},
        }
        for p in engine.policies
    ]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    from linter.fix.apply import replacement_cache

    cache = replacement_cache(result.findings)  # each file read once; fixes differing between a template's hosts left out
    for f in result.findings:
        region = {"startLine": f.loc.line or 1}
        if f.loc.column:
            region["startColumn"] = f.loc.column
        entry = {
            "ruleId": f.rule,
            "level": LEVELS[f.severity],
            "message": {"text": f"{f.message} [{'/'.join(p for p in (f.cluster, f.node) if p)}]"},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(f.loc.path), "region": region}}],
            "partialFingerprints": {"bpsLintFinding/v1": _fingerprint(f)},
        }
        if f.rule in index:
            entry["ruleIndex"] = index[f.rule]
        fix = _fix(f, cache)
        if fix:
            entry["fixes"] = [fix]
        results.append(entry)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "bps-lint", "version": __version__, "semanticVersion": __version__, "informationUri": engine.docs_url, "rules": rules}
                },
                "originalUriBaseIds": {SRCROOT: {"uri": pathlib.Path(os.getcwd()).as_uri() + "/"}},
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
