"""GitHub Actions workflow commands: one ``::error file=...,line=...::message`` per finding."""

from __future__ import annotations

from linter.report.text import summary_line
from linter.findings import RunResult
from linter.report.text import with_scope

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: RunResult, engine, settings) -> str:
    lines = []
    for f in result.findings:
        props = [f"file={_property(f.loc.path)}"]
        if f.loc.line:
            props.append(f"line={f.loc.line}")
            if f.loc.column:
                props.append(f"col={f.loc.column}")
        props.append(f"title={_property(f'{f.rule} {f.name}')}")
        lines.append(f"::{COMMANDS[f.severity]} {','.join(props)}::{_data(f'{with_scope(f)} ({f.help_url})')}")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"
