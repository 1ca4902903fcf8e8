"""Checkstyle XML, which Jenkins (Warnings Next Generation), SonarQube imports and many CI dashboards read."""

from __future__ import annotations

from itertools import groupby

from lxml import etree

from linter.redact import escape
from linter.run import RunResult
from linter.report.text import with_scope


def render(result: RunResult, engine=None, settings=None) -> str:
    root = etree.Element("checkstyle", version="4.3")
    for path, findings in groupby(sorted(result.findings, key=lambda f: f.sort_key()), key=lambda f: f.loc.path):
        file = etree.SubElement(root, "file", name=escape(path))
        for f in findings:
            error = etree.SubElement(file, "error")
            if f.loc.line:
                error.set("line", str(f.loc.line))
                if f.loc.column:
                    error.set("column", str(f.loc.column))
            error.set("severity", f.severity)
            error.set("message", escape(f"{with_scope(f)} ({f.help_url})"))
            error.set("source", f"bps-lint.{f.rule}.{f.name}")
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")
