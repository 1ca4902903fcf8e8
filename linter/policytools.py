"""Commands for policies of your own: ``bps-lint verify`` runs their examples, ``bps-lint docs`` writes their pages."""

from __future__ import annotations

import os
import sys

from linter.cli import EXIT_FINDINGS, EXIT_OK, UsageError, _settings, argument_parser, write_report
from linter.evaluate.policy import Policy, load_rules
from linter.redact import clean


def _chosen(folders: list[str] | None) -> tuple[list[Policy], list[Policy]]:
    """(the policies to act on, every live policy): those in ``folders``, or else the bundled and the config's extra ones."""
    for folder in folders or ():
        if not os.path.isdir(folder):
            raise UsageError(f"no such policy folder: {folder}")
    extra = folders if folders is not None else _settings(["."]).extra_policies
    live = load_rules(extra).live
    if folders is None:
        return live, live
    wanted = {os.path.realpath(f) for f in folders}
    return [p for p in live if os.path.realpath(os.path.dirname(p.source)) in wanted], live


def cmd_verify(argv: list[str]) -> int:
    parser = argument_parser(
        prog="bps-lint verify",
        description="Run every policy's examples: its bad example must fire (where 'expect' says), its good one must not. "
        "Without --policies: the bundled rules and the config's extra-policies.",
    )
    parser.add_argument("--policies", action="append", metavar="DIR", help="a folder of policy files to verify (repeatable)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only failures and the summary")
    args = parser.parse_args(argv)
    from linter.examples import verify

    policies, live = _chosen(args.policies)
    if not policies:
        raise UsageError("no policies to verify in " + ", ".join(args.policies or ["the bundled folder"]))
    outcomes = verify(policies, live)
    failed = [o for o in outcomes if o.problem]
    for o in outcomes:
        if o.problem or not args.quiet:
            status = "FAIL" if o.problem else "ok"
            detail = f": {o.problem}" if o.problem else ""
            sys.stdout.write(clean(f"{status:<4}  {o.policy.id} {o.kind} example {o.title!r}{detail}".replace(" ''", "")) + "\n")
    sys.stdout.write(
        f"{len(outcomes) - len(failed)} of {len(outcomes)} examples of {len(policies)} polic{'y' if len(policies) == 1 else 'ies'} behave as they say\n"
    )
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_docs(argv: list[str]) -> int:
    parser = argument_parser(
        prog="bps-lint docs",
        description="Write Markdown rule pages (the ones the project's site has) and an index for a folder of your own policies, "
        "for your own mkdocs site; set the manifest's docs-url to where they are published.",
    )
    parser.add_argument("--policies", action="append", required=True, metavar="DIR", help="a folder of policy files (repeatable)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write index.md and one ID.md per rule into")
    args = parser.parse_args(argv)
    from linter.docsgen import rule_page, rules_index
    from linter.explain import published_runbook

    policies, _ = _chosen(args.policies)
    if not policies:
        raise UsageError("no policies in " + ", ".join(args.policies))
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {args.out}: {exc.strerror or exc}") from None
    runbook = published_runbook()  # the runbook stays on the published site
    source = ", ".join(f"`{os.path.basename(os.path.normpath(f))}/`" for f in args.policies)
    write_report(os.path.join(args.out, "index.md"), rules_index(policies, {}, runbook, source))
    for policy in policies:
        write_report(os.path.join(args.out, f"{policy.id}.md"), rule_page(policy, {}, runbook))
    sys.stdout.write(f"wrote {len(policies) + 1} pages to {clean(args.out)}\n")
    return EXIT_OK
