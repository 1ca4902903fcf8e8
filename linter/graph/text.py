"""The topology as Mermaid (mkdocs-material, GitHub Markdown) and as Graphviz DOT."""

from __future__ import annotations

from linter.graph import Arrow, Box, Topology

# Fill and line colours per box kind and role, shared by all three formats.
FILLS = {
    "manager": "#c5cae9",
    "worker": "#b2dfdb",
    "unknown": "#eeeeee",
    "database": "#fff3e0",
    "member": "#ffffff",
    "repository": "#ede7f6",
    "balancer": "#e3f2fd",
}
FAULT = "#c62828"
ARROW_STYLES = {  # kind -> (colour, dashed)
    "wka": ("#3949ab", False),
    "wka-unanswered": ("#757575", True),
    "datasource": ("#8d6e63", False),
    "mount-rw": ("#ef6c00", False),
    "mount-ro": ("#ef6c00", True),
    "commit": ("#5e35b1", False),
    "checkout": ("#5e35b1", True),
    "balancer": ("#1565c0", False),
}


def style_key(box: Box) -> str:
    return box.role if box.kind == "node" else box.kind


def box_lines(box: Box) -> list[str]:
    lines = [box.title, *box.lines]
    if box.rules:
        lines.append("✖ " + ", ".join(box.rules))
    return lines


def arrow_label(arrow: Arrow) -> str:
    return " ".join(x for x in (arrow.label, ("✖ " + ", ".join(arrow.rules)) if arrow.rules else "") if x)


def _mermaid_text(text: str) -> str:
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _cluster_title(topo: Topology) -> str:
    return f"cluster {topo.cluster}" + (f"  ✖ {', '.join(topo.cluster_rules)}" if topo.cluster_rules else "")


def mermaid(topos: list[Topology]) -> str:
    """One flowchart, a subgraph per cluster (box ids get a per-cluster prefix when there are several)."""
    out = ["flowchart TB"]
    shapes = {"database": ('[("', '")]'), "member": ('(["', '"])'), "repository": ('[/"', '"/]'), "balancer": ('{{"', '"}}')}
    styles, faulty = [], []
    for number, topo in enumerate(topos, 1):
        p = f"c{number}_" if len(topos) > 1 else ""
        out.append(f'    subgraph {p}cluster["{_mermaid_text(_cluster_title(topo))}"]')
        for box in topo.boxes:
            left, right = shapes.get(box.kind, ('["', '"]'))
            label = "<br/>".join(_mermaid_text(line) for line in box_lines(box))
            out.append(f"        {p}{box.id}{left}{label}{right}:::{style_key(box)}")
            if box.rules:
                faulty.append(p + box.id)
        for arrow in topo.arrows:
            line = "<-->" if arrow.both_ways else {"wka-unanswered": "-.->", "mount-ro": "-.->", "checkout": "-.->"}.get(arrow.kind, "-->")
            label = arrow_label(arrow)
            out.append(f"        {p}{arrow.source} {line}" + (f'|"{_mermaid_text(label)}"|' if label else "") + f" {p}{arrow.target}")
            colour, dashed = ARROW_STYLES[arrow.kind]
            width = "3px" if arrow.rules else "1.5px"
            styles.append(f"stroke:{FAULT if arrow.rules else colour},stroke-width:{width}" + (",stroke-dasharray:5 4" if dashed else ""))
        out.append("    end")
    for key, fill in FILLS.items():
        out.append(f"    classDef {key} fill:{fill},stroke:#37474f,color:#000")
    if faulty:
        out.append(f"    classDef fault fill:#ffebee,stroke:{FAULT},stroke-width:3px,color:#000")
        out.append(f"    class {','.join(faulty)} fault")
    out.extend(f"    linkStyle {index} {style}" for index, style in enumerate(styles))
    return "\n".join(out) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dot(topos: list[Topology]) -> str:
    """One digraph, a ``cluster_N`` subgraph per cluster."""
    out = [
        "digraph bps_lint {",
        "    rankdir=TB;",
        '    node [shape=box, style="rounded,filled", fontname="sans-serif", fontsize=11];',
        '    edge [fontname="sans-serif", fontsize=10];',
    ]
    shapes = {"database": "cylinder", "member": "box", "repository": "folder", "balancer": "hexagon"}
    for number, topo in enumerate(topos, 1):
        p = f"c{number}_" if len(topos) > 1 else ""
        out.append(f"    subgraph cluster_{number} {{")
        out.append(f'        label="{_dot_text(_cluster_title(topo))}"; labelloc=t;' + (f' fontcolor="{FAULT}";' if topo.cluster_rules else ""))
        for box in topo.boxes:
            attrs = {
                "label": "\\n".join(_dot_text(line) for line in box_lines(box)),
                "shape": shapes.get(box.kind, "box"),
                "fillcolor": "#ffebee" if box.rules else FILLS[style_key(box)],
                "color": FAULT if box.rules else "#37474f",
            }
            if box.kind == "member":
                attrs["style"] = "rounded,filled,dashed"
            if box.rules:
                attrs["penwidth"] = "3"
                attrs["tooltip"] = _dot_text(" | ".join(box.notes))
            out.append(f"        {p}{box.id} [" + ", ".join(f'{k}="{v}"' for k, v in attrs.items()) + "];")
        for arrow in topo.arrows:
            colour, dashed = ARROW_STYLES[arrow.kind]
            attrs = {"color": FAULT if arrow.rules else colour}
            label = arrow_label(arrow)
            if label:
                attrs["label"] = _dot_text(label)
            if dashed:
                attrs["style"] = "dashed"
            if arrow.both_ways:
                attrs["dir"] = "both"
            if arrow.rules:
                attrs["penwidth"] = "3"
                attrs["fontcolor"] = FAULT
            out.append(f"        {p}{arrow.source} -> {p}{arrow.target} [" + ", ".join(f'{k}="{v}"' for k, v in attrs.items()) + "];")
        out.append("    }")
    out.append("}")
    return "\n".join(out) + "\n"
