"""The terminal report.

``concise``: one line per finding, ``path:line:col: ID severity: message [node] (help URL)``.
``full`` (ruff's default look): the same head line, then the offending source line with a caret under the
column; each rule's URL is printed once, as a footnote. Both end with a summary line. Colour only when asked
for (``colour=True``; the command line decides from the terminal, NO_COLOR and FORCE_COLOR).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import islice
from typing import Iterator

from linter.findings import Finding
from linter.fix import candidate, candidates
from linter.redact import clean, is_secret_name
from linter.report.summary import counts
from linter.findings import RunResult

_SGR = {"error": "1;31", "warning": "1;33", "info": "1;36", "rule": "1", "path": "1", "dim": "2"}  # the caret takes its finding's severity colour
MAX_SOURCE_LINE = 400  # characters shown of a source line; a minified file is not printed whole
MAX_SOURCE_BYTES = 64 * 1024 * 1024
# <password>value</password> or <parameter name="groupPassword">value</parameter>: an element named like a
# credential keeps its name, not its text.
# Patterns as text, compiled (and cached by re) when --style full first shows a source line: a concise report needs neither.
_SECRET_ELEMENT = r"<(?P<tag>[\w.:\-]+)(?P<attrs>[^<>]*)>(?P<text>[^<]*)(?=</)"
_NAME_ATTRIBUTE = r"""\b(?:name|key)\s*=\s*["'](?P<name>[^"']*)["']"""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _paint(text: str, style: str, colour: bool) -> str:
    return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if colour else text


def _where(f: Finding) -> str:
    where = f.loc.path
    if f.loc.line:
        where += f":{f.loc.line}"
        if f.loc.column:
            where += f":{f.loc.column}"
    return where


def scope_label(f: Finding) -> str:
    """``cluster/node``; a cluster named after the current folder (``.``) adds nothing."""
    cluster = None if f.cluster in (".", "") else f.cluster
    return "/".join(p for p in (cluster, f.node) if p)


def with_scope(f: Finding) -> str:
    """The message with ``[cluster/node]`` after it, as the text report prints it: the annotation formats (GitHub,
    GitLab, Checkstyle) carry no node of their own, and a template or ConfigMap several nodes read would otherwise
    give identical annotations."""
    scope = scope_label(f)  # a finding of no node (a walk problem, a manifest's) has none
    return f"{f.message} [{scope}]" if scope else f.message


def finding_line(f: Finding, colour: bool = False, url: bool = True, fixable: bool = False) -> str:
    mark = " [*]" if fixable and candidate(f) else ""  # ruff's mark: --fix corrects it
    where, rule, severity = _where(f), f.rule, f.severity
    if colour:  # plain text costs no call a part: a fleet's report has thousands of lines
        where, rule, severity = _paint(where, "path", colour), _paint(rule, "rule", colour), _paint(severity, severity, colour)
    head = f"{where}: {rule}{mark} {severity}: {with_scope(f)}"
    return f"{head} ({f.help_url})" if url else head


class _Sources:
    """Source lines of the files findings point at, each file read once."""

    def __init__(self):
        self._files: dict[str, list[str] | None] = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self._files:
            try:
                with open(path, "rb") as handle:
                    data = handle.read(MAX_SOURCE_BYTES + 1)
                self._files[path] = None if len(data) > MAX_SOURCE_BYTES else data.decode("utf-8", "replace").split("\n")
            except OSError:
                self._files[path] = None
        lines = self._files[path]
        return lines[number - 1].removesuffix("\r") if lines and 1 <= number <= len(lines) else None


def _secret_element(match: re.Match) -> bool:
    named = re.search(_NAME_ATTRIBUTE, match["attrs"])
    return is_secret_name(match["tag"].rpartition(":")[2]) or bool(named and is_secret_name(named["name"]))


def _masked(line: str) -> str:
    return re.sub(_SECRET_ELEMENT, lambda m: f"<{m['tag']}{m['attrs']}>****" if m["text"].strip() and _secret_element(m) else m.group(), line)


def _snippet(f: Finding, sources: _Sources, colour: bool) -> list[str]:
    if not f.loc.line:
        return []
    raw = sources.line(f.loc.path, f.loc.line)
    if raw is None or len(raw) > MAX_SOURCE_LINE:
        return []
    raw = raw.replace("\t", " ")  # one column per character, so the caret stays under it
    number = str(f.loc.line)
    gutter = " " * len(number)
    shown = clean(_masked(raw))
    lines = [f"{gutter} {_paint('|', 'dim', colour)}", f"{number} {_paint('|', 'dim', colour)} {shown}"]
    if f.loc.column and shown[: f.loc.column] == raw[: f.loc.column]:  # masking or escaping before the column would shift it
        lines.append(f"{gutter} {_paint('|', 'dim', colour)} {' ' * (f.loc.column - 1)}{_paint('^', f.severity, colour)}")
    return lines


def summary_line(result: RunResult) -> str:
    c = counts(result)
    line = (
        f"{_plural(c['errors'], 'error')}, {_plural(c['warnings'], 'warning')}, {_plural(c['infos'], 'info')} "
        f"in {_plural(c['files'], 'file')}, {_plural(c['nodes'], 'node')}, {_plural(c['clusters'], 'cluster')}"
    )
    hidden = [f"{n} {what}" for n, what in ((getattr(result, "suppressed", 0), "suppressed"), (getattr(result, "baselined", 0), "in the baseline")) if n]
    return line + (f" ({', '.join(hidden)})" if hidden else "") + fixable_line(result.findings)


def fixable_line(findings) -> str:
    """What --fix would correct: "; 3 fixable with --fix (1 more with --unsafe-fixes)", or nothing."""
    made = candidates(findings, unsafe=True)
    safe = sum(1 for f in made if f.fix.safe)
    unsafe = len(made) - safe
    if not safe and not unsafe:
        return ""
    more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
    return f"; {safe} fixable with --fix{more}"


def statistics(result: RunResult) -> str:
    """A count per rule, most frequent first (``--statistics``); a fixable column joins once rules have fixes."""
    by_rule = Counter((f.rule, f.name, f.severity) for f in result.findings)
    fixable = {f.rule for f in candidates(result.findings)}
    rows = sorted(by_rule.items(), key=lambda item: (-item[1], item[0][0]))
    width = max((len(str(n)) for n in by_rule.values()), default=1)
    mark = "[*] " if fixable else ""  # the column appears once something is fixable
    return "".join(f"{n:>{width}}  {rule}  {'[*] ' if rule in fixable else ' ' * len(mark)}{name} ({severity})\n" for (rule, name, severity), n in rows)


def render(result: RunResult, engine=None, settings=None, style: str = "concise", colour: bool = False) -> str:
    return "".join(pieces(result, style, colour))


def pieces(result: RunResult, style: str = "concise", colour: bool = False) -> Iterator[str]:
    """The report in pieces of a hundred lines, each ending in a newline: written as they come, the report of a
    large fleet (a megabyte of text) is never held whole, nor encoded whole."""
    lines = _lines(result, style, colour)
    while batch := list(islice(lines, 100)):
        yield "\n".join(batch) + "\n"


def _lines(result: RunResult, style: str, colour: bool) -> Iterator[str]:
    if style != "full":
        yield from (finding_line(f, colour, fixable=True) for f in result.findings)
        yield summary_line(result)
        return
    sources = _Sources()
    urls: dict[str, str] = {}
    for f in result.findings:
        yield finding_line(f, colour, url=False, fixable=True)
        yield from _snippet(f, sources, colour)
        yield ""
        urls.setdefault(f.rule, f.help_url)
    if urls:
        yield from (f"{_paint(rule, 'rule', colour)}: {url}" for rule, url in sorted(urls.items()))
        yield ""
    yield summary_line(result)
