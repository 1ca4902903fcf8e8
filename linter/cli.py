"""The ``bps-lint`` command: check (default), rules, explain, model."""

from __future__ import annotations

import argparse
import json
import os
import sys

from linter import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SUBCOMMANDS = ("check", "rules", "explain", "model")


class UsageError(Exception):
    pass


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bps-lint",
        description="Check WSO2 BPS cluster configuration against the clustering guide. "
        "Other commands: 'bps-lint rules', 'bps-lint explain ID', 'bps-lint model PATH' (each has --help).",
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="folders holding node configuration (default: .)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    parser.add_argument("--docs-url", default=None, help="base URL of the rule pages (default: the published site, or $BPS_LINT_DOCS_URL)")
    parser.add_argument("--version", action="version", version=f"bps-lint {__version__}")
    return parser


def _engine(docs_url: str | None):
    from linter.evaluate.engine import DEFAULT_DOCS_URL, Engine
    from linter.evaluate.policy import load_policies

    return Engine(load_policies(), docs_url or os.environ.get("BPS_LINT_DOCS_URL") or DEFAULT_DOCS_URL)


def _require_paths(paths: list[str]) -> None:
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"no such file or folder: {path}")


def cmd_check(argv: list[str]) -> int:
    args = _check_parser().parse_args(argv)
    _require_paths(args.paths)
    from linter.run import lint_paths

    result = lint_paths(args.paths, _engine(args.docs_url))
    if args.format == "json":
        from linter.report.json_report import render
    else:
        from linter.report.text import render
    sys.stdout.write(render(result))
    return EXIT_FINDINGS if any(f.severity == "error" for f in result.findings) else EXIT_OK


def cmd_rules(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bps-lint rules", description="List every rule: id, name, severity, title.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    engine = _engine(None)
    if args.format == "json":
        rows = [{"id": p.id, "name": p.name, "severity": p.severity, "scope": p.scope, "title": p.title, "help_url": engine.help_url(p)} for p in engine.policies]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    width = max(len(p.name) for p in engine.policies)
    for p in engine.policies:
        sys.stdout.write(f"{p.id}  {p.name:<{width}}  {p.severity:<7}  {p.title}\n")
    return EXIT_OK


def cmd_explain(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bps-lint explain", description="Print a rule's full text: what it checks, why, how to fix, examples.")
    parser.add_argument("rule", metavar="ID", help="rule id or name, e.g. BPS101 or bps-ds-autocommit")
    args = parser.parse_args(argv)
    engine = _engine(None)
    wanted = args.rule.strip()
    policy = next((p for p in engine.policies if p.id.lower() == wanted.lower() or p.name == wanted), None)
    if policy is None:
        raise UsageError(f"unknown rule '{wanted}'; 'bps-lint rules' lists them")
    from linter.explain import render_policy

    sys.stdout.write(render_policy(policy, engine.help_url(policy)))
    return EXIT_OK


def cmd_model(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bps-lint model", description="Print the cluster model bps-lint builds from the configuration.")
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    parser.add_argument("--format", choices=("json",), default="json")
    args = parser.parse_args(argv)
    _require_paths(args.paths)
    from linter.discover.walk import discover
    from linter.model.build import build_cluster
    from linter.model.serialize import to_json

    clusters = [to_json(build_cluster(source)[0]) for source in discover(args.paths).clusters]
    sys.stdout.write(json.dumps({"version": __version__, "clusters": clusters}, indent=2) + "\n")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = cmd_check
    if argv and argv[0] in SUBCOMMANDS:
        command = {"check": cmd_check, "rules": cmd_rules, "explain": cmd_explain, "model": cmd_model}[argv.pop(0)]
    from linter.discover.manifest import ManifestError
    from linter.evaluate.policy import PolicyError

    try:
        return command(argv)
    except (UsageError, ManifestError, PolicyError) as exc:
        sys.stderr.write(f"bps-lint: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK if command is not cmd_check else EXIT_FINDINGS
    except KeyboardInterrupt:
        return EXIT_USAGE
    except Exception as exc:  # a bug in bps-lint, not a user mistake: say so in one line
        if os.environ.get("BPS_LINT_DEBUG"):
            raise
        sys.stderr.write(f"bps-lint: internal error: {type(exc).__name__}: {exc} (set BPS_LINT_DEBUG=1 for a traceback)\n")
        return EXIT_USAGE
