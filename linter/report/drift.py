"""Drift as text, Markdown or JSON (schemas/drift.schema.json)."""

from __future__ import annotations

import json

from linter import __version__
from linter.drift import ClusterDrift, EnvironmentDrift, Row

STATUS_WORDS = {"differs": "DIFFERS", "duplicate": "DUPLICATE", "unique": "unique", "by-role": "by role"}


def summary(clusters: list[ClusterDrift], environments: EnvironmentDrift | None) -> dict[str, int]:
    return {
        "differences": sum(len(c.differences) for c in clusters),
        "duplicates": sum(1 for c in clusters for r in c.per_node if r.status == "duplicate"),
        "environment_differences": len(environments.differences) if environments else 0,
        "allowed_differences": len(environments.allowed) if environments else 0,
    }


def failed(clusters: list[ClusterDrift], environments: EnvironmentDrift | None) -> bool:
    counts = summary(clusters, environments)
    return bool(counts["differences"] or counts["duplicates"] or counts["environment_differences"])


def _summary_line(counts: dict[str, int], clusters: int) -> str:
    parts = [
        f"{counts['differences']} setting(s) differ between nodes",
        f"{counts['duplicates']} per-node setting(s) not unique",
    ]
    if clusters > 1:
        parts.append(f"{counts['environment_differences']} difference(s) between clusters not on the allow-list ({counts['allowed_differences']} allowed)")
    return "; ".join(parts) + f" in {clusters} cluster(s)"


# --- text -----------------------------------------------------------------------------------


def _text_row(row: Row) -> list[str]:
    head = f"  {STATUS_WORDS[row.status]:<9} {row.setting}  ({row.file})" + (f"  [{row.role}]" if row.role else "") + (f": {row.note}" if row.note else "")
    width = max(len(c) for c in row.columns)
    lines = [head]
    for column, cell in zip(row.columns, row.cells):
        where = f"  line {cell.line}" if cell.line and cell.set else ""
        lines.append(f"      {column:<{width}}  {cell.shown}{where}")
    return lines


def render_text(clusters: list[ClusterDrift], environments: EnvironmentDrift | None) -> str:
    out = []
    for c in clusters:
        roles = ", ".join(f"{name} ({role}{f' ×{n}' if n > 1 else ''})" for name, role, n in c.nodes)
        out.append(f"cluster {c.cluster}: {roles}")
        out.append(f" settings that differ between nodes: {len(c.differences) or 'none'}")
        for row in c.differences:
            out.extend(_text_row(row))
        out.append(" per-node settings (each node its own):")
        for row in c.per_node:
            out.extend(_text_row(row))
        if c.by_role:
            out.append(" settings that differ by role (the manager writes, workers read):")
            for row in c.by_role:
                out.extend(_text_row(row))
        out.append("")
    if environments is not None:
        out.append(f"between clusters {', '.join(environments.clusters)}: {len(environments.differences) or 'no'} difference(s) not on the allow-list")
        for row in environments.differences:
            out.extend(_text_row(row))
        if environments.allowed:
            out.append(f" {len(environments.allowed)} allowed difference(s) not shown ([drift] allow in the manifest)")
        for cluster, role in environments.missing_roles:
            out.append(f" note: {cluster} has no {role} node to compare")
        out.append("")
    out.append(_summary_line(summary(clusters, environments), len(clusters)))
    return "\n".join(out) + "\n"


# --- Markdown -------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("`", "'")


def markdown_table(rows: list[Row], with_status: bool = True) -> list[str]:
    if not rows:
        return ["_none_", ""]
    columns = list(dict.fromkeys(c for r in rows for c in r.columns))
    head = ["setting", "file", *columns] + (["status"] if with_status else [])
    out = ["| " + " | ".join(_md(h) for h in head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = dict(zip(row.columns, row.cells))
        setting = _md(row.setting) + (f" ({_md(row.role)})" if row.role else "")
        values = [_md(cells[c].shown) if c in cells else "" for c in columns]
        status = [_md(STATUS_WORDS[row.status] + (f": {row.note}" if row.note else ""))] if with_status else []
        out.append("| " + " | ".join([setting, _md(row.file), *values, *status]) + " |")
    out.append("")
    return out


def render_markdown(clusters: list[ClusterDrift], environments: EnvironmentDrift | None) -> str:
    out = []
    for c in clusters:
        out += [f"## Cluster `{_md(c.cluster)}`", ""]
        out += ["Nodes: " + ", ".join(f"{_md(name)} ({role})" for name, role, _ in c.nodes), ""]
        out += ["### Settings that differ between nodes", ""] + markdown_table(list(c.differences))
        out += ["### Per-node settings", ""] + markdown_table(list(c.per_node))
        if c.by_role:
            out += ["### Settings that differ by role", ""] + markdown_table(list(c.by_role))
    if environments is not None:
        out += [f"## Between clusters {', '.join(f'`{_md(n)}`' for n in environments.clusters)}", ""]
        out += markdown_table(list(environments.differences))
        if environments.allowed:
            out += [f"{len(environments.allowed)} allowed difference(s) not shown.", ""]
    out.append(_summary_line(summary(clusters, environments), len(clusters)))
    return "\n".join(out) + "\n"


# --- JSON -----------------------------------------------------------------------------------


def _json_row(row: Row, key: str) -> dict:
    return {
        "setting": row.setting,
        "file": row.file,
        "secret": row.secret,
        "status": row.status,
        "note": row.note or None,
        **({"role": row.role} if row.role else {}),
        "values": [
            {key: column, "value": cell.shown if cell.set else None, "path": cell.path, "line": cell.line} for column, cell in zip(row.columns, row.cells)
        ],
    }


def render_json(clusters: list[ClusterDrift], environments: EnvironmentDrift | None) -> str:
    data = {
        "version": __version__,
        "clusters": [
            {
                "cluster": c.cluster,
                "nodes": [{"name": name, "role": role, "replicas": n} for name, role, n in c.nodes],
                "differences": [_json_row(r, "node") for r in c.differences],
                "per_node": [_json_row(r, "node") for r in c.per_node],
                "by_role": [_json_row(r, "node") for r in c.by_role],
            }
            for c in clusters
        ],
        "environments": None
        if environments is None
        else {
            "clusters": list(environments.clusters),
            "differences": [_json_row(r, "cluster") for r in environments.differences],
            "allowed": [_json_row(r, "cluster") for r in environments.allowed],
            "missing_roles": [{"cluster": c, "role": r} for c, r in environments.missing_roles],
        },
        "summary": summary(clusters, environments),
    }
    return json.dumps(data, indent=2) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
