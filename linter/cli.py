"""The ``bps-lint`` command: check (default), rules, explain, model."""

from __future__ import annotations

import gc
import os
import sys
from types import SimpleNamespace

from linter import __version__
from linter.report import FORMATS, renderer

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SUBCOMMANDS = ("check", "rules", "explain", "model", "graph", "drift", "report", "verify", "docs")


class UsageError(Exception):
    pass


def _csv(value: str) -> list[str]:
    return [v for v in (part.strip() for part in value.split(",")) if v]


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = -1
    if jobs < 0:
        import argparse

        raise argparse.ArgumentTypeError(f"expected a whole number of processes, 0 for automatic; got '{value}'")
    return jobs


# What a check run uses when an option is not given; the parser and the plain-paths fast path share it.
CHECK_DEFAULTS = {
    "format": "text",
    "output": None,
    "select": None,
    "ignore": None,
    "fail_on": None,
    "exit_zero": False,
    "jobs": 0,
    "config": None,
    "docs_url": None,
    "baseline": None,
    "write_baseline": None,
    "statistics": False,
    "quiet": False,
    "style": "concise",
    "color": "auto",
    "fix": False,
    "unsafe_fixes": False,
    "diff": False,
}


def argument_parser(**kwargs):
    """An argparse parser whose errors are one line (a UsageError), not the usage block and a message."""
    import argparse  # with its gettext and shutil, 12 ms: only when options need parsing

    class Parser(argparse.ArgumentParser):
        def error(self, message):
            raise UsageError(f"{message} ('{self.prog} --help' lists the options)")

    return Parser(**kwargs)


def add_paths(parser) -> None:
    """PATH..., as every command that reads configuration takes them."""
    parser.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="folders holding node configuration, files of a node (its whole cluster is checked), or - for a Kubernetes YAML stream on standard input; default: .",
    )


def _check_parser():
    parser = argument_parser(
        prog="bps-lint",
        description="Check WSO2 BPS cluster configuration against the clustering guide. "
        "Other commands: 'bps-lint rules', 'bps-lint explain ID', 'bps-lint model PATH', 'bps-lint verify', 'bps-lint docs' (each has --help).",
    )
    add_paths(parser)
    parser.add_argument("--format", choices=FORMATS, help="report format (default: text)")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE (atomically) and print text to the terminal")
    parser.add_argument("--select", type=_csv, metavar="RULES", help="only these rules: ids, names or prefixes, comma-separated (overrides the config)")
    parser.add_argument("--ignore", type=_csv, metavar="RULES", help="skip these rules (overrides the config)")
    parser.add_argument("--fail-on", choices=("error", "warning"), help="lowest severity that makes the run exit 1 (default: error)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings (usage errors still exit 2)")
    parser.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="processes to lint with (default or 0: one per core when there are 4 or more clusters; 1: stay in one process)",
    )
    parser.add_argument("--config", metavar="FILE", help="bps-lint.toml or pyproject.toml to use (default: the nearest one above the first PATH)")
    parser.add_argument("--docs-url", help="base URL of the rule pages (default: the config's docs-url, $BPS_LINT_DOCS_URL, or the published site)")
    parser.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE (default: the config's baseline)")
    parser.add_argument(
        "--write-baseline", metavar="FILE", help="record today's findings in FILE and exit 0; later runs with --baseline FILE report only new ones"
    )
    parser.add_argument("--statistics", action="store_true", help="print a count per rule instead of the findings")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary line, and nothing when there are no findings")
    parser.add_argument(
        "--style", choices=("concise", "full"), help="text style: one line per finding (concise, default) or with the source line and a caret (full)"
    )
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), help="colour the text report (auto: on a terminal, unless NO_COLOR is set or FORCE_COLOR asks for it)"
    )
    parser.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what remains")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also the fixes that change more than the rule's setting")
    parser.add_argument("--diff", action="store_true", help="print the fixes as a unified diff and change nothing; exit 1 when there is something to fix")
    parser.add_argument("-V", "--version", action="version", version=f"bps-lint {__version__}")
    parser.set_defaults(**CHECK_DEFAULTS)
    return parser


def parse_check_args(argv: list[str]):
    """A command line of plain paths (what pre-commit and most CI jobs pass) needs no argparse."""
    if not any(arg.startswith("-") for arg in argv):
        return SimpleNamespace(paths=argv or ["."], **CHECK_DEFAULTS)
    return _check_parser().parse_args(argv)


def _settings(paths: list[str], config: str | None = None):
    from linter.config import load_settings

    if config and not os.path.isfile(config):
        raise UsageError(f"no such config file: {config}")
    return load_settings(paths, config)


def _engine(settings, docs_url: str | None = None):
    from linter.config import apply_settings
    from linter.evaluate.engine import DEFAULT_DOCS_URL, Engine
    from linter.evaluate.policy import load_rules

    rules = load_rules(settings.extra_policies)
    url = docs_url or settings.docs_url or os.environ.get("BPS_LINT_DOCS_URL") or DEFAULT_DOCS_URL
    engine = Engine(apply_settings(rules.live, settings, rules.removed), url, known=rules.live, removed=rules.removed)
    for warning in settings.warnings:
        sys.stderr.write(f"bps-lint: warning: {warning}\n")
    _started()
    return engine


def _require_paths(paths: list[str]) -> None:
    for path in paths:
        if path != "-" and not os.path.exists(path):  # "-": a YAML stream on stdin
            raise UsageError(f"no such file or folder: {path}")


def write_report(path: str, text: str) -> None:
    """Write ``text`` to ``path``: a regular file (or a new one) is replaced atomically through a temporary
    file beside it, which never outlives a failure; anything else (a device, a FIFO, a symbolic link) is
    written to as it is, never replaced by a regular file."""
    import stat
    import tempfile

    data = text.encode("utf-8", "backslashreplace")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise UsageError(f"cannot write {path}: it is a folder")
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)  # reports/x.sarif in a fresh CI checkout
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".bps-lint-", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            # mkstemp makes the file 0600: give it the mode it had, or the one a new file gets from the umask
            os.fchmod(handle.fileno(), stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # reading it means setting it; the command line runs no other thread meanwhile
    os.umask(mask)
    return mask


def use_colour(choice: str, stream=None) -> bool:
    """``--color``, else NO_COLOR (any value: off), else FORCE_COLOR (any value: on), else whether ``stream`` is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def _text_renderer(args):
    """The terminal report as the options ask: findings, statistics, or only the summary (--quiet)."""
    from linter.report import text

    colour = use_colour(args.color)

    def render(result, engine, settings):  # in pieces (text.pieces), to be written one by one
        if args.quiet:
            return [text.summary_line(result) + "\n" if result.findings else ""]
        if args.statistics:
            return [text.statistics(result) + text.summary_line(result) + "\n"]
        return text.pieces(result, style=args.style, colour=colour)

    return render


def _apply_baseline(path: str | None, result, settings) -> None:
    """Hide the findings the baseline records; say how many, and which entries match nothing any more."""
    if not path:
        return
    from linter import baseline
    from linter.redact import clean

    try:
        entries = baseline.load(path)
    except baseline.BaselineError as exc:
        raise UsageError(str(exc)) from None
    filtered = baseline.apply(result.findings, entries, baseline.folder(path))
    result.findings, result.baselined = filtered.new, filtered.known
    if filtered.stale:
        sys.stderr.write(
            f"bps-lint: {len(filtered.stale)} baseline {'entry' if len(filtered.stale) == 1 else 'entries'} in {clean(path)} {'matches' if len(filtered.stale) == 1 else 'match'} nothing any more (fixed, or changed); rewrite it with --write-baseline to drop them:\n"
        )
        for e in filtered.stale[:20]:
            sys.stderr.write(f"  {clean(str(e.get('path')))}: {clean(str(e.get('rule')))} [{clean(str(e.get('node')))}]\n")
        if len(filtered.stale) > 20:
            sys.stderr.write(f"  ... and {len(filtered.stale) - 20} more\n")


def cmd_check(argv: list[str]) -> int:
    args = parse_check_args(argv)
    _require_paths(args.paths)
    if args.unsafe_fixes and not (args.fix or args.diff):  # alone it would change nothing, and a CI job expecting fixes would pass unfixed
        raise UsageError("--unsafe-fixes widens --fix or --diff; give one of them with it")
    if args.statistics and args.format != "text":  # silently printing the full report instead would mislead a script
        raise UsageError(f"--statistics is a text report; --format {args.format} lists every finding with its rule")
    settings = _settings(args.paths, args.config)
    if args.select is not None:
        settings.select = args.select
        settings.from_command_line.add("select")
    if args.ignore is not None:
        settings.ignore = args.ignore
        settings.from_command_line.add("ignore")
    if args.fail_on:
        settings.fail_on = args.fail_on
    engine = _engine(settings, args.docs_url)
    from linter.run import lint_paths

    result = lint_paths(args.paths, engine, settings, jobs=args.jobs)
    for note in result.notes:
        sys.stderr.write(f"bps-lint: {note}\n")  # already clean
    if not result.nodes and all(os.path.isdir(p) or p == "-" for p in args.paths):
        from linter.discover.walk import nothing_found
        from linter.sources.gather import NOTHING_ON_STDIN

        # A folder (or a stream) with nothing to check is a mistyped path or a pipe that failed upstream: passing it
        # would pass CI by accident. A stream that is not YAML is a finding at its line, as a broken file is.
        on_stdin = [f.message for f in result.findings if f.message in NOTHING_ON_STDIN]
        if len(on_stdin) == len(result.findings):
            raise UsageError(on_stdin[0] if on_stdin else nothing_found(args.paths, result.overlays))
    if result.empty:  # one folder of several holds nothing: the others' findings must not pass for its
        from linter.discover.walk import nothing_found

        raise UsageError(nothing_found(result.empty, []))
    if args.write_baseline:
        from linter import baseline

        write_report(args.write_baseline, baseline.render(result.findings, baseline.folder(args.write_baseline)))
        sys.stderr.write(
            f"bps-lint: recorded {len(result.findings)} finding(s) in {args.write_baseline}; use --baseline {args.write_baseline} to report only new ones\n"
        )
        return EXIT_OK
    _apply_baseline(args.baseline or settings.baseline, result, settings)

    def relint():
        again = lint_paths(args.paths, engine, settings, jobs=args.jobs)
        _apply_baseline(args.baseline or settings.baseline, again, settings)
        return again

    if args.diff:
        from linter.fix.run import fix_roots, show_diff

        return EXIT_FINDINGS if show_diff(result, fix_roots(args.paths), args.unsafe_fixes, relint) else EXIT_OK
    if args.fix:
        from linter.fix.run import apply_fixes, fix_roots

        result, _ = apply_fixes(result, fix_roots(args.paths), args.unsafe_fixes, relint)
    text = _text_renderer(args)
    report = text(result, engine, settings) if args.format == "text" else [renderer(args.format)(result, engine, settings)]
    if args.output:
        write_report(args.output, "".join(report))
        report = text(result, engine, settings)
    for piece in report:
        sys.stdout.write(piece)
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if any(settings.fails(f.severity) for f in result.findings) else EXIT_OK


def cmd_rules(argv: list[str]) -> int:
    parser = argument_parser(prog="bps-lint rules", description="List every rule: id, name, severity, title.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    engine = _engine(_settings(["."]))
    if args.format == "json":
        rows = [
            {"id": p.id, "name": p.name, "severity": p.severity, "scope": p.scope, "title": p.title, "help_url": engine.help_url(p), "fix": _fix_summary(p)}
            for p in engine.policies
        ]
        import json

        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    width = max(len(p.name) for p in engine.policies)
    for p in engine.policies:
        sys.stdout.write(f"{p.id}  {p.name:<{width}}  {p.severity:<7}  {p.title}\n")
    return EXIT_OK


def _fix_summary(policy) -> dict | None:
    """What --fix does for a rule: {safety, title}, or {reason} it has none; None when its policy says neither."""
    fix = policy.autofix
    if fix.get("safety"):
        return {"safety": fix["safety"], "title": fix["title"]}
    return {"reason": fix["reason"].strip()} if fix.get("reason") else None


def cmd_explain(argv: list[str]) -> int:
    parser = argument_parser(prog="bps-lint explain", description="Print a rule's full text: what it checks, why, how to fix, examples.")
    parser.add_argument("rule", metavar="ID", help="rule id or name, e.g. BPS101 or bps-ds-autocommit")
    args = parser.parse_args(argv)
    engine = _engine(_settings(["."]))
    wanted = args.rule.strip()
    policy = next((p for p in engine.policies if p.id.lower() == wanted.lower() or p.name == wanted), None)
    gone = engine.removed_rule(wanted)
    if policy is None and gone is not None:
        instead = f"Replaced by {', '.join(gone.replaced_by)}." if gone.replaced_by else "Nothing replaces it."
        sys.stdout.write(f"{gone.id} {gone.name}: removed in {gone.removed_in}\n\n{gone.reason}\n\n{instead}\n{engine.help_url(gone)}\n")
        return EXIT_OK
    if policy is None:
        raise UsageError(f"unknown rule '{wanted}'; 'bps-lint rules' lists them")
    from linter.explain import render_policy

    sys.stdout.write(render_policy(policy, engine.help_url(policy)))
    return EXIT_OK


def cmd_model(argv: list[str]) -> int:
    parser = argument_parser(prog="bps-lint model", description="Print the cluster model bps-lint builds from the configuration.")
    add_paths(parser)
    parser.add_argument("--format", choices=("json",), default="json")
    args = parser.parse_args(argv)
    _require_paths(args.paths)
    import json

    from linter.discover.walk import discover, why_no_node
    from linter.model.build import build_cluster
    from linter.model.serialize import cluster_json

    _started()
    found = discover(args.paths)
    if not found.clusters:
        raise UsageError(why_no_node(args.paths, found))
    clusters = [cluster_json(build_cluster(source).cluster) for source in found.clusters]
    sys.stdout.write(json.dumps({"version": __version__, "clusters": clusters}, indent=2) + "\n")
    return EXIT_OK


def cmd_view(name: str):
    """``graph``, ``drift`` and ``report`` live in linter.views, imported only when asked for."""

    def run(argv: list[str]) -> int:
        if name in ("verify", "docs"):  # policies of your own: linter.policytools
            from linter import policytools

            return getattr(policytools, f"cmd_{name}")(argv)
        from linter import views

        return getattr(views, f"cmd_{name}")(argv)

    return run


def _started() -> None:
    """Start-up is over: what it made lives as long as the run; freeze it out of the collector's sight and let
    the collector run again (see ``main``). Frozen objects are also not touched, so not copied, by forked workers."""
    gc.freeze()
    gc.enable()


def main(argv: list[str] | None = None) -> int:
    # Importing bps-lint and loading the policies only makes objects that last the whole run, and the collector
    # would walk them again and again (a tenth of a one-cluster run): it is off until ``_started``.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if argv is not None:  # called from Python, which goes on: the objects are the collector's again
            gc.unfreeze()  # (the command line exits next; left frozen, they spare the exit's full collection)
        if collecting:
            gc.enable()


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = cmd_check
    if argv and argv[0] in SUBCOMMANDS:
        name = argv.pop(0)
        command = {"check": cmd_check, "rules": cmd_rules, "explain": cmd_explain, "model": cmd_model}.get(name) or cmd_view(name)
    from linter.discover.manifest import ManifestError
    from linter.evaluate.policy import PolicyError
    from linter.redact import clean

    try:
        return command(argv)
    except (UsageError, ManifestError, PolicyError) as exc:
        sys.stderr.write(f"bps-lint: {clean(str(exc))}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK if command is not cmd_check else EXIT_FINDINGS
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM while workers run (see linter.workers)
        sys.stderr.write(f"bps-lint: {exc.args[0] if exc.args else 'interrupted'}\n")
        return EXIT_USAGE
    except Exception as exc:  # a bug in bps-lint, not a user mistake: say so in one line
        if os.environ.get("BPS_LINT_DEBUG"):
            raise
        sys.stderr.write(f"bps-lint: internal error: {type(exc).__name__}: {clean(str(exc), 500)} (set BPS_LINT_DEBUG=1 for a traceback)\n")
        return EXIT_USAGE
