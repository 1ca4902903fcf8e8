"""``bps-lint graph``, ``drift`` and ``report``: the cluster as a picture, as a table of differences, as one HTML page."""

from __future__ import annotations

import argparse
import sys

from linter.cli import EXIT_FINDINGS, EXIT_OK, UsageError, _engine, _require_paths, _settings, _started, add_paths, write_report


def _parse(argv: list[str], command, options: dict[str, dict]):
    """(arguments, settings) of a view: PATH..., --config and the view's own ``options`` (flag: add_argument keywords).

    ``command`` is the view's function: ``cmd_graph`` is ``bps-lint graph``, its docstring the --help description."""
    parser = argparse.ArgumentParser(prog="bps-lint " + command.__name__.removeprefix("cmd_"), description=command.__doc__)
    add_paths(parser)
    parser.add_argument("--config", metavar="FILE", help="bps-lint.toml or pyproject.toml to use (default: the nearest one above the first PATH)")
    for flag, keywords in options.items():
        parser.add_argument(flag, **keywords)
    args = parser.parse_args(argv)
    _require_paths(args.paths)
    return args, _settings(args.paths, args.config)


_OUTPUT = {"metavar": "FILE", "help": "write to FILE instead of the terminal"}


def load(paths: list[str], settings, engine=None):
    """Each cluster's model, with its findings when an engine is given, and the run's result.

    The findings are those of ``bps-lint PATH`` (suppressions, per-path ignores and severity overrides
    apply); a run releases each model as it goes, so the models are built again: milliseconds a cluster."""
    from linter.discover.walk import discover
    from linter.model.build import build_cluster
    from linter.run import lint_paths

    result = lint_paths(paths, engine, settings) if engine is not None else None
    found = discover(paths, exclude=settings.excluded if settings.exclude else None)
    models = [build_cluster(source).cluster for source in found.clusters]
    if not models:
        from linter.discover.walk import why_no_node

        raise UsageError(why_no_node(paths, found))
    findings = {}
    for f in result.findings if result else []:
        findings.setdefault(f.cluster, []).append(f)
    return [(m, findings.get(m.name, [])) for m in models], result


def _emit(text: str, output: str | None) -> None:
    if output:
        write_report(output, text)
    else:
        sys.stdout.write(text)


def _rule_urls(findings) -> dict[str, str]:
    return {f.rule: f.help_url for f in findings}


def cmd_graph(argv: list[str]) -> int:
    """Draw each cluster: nodes and roles, WKA members, databases, registry mounts, deployment sync, load balancer;
    what an error finding is about is marked with its rule id."""
    args, settings = _parse(
        argv,
        cmd_graph,
        {
            "--format": {"choices": ("mermaid", "dot", "svg"), "default": "mermaid", "help": "Mermaid (default), Graphviz DOT, or SVG laid out by bps-lint"},
            "--output": _OUTPUT,
            "--docs-url": {"help": "base URL of the rule pages the SVG links to"},
        },
    )
    loaded, result = load(args.paths, settings, _engine(settings, args.docs_url))
    from linter.graph import topology

    topos = [topology(cluster, findings) for cluster, findings in loaded]
    if args.format == "svg":
        from linter.graph.svg import document

        urls = _rule_urls(result.findings)
        text = document(topos, urls.get)
    else:
        from linter.graph import text as textual

        text = (textual.mermaid if args.format == "mermaid" else textual.dot)(topos)
    _emit(text, args.output)
    return EXIT_OK


def drift_allow_list(settings) -> list[str]:
    """The manifest's ``[drift] allow`` globs."""
    if not settings.source:
        return []
    from linter.discover.manifest import load_manifest

    return list(load_manifest(settings.source).settings.get("drift", {}).get("allow", []))


def cmd_drift(argv: list[str]) -> int:
    """Settings that differ between the nodes of each cluster (per-node ones checked for uniqueness), and, given
    several clusters, between them role by role; the manifest's [drift] allow lists what may differ. Secrets are compared,
    never shown. Exit 1 when something differs that should not."""
    args, settings = _parse(
        argv,
        cmd_drift,
        {
            "--format": {"choices": ("text", "markdown", "json"), "default": "text", "help": "text (default), markdown, json (schemas/drift.schema.json)"},
            "--output": _OUTPUT,
        },
    )
    _started()
    loaded, _ = load(args.paths, settings)
    from linter.drift import cluster_drift, environment_drift
    from linter.report.drift import RENDERERS, failed

    clusters = [cluster_drift(cluster) for cluster, _ in loaded]
    environments = environment_drift([c for c, _ in loaded], drift_allow_list(settings)) if len(loaded) > 1 else None
    _emit(RENDERERS[args.format](clusters, environments), args.output)
    return EXIT_FINDINGS if failed(clusters, environments) else EXIT_OK


def cmd_report(argv: list[str]) -> int:
    """One self-contained HTML page (no network, no scripts): per cluster the picture, the findings by node and
    file with their source lines, the drift tables and the summary."""
    args, settings = _parse(
        argv,
        cmd_report,
        {
            "--html": {"metavar": "FILE", "required": True, "help": "the HTML file to write"},
            "--docs-url": {"help": "base URL of the rule pages the findings link to"},
            "--exit-zero": {"action": "store_true", "help": "exit 0 even when there are error findings"},
        },
    )
    loaded, result = load(args.paths, settings, _engine(settings, args.docs_url))
    from linter.drift import cluster_drift, environment_drift
    from linter.graph import topology
    from linter.report import html
    from linter.report.text import summary_line

    sections = [html.ClusterSection(cluster, findings, topology(cluster, findings), cluster_drift(cluster)) for cluster, findings in loaded]
    environments = environment_drift([c for c, _ in loaded], drift_allow_list(settings)) if len(loaded) > 1 else None
    write_report(args.html, html.render(result, sections, environments, args.paths))
    sys.stdout.write(f"{args.html}: {summary_line(result)}\n")
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if any(settings.fails(f.severity) for f in result.findings) else EXIT_OK


def site_view(folder: str, what: str, rules_base: str, base: str) -> str:
    """The picture (``graph``) or drift tables (``drift``) of the cluster in ``folder``, for a page of the site.

    Paths are shown relative to ``base`` (the repository); rule ids link to ``rules_base``."""
    import contextlib
    import os

    from linter.config import Settings

    with contextlib.chdir(base):
        rel = os.path.relpath(folder, base)
        if what == "graph":
            from linter.evaluate.engine import Engine
            from linter.evaluate.policy import load_policies
            from linter.graph import topology
            from linter.graph.svg import render

            (cluster, findings), *_ = load([rel], Settings(), Engine(load_policies()))[0]
            svg = render(topology(cluster, findings), lambda rule: f"{rules_base}{rule}/")
            # No narrower than 900px, scrolled sideways: scaled to the text column its labels would be too small to read.
            svg = svg.replace("<svg ", '<svg style="max-width:none;width:max(100%,900px);height:auto" ', 1)
            return f'<div class="bps-graph-picture" style="overflow-x:auto">{svg}</div>\n'
        from linter.drift import cluster_drift
        from linter.report.drift import markdown_table

        (cluster, _), *_ = load([rel], Settings())[0]
        drift = cluster_drift(cluster)
        out = ["**Settings that differ between nodes**", ""] + markdown_table(list(drift.differences))
        out += ["**Per-node settings**", ""] + markdown_table(list(drift.per_node))
        if drift.by_role:
            out += ["**Settings that differ by role**", ""] + markdown_table(list(drift.by_role))
        return "\n".join(out) + "\n"
