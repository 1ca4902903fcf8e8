"""Stage 5: print findings for people (text) and tools (json, sarif, ...).

Every format is a module here with one function, ``render(result, engine, settings) -> str``
(a RunResult, the Engine that produced it, the run's Settings); RENDERERS is the one list of them,
and the command line's --format choices come from it."""

from __future__ import annotations

RENDERERS = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
    "gitlab": "gitlab",
    "checkstyle": "checkstyle",
}  # format -> module
FORMATS = tuple(RENDERERS)


def renderer(name: str):
    """The ``render`` function of format ``name``, its module imported only when asked for."""
    import importlib

    return importlib.import_module(f"linter.report.{RENDERERS[name]}").render
