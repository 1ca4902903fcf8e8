"""The topology as a standalone SVG, laid out here: no Graphviz, no JavaScript, no fonts to fetch.

The picture has three rows: what feeds the nodes (load balancer, deployment repository) on top, the
nodes (manager first) and unanswered well-known members in the middle, databases at the bottom, each
placed under the nodes that use it. Well-known-member links arc above the node row. A cluster has a
handful of boxes, so this simple layered layout stays readable without a general graph layouter.
"""

from __future__ import annotations

import re
from html import escape
from typing import Callable

from linter.graph import Arrow, Box, Topology
from linter.graph.text import ARROW_STYLES, FAULT, FILLS, style_key
from linter.records import Record

CHAR = 7.4  # average advance of a 12px sans-serif character (DejaVu Sans is among the widest)
TITLE_CHAR = 8.6  # of a 13px bold one
LINE = 17
PAD = 12
GAP_X = 40
GAP_Y = 130
MARGIN = 20
TITLE = 34
ARC_ROOM = 70  # above the node row when there is no top row


class Placed(Record):
    box: Box
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


def _size(box: Box) -> tuple[float, float]:
    lines = [*box.lines] + (["✖ " + ", ".join(box.rules)] if box.rules else [])
    width = max([len(line) * CHAR for line in lines] + [len(box.title) * TITLE_CHAR]) + 2 * PAD
    return max(120.0, width), 2 * PAD + LINE * (len(lines) + 1) - 4


def _rows(topo: Topology) -> list[list[Box]]:
    """Top (balancer, repository), nodes and unanswered members, each node's own databases, shared databases."""
    top = [b for b in topo.boxes if b.kind in ("balancer", "repository")]
    middle = [b for b in topo.boxes if b.kind == "node"] + [b for b in topo.boxes if b.kind == "member"]
    databases = [b for b in topo.boxes if b.kind == "database"]
    users = {b.id: {a.source for a in topo.arrows if a.target == b.id} for b in databases}
    own = [b for b in databases if len(users[b.id]) <= 1]
    shared = [b for b in databases if len(users[b.id]) > 1]
    return [top, middle, own, shared]


def layout(topo: Topology) -> tuple[dict[str, Placed], float, float]:
    """Box positions and the picture's width and height."""
    rows = _rows(topo)
    sizes = {b.id: _size(b) for b in topo.boxes}

    def row_width(row):
        return sum(sizes[b.id][0] for b in row) + GAP_X * max(0, len(row) - 1)

    width = max([row_width(r) for r in rows] + [720]) + 2 * MARGIN
    centre = width / 2
    where: dict[str, Placed] = {}

    def barycentre(b: Box) -> float:
        xs = [where[a.source].cx for a in topo.arrows if a.target == b.id and a.source in where]
        return sum(xs) / len(xs) if xs else centre

    y = MARGIN + TITLE
    if not rows[0] and any(a.kind.startswith("wka") for a in topo.arrows):
        y += ARC_ROOM
    for index, row in enumerate(rows):
        if not row:
            continue
        if index >= 2:  # databases go under the nodes that use them
            row = sorted(row, key=barycentre)
        x = centre - row_width(row) / 2
        if index == 2:  # a node's own database right under it, when there is room
            x = MARGIN
        for b in row:
            w, h = sizes[b.id]
            if index == 2:
                x = min(max(x, barycentre(b) - w / 2), width - MARGIN - w)
            where[b.id] = Placed(b, x, y, w, h)
            x += w + GAP_X
        y += max(sizes[b.id][1] for b in row) + (GAP_Y if index < 2 else GAP_Y * 0.6)
    y -= GAP_Y * 0.6
    return where, width, y + MARGIN + 28  # room for the legend


def _attach(topo: Topology, where: dict[str, Placed]) -> dict[tuple[int, str], tuple[float, float]]:
    """Where each arrow leaves and meets its boxes: spread along the facing side, ordered by the other end."""
    sides: dict[tuple[str, str], list[tuple[float, int, str]]] = {}
    for index, a in enumerate(topo.arrows):
        s, t = where[a.source], where[a.target]
        if s.y == t.y:  # same row: an arc from top to top
            sides.setdefault((a.source, "top"), []).append((t.cx, index, "source"))
            sides.setdefault((a.target, "top"), []).append((s.cx, index, "target"))
        elif s.y < t.y:
            sides.setdefault((a.source, "bottom"), []).append((t.cx, index, "source"))
            sides.setdefault((a.target, "top"), []).append((s.cx, index, "target"))
        else:
            sides.setdefault((a.source, "top"), []).append((t.cx, index, "source"))
            sides.setdefault((a.target, "bottom"), []).append((s.cx, index, "target"))
    points = {}
    for (box_id, side), ends in sides.items():
        p = where[box_id]
        ends.sort()
        for i, (_, index, end) in enumerate(ends):
            x = p.x + p.w * (i + 1) / (len(ends) + 1)
            points[(index, end)] = (x, p.y if side == "top" else p.y + p.h)
    return points


def _text_lines(x: float, y: float, lines: list[tuple[str, str]], anchor: str = "middle") -> str:
    out = []
    for i, (text, cls) in enumerate(lines):
        out.append(f'<text x="{x:.1f}" y="{y + i * LINE:.1f}" text-anchor="{anchor}" class="{cls}">{text}</text>')
    return "".join(out)


def _rule_links(rules: tuple[str, ...], rule_url: Callable[[str], str | None] | None) -> str:
    parts = []
    for rule in rules:
        url = rule_url(rule) if rule_url else None
        parts.append(f'<a href="{escape(url)}"><tspan class="rule">{rule}</tspan></a>' if url else f'<tspan class="rule">{rule}</tspan>')
    return "✖ " + ", ".join(parts)


_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


def render(topo: Topology, rule_url: Callable[[str], str | None] | None = None, prefix: str | None = None) -> str:
    """One ``<svg>`` element. ``prefix`` keeps marker ids apart when several pictures share a page."""
    prefix = prefix or ("g-" + _SAFE_ID.sub("-", topo.cluster).strip("-"))
    where, width, height = layout(topo)
    ends = _attach(topo, where)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bps-graph" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}"'
        f' role="img" aria-labelledby="{prefix}-title" data-cluster="{escape(topo.cluster)}">',
        f'<title id="{prefix}-title">Topology of cluster {escape(topo.cluster)}</title>',
        "<style>"
        "text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:12px;fill:#212121}"
        "text.title{font-weight:600;font-size:13px}text.rule,tspan.rule{fill:" + FAULT + ";font-weight:600}"
        "text.label{font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}"
        "text.heading{font-size:15px;font-weight:600}a tspan.rule{text-decoration:underline}"
        "</style>",
        "<defs>",
    ]
    colours = {c for c, _ in ARROW_STYLES.values()} | {FAULT}
    for colour in sorted(colours):
        out.append(
            f'<marker id="{prefix}-arrow-{colour[1:]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    heading = f"cluster {topo.cluster}"
    out.append(f'<text x="{MARGIN}" y="{MARGIN + 14}" class="heading">{escape(heading)}</text>')
    if topo.cluster_rules:
        out.append(
            f'<g class="cluster-fault" data-rules="{" ".join(topo.cluster_rules)}"><title>{escape(" | ".join(topo.cluster_notes))}</title>'
            f'<text x="{MARGIN + len(heading) * 8.5 + 12:.1f}" y="{MARGIN + 14}" class="rule">{_rule_links(topo.cluster_rules, rule_url)}</text></g>'
        )
    for index, arrow in enumerate(topo.arrows):
        out.append(_arrow(arrow, index, where, ends, prefix, rule_url))
    for placed in where.values():
        out.append(_box(placed, rule_url))
    out.append(_legend(height))
    out.append("</svg>")
    return "".join(out)


def _arrow(arrow: Arrow, index: int, where, ends, prefix: str, rule_url) -> str:
    colour, dashed = ARROW_STYLES[arrow.kind]
    colour = FAULT if arrow.rules else colour
    (x1, y1), (x2, y2) = ends[(index, "source")], ends[(index, "target")]
    marker = f"url(#{prefix}-arrow-{colour[1:]})"
    style = f'stroke="{colour}" stroke-width="{3 if arrow.rules else 1.6}" fill="none"' + (' stroke-dasharray="6 4"' if dashed else "")
    markers = f'marker-end="{marker}"' + (f' marker-start="{marker}"' if arrow.both_ways else "")
    if where[arrow.source].y == where[arrow.target].y:
        rise = min(110.0, 30 + 0.2 * abs(x2 - x1))
        cy = min(y1, y2) - rise
        path = f'<path d="M{x1:.1f},{y1:.1f} Q{(x1 + x2) / 2:.1f},{cy:.1f} {x2:.1f},{y2:.1f}" {style} {markers}/>'
        lx, ly = (x1 + x2) / 2, (y1 + cy) / 2 + 4
    else:
        path = f'<path d="M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}" {style} {markers}/>'
        t = {"commit": 0.4, "checkout": 0.6}.get(arrow.kind, 0.3)
        lx, ly = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t + 4
    label = ""
    if arrow.rules:  # the legend says what the line styles mean; words only for what is wrong
        text = _rule_links(arrow.rules, rule_url)
        label = f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" class="label rule">{text}</text>'
    tip = " | ".join(x for x in (arrow.detail or arrow.label, *arrow.notes) if x) or arrow.kind
    rules = f' data-rules="{" ".join(arrow.rules)}"' if arrow.rules else ""
    return (
        f'<g class="arrow {arrow.kind}{" fault" if arrow.rules else ""}" data-source="{arrow.source}" data-target="{arrow.target}"{rules}>'
        f"<title>{escape(tip)}</title>{path}{label}</g>"
    )


def _box(p: Placed, rule_url) -> str:
    box = p.box
    fill = "#ffebee" if box.rules else FILLS[style_key(box)]
    stroke = FAULT if box.rules else "#37474f"
    dash = ' stroke-dasharray="5 4"' if box.kind == "member" else ""
    radius = 14 if box.kind == "database" else 6
    lines = [(f"{escape(box.title)}", "title"), *((escape(line), "") for line in box.lines)]
    if box.rules:
        lines.append((_rule_links(box.rules, rule_url), "rule"))
    classes = " ".join(x for x in ("box", box.kind, box.role or "", "fault" if box.rules else "") if x)
    rules = f' data-rules="{" ".join(box.rules)}"' if box.rules else ""
    tip = " | ".join(box.notes) or " / ".join([box.title, *box.lines])
    return (
        f'<g class="{classes}" data-id="{box.id}"{rules}><title>{escape(tip)}</title>'
        f'<rect x="{p.x:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" height="{p.h:.1f}" rx="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="{3 if box.rules else 1.2}"{dash}/>'
        + _text_lines(p.cx, p.y + PAD + 10, lines)
        + "</g>"
    )


_LEGEND = (
    ("wka", "WKA member"),
    ("datasource", "datasource"),
    ("mount-rw", "registry mount rw"),
    ("mount-ro", "mount ro"),
    ("commit", "commit"),
    ("checkout", "checkout"),
)


def _legend(height: float) -> str:
    y = height - MARGIN
    x = MARGIN
    out = ['<g class="legend">']
    for kind, text in _LEGEND:
        colour, dashed = ARROW_STYLES[kind]
        out.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 26}" y2="{y - 4}" stroke="{colour}" stroke-width="1.6"'
            + (' stroke-dasharray="6 4"' if dashed else "")
            + "/>"
        )
        out.append(f'<text x="{x + 32}" y="{y}" class="label">{text}</text>')
        x += 44 + len(text) * 7
    out.append(f'<rect x="{x}" y="{y - 11}" width="14" height="12" rx="3" fill="#ffebee" stroke="{FAULT}" stroke-width="2"/>')
    out.append(f'<text x="{x + 20}" y="{y}" class="label">error finding (rule id)</text>')
    out.append("</g>")
    return "".join(out)


def document(topos: list[Topology], rule_url: Callable[[str], str | None] | None = None) -> str:
    """A standalone SVG file: one picture, or several stacked (one per cluster)."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    if len(topos) == 1:
        return head + render(topos[0], rule_url) + "\n"
    parts, y, width = [], 0.0, 0.0
    for number, topo in enumerate(topos, 1):
        _, w, h = layout(topo)
        inner = render(topo, rule_url, prefix=f"g{number}")
        parts.append(inner.replace("<svg ", f'<svg x="0" y="{y:.0f}" ', 1))
        y += h
        width = max(width, w)
    return (
        head + f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {y:.0f}" width="{width:.0f}" height="{y:.0f}">' + "".join(parts) + "</svg>\n"
    )
