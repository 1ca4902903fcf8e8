"""One self-contained HTML page for a reviewer or an auditor: per cluster the picture, the findings by node and
file with the offending source lines, the drift tables, and the summary.

Nothing is fetched: styles are inline, the pictures are inline SVG, there is no script, and the page's
Content-Security-Policy forbids any request, so it opens the same from disk, a CI artifact or a mail.
Source lines go through ``linter.masking`` (secret element text, attributes and -D flags, URL credentials).
"""

from __future__ import annotations

import os
from collections import Counter
from html import escape

from linter import __version__
from linter.drift import ClusterDrift, EnvironmentDrift, Row
from linter.findings import Finding
from linter.graph import Topology
from linter.graph.svg import render as render_svg
from linter.masking import mask_line
from linter.model.types import Cluster
from linter.records import Record
from linter.report.summary import counts

MAX_SOURCE = 240  # characters of a source line shown


_COUNTS = (
    ("errors", "error", "sev-error"),
    ("warnings", "warning", "sev-warning"),
    ("infos", "info", "sev-info"),
    ("files", "file", ""),
    ("nodes", "node", ""),
    ("clusters", "cluster", ""),
)


class ClusterSection(Record):
    cluster: Cluster
    findings: list[Finding]
    topology: Topology
    drift: ClusterDrift


_CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--error:#c62828;--warning:#b26a00;--info:#1565c0}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--soft)}header h1{margin:0 0 4px;font-size:22px}
main{padding:8px 28px 40px;max-width:1400px}h2{margin-top:36px;border-bottom:1px solid var(--line);padding-bottom:6px}h3{margin-top:26px}
.muted{color:var(--muted)}.counts{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0 0;padding:0;list-style:none}
.counts li{border:1px solid var(--line);border-radius:6px;padding:4px 10px;background:#fff}.counts b{font-size:16px}
.sev-error{color:var(--error);font-weight:600}.sev-warning{color:var(--warning);font-weight:600}.sev-info{color:var(--info);font-weight:600}
.picture{overflow-x:auto;border:1px solid var(--line);border-radius:8px;padding:8px;background:#fff}.picture svg{max-width:none;height:auto}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:13px}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}td code,pre{font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre.source{margin:4px 0 0;padding:4px 8px;background:var(--soft);border-left:3px solid var(--line);white-space:pre-wrap;word-break:break-all}
tr.error pre.source{border-left-color:var(--error)}tr.warning pre.source{border-left-color:var(--warning)}
details{margin:6px 0 12px}summary{cursor:pointer;font-weight:600}.file{margin:10px 0 2px;font-family:ui-monospace,monospace;font-size:13px}
.status-differs,.status-duplicate{color:var(--error);font-weight:600}.status-unique,.status-by-role{color:#2e7d32}
td.unset{color:var(--muted);font-style:italic}td code{word-break:break-all}
table.findings{table-layout:fixed}table.findings th:nth-child(1){width:70px}table.findings th:nth-child(2){width:190px}table.findings th:nth-child(3){width:80px}nav ul{margin:6px 0;padding-left:20px}
"""


def render(result, sections: list[ClusterSection], environments: EnvironmentDrift | None, paths: list[str]) -> str:
    c = counts(result)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # No request of any kind: not a font, an image, a script, nor the favicon.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        '<link rel="icon" href="data:,">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>bps-lint report: {escape(', '.join(paths))}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header>",
        f'<h1>bps-lint report</h1><div class="muted">bps-lint {escape(__version__)} · {escape(", ".join(paths))}</div>',
        '<ul class="counts" id="summary">',
        *(f'<li><b class="{cls}">{c[key]}</b> {word}{"" if c[key] == 1 else "s"}</li>' for key, word, cls in _COUNTS),
        "</ul></header><main>",
    ]
    if len(sections) > 1 or environments is not None:
        out.append("<nav><ul>")
        for number, s in enumerate(sections, 1):
            out.append(f'<li><a href="#cluster-{number}">{escape(s.cluster.name)}</a> — {_severity_counts(s.findings)}</li>')
        if environments is not None:
            out.append('<li><a href="#between-clusters">between clusters</a></li>')
        out.append("</ul></nav>")
    for number, section in enumerate(sections, 1):
        out.append(_cluster(number, section))
    if environments is not None:
        out.append('<section id="between-clusters"><h2>Between clusters</h2>')
        out.append(
            f"<p>Settings that differ between {escape(', '.join(environments.clusters))}, role by role, and are not on the manifest's <code>[drift] allow</code> list.</p>"
        )
        out.append(_rows_table(list(environments.differences), "cluster", "differences between clusters"))
        if environments.allowed:
            out.append(
                f"<details><summary>{len(environments.allowed)} allowed difference(s)</summary>{_rows_table(list(environments.allowed), 'cluster', 'allowed')}</details>"
            )
        out.append("</section>")
    stray = [f for f in result.findings if f.cluster not in {s.cluster.name for s in sections}]
    if stray:
        out.append("<section><h2>Outside any cluster</h2>" + _findings_by_file(stray) + "</section>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _severity_counts(findings: list[Finding]) -> str:
    by = Counter(f.severity for f in findings)
    return ", ".join(f'<span class="sev-{s}">{by[s]} {s}{"" if by[s] == 1 else "s"}</span>' for s in ("error", "warning", "info"))


def _cluster(number: int, s: ClusterSection) -> str:
    urls = {f.rule: f.help_url for f in s.findings}
    out = [f'<section class="cluster" id="cluster-{number}" data-cluster="{escape(s.cluster.name)}">']
    out.append(f"<h2>Cluster {escape(s.cluster.name)}</h2>")
    nodes = ", ".join(f"{escape(n.name)} ({escape(n.role)}{f' ×{n.replicas}' if n.replicas > 1 else ''})" for n in s.cluster.nodes)
    out.append(f"<p>{nodes}. Findings: {_severity_counts(s.findings)}.</p>")
    out.append(f'<h3>Topology</h3><div class="picture">{render_svg(s.topology, urls.get, prefix=f"c{number}")}</div>')
    out.append("<h3>Findings</h3>")
    if not s.findings:
        out.append("<p>No findings.</p>")
    by_node: dict[str | None, list[Finding]] = {}
    for f in s.findings:
        by_node.setdefault(f.node, []).append(f)
    for node in [n.name for n in s.cluster.nodes if n.name in by_node] + ([None] if None in by_node else []):
        title = f"node {node}" if node else "the cluster as a whole"
        out.append(
            f'<details open class="node-findings" data-node="{escape(node or "")}"><summary>{escape(title)} — {_severity_counts(by_node[node])}</summary>'
        )
        out.append(_findings_by_file(by_node[node]))
        out.append("</details>")
    d = s.drift
    out.append('<h3>Drift between nodes</h3><div class="drift">')
    out.append("<p>Settings that should be the same on every node and are not:</p>" + _rows_table(list(d.differences), "node", "differences"))
    out.append("<p>Settings each node must have its own of, checked for uniqueness:</p>" + _rows_table(list(d.per_node), "node", "per-node"))
    if d.by_role:
        out.append("<p>Settings the manager and the workers set differently, as the guide says:</p>" + _rows_table(list(d.by_role), "node", "by-role"))
    out.append("</div></section>")
    return "\n".join(out)


_LINES: dict[str, list[str] | None] = {}


def _source_line(path: str, line: int | None) -> str | None:
    if not line:
        return None
    if path not in _LINES:
        try:
            with open(path, "rb") as handle:
                data = handle.read(8 * 1024 * 1024)
            _LINES[path] = data.decode("utf-8", errors="replace").splitlines()
        except OSError:
            _LINES[path] = None
    lines = _LINES[path]
    if not lines or not 1 <= line <= len(lines):
        return None
    text = mask_line(lines[line - 1].strip())
    return text if len(text) <= MAX_SOURCE else text[:MAX_SOURCE] + " …"


def _findings_by_file(findings: list[Finding]) -> str:
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.loc.path, []).append(f)
    out = []
    for path in sorted(by_file):
        out.append(f'<div class="file">{escape(path)}</div>')
        out.append('<table class="findings"><thead><tr><th>line</th><th>rule</th><th>severity</th><th>finding and source line</th></tr></thead><tbody>')
        for f in sorted(by_file[path], key=Finding.sort_key):
            source = _source_line(f.loc.path, f.loc.line) if os.path.isfile(f.loc.path) else None
            where = f"{f.loc.line}:{f.loc.column}" if f.loc.line and f.loc.column else str(f.loc.line or "")
            src = f'<pre class="source">{escape(source)}</pre>' if source else ""
            out.append(
                f'<tr class="finding {f.severity}" data-rule="{f.rule}"><td>{where}</td>'
                f'<td><a href="{escape(f.help_url)}">{f.rule}</a><br><span class="muted">{escape(f.name)}</span></td>'
                f'<td class="sev-{f.severity}">{f.severity}</td><td>{escape(mask_line(f.message))}{src}</td></tr>'
            )
        out.append("</tbody></table>")
    return "\n".join(out)


def _rows_table(rows: list[Row], column_kind: str, kind: str) -> str:
    if not rows:
        return f'<p class="muted drift-empty" data-kind="{kind}">None.</p>'
    columns = list(dict.fromkeys(c for r in rows for c in r.columns))
    head = "".join(f"<th>{escape(column_kind)} {escape(c)}</th>" for c in columns)
    out = [f'<table class="drift-table" data-kind="{kind}"><thead><tr><th>setting</th><th>file</th>{head}<th>status</th></tr></thead><tbody>']
    for row in rows:
        cells = dict(zip(row.columns, row.cells))
        tds = []
        for c in columns:
            cell = cells.get(c)
            if cell is None:
                tds.append('<td class="unset">—</td>')
            else:
                line = f' <span class="muted">(line {cell.line})</span>' if cell.line and cell.set else ""
                tds.append(f'<td class="{"" if cell.set else "unset"}"><code>{escape(cell.shown)}</code>{line}</td>')
        role = f" <span class='muted'>({escape(row.role)})</span>" if row.role else ""
        status = escape(row.status + (f": {row.note}" if row.note else ""))
        out.append(
            f'<tr data-setting="{escape(row.setting)}"><td><code>{escape(row.setting)}</code>{role}</td><td>{escape(row.file)}</td>{"".join(tds)}'
            f'<td class="status-{row.status}">{status}</td></tr>'
        )
    out.append("</tbody></table>")
    return "".join(out)
