"""Apply inline suppressions to findings; report the ones that are invalid or suppress nothing."""

from __future__ import annotations

from collections import defaultdict

from linter.findings import Finding
from linter.parse.suppressions import BREAKS_COMMAND, KINDS, Suppression


def apply(findings: list[Finding], suppressions: list[tuple[str | None, str | None, Suppression]], engine) -> list[Finding]:
    """Findings minus the suppressed ones, plus findings for invalid and unused suppressions.

    ``suppressions`` holds (cluster, node, suppression). Rule ids are checked against every
    known rule, but an unused one is only reported when its rule ran (an ignored rule suppresses
    nothing by design).
    """
    if not suppressions:
        return findings
    by_path = defaultdict(list)
    used: set[tuple[int, str]] = set()
    extra = []
    for index, (cluster, node, s) in enumerate(suppressions):
        if s.kind == BREAKS_COMMAND:
            message = (
                "this comment line ends the command the line above continues with '\\': the script would run it without "
                "the lines after; put the comment on the line before the command, where it covers the whole command"
            )
            extra.append(engine.builtin("invalid-suppression", s.loc, message, cluster, node))
        elif s.kind not in KINDS:
            extra.append(
                engine.builtin(
                    "invalid-suppression",
                    s.loc,
                    f"'bps-lint: {s.text}' is not a suppression; expected 'bps-lint: disable=RULE' or 'bps-lint: disable-file=RULE'",
                    cluster,
                    node,
                )
            )
        elif not s.ids:
            extra.append(
                engine.builtin(
                    "invalid-suppression",
                    s.loc,
                    f"'bps-lint: {s.text}' names no rule; expected {s.kind}=RULE[,RULE...] (a blanket suppression is not allowed)",
                    cluster,
                    node,
                )
            )
        else:
            for rule in s.ids:
                if not engine.knows(rule) and not engine.removed_rule(rule):
                    extra.append(
                        engine.builtin(
                            "invalid-suppression", s.loc, f"'bps-lint: {s.text}' names unknown rule '{rule}'; 'bps-lint rules' lists them", cluster, node
                        )
                    )
            by_path[s.loc.path].append((index, node, s))
    kept = []
    for finding in findings:
        hit = None
        # a template several hosts render holds one suppression per host: the finding's host's own first
        for index, _, s in sorted(by_path.get(finding.loc.path, ()), key=lambda entry: entry[1] != finding.node):
            rule = next((r for r in s.ids if r.upper() == finding.rule or r == finding.name), None)
            if rule and s.covers(finding.loc.line):
                hit = (index, rule)
                break
        if hit:
            used.add(hit)
        else:
            kept.append(finding)
    for index, (cluster, node, s) in enumerate(suppressions):
        if s.kind not in KINDS:
            continue
        for rule in s.ids:
            gone = engine.removed_rule(rule)
            if gone is not None:  # never carried over to the successor: it may check something else on that line
                instead = f"name {', '.join(gone.replaced_by)} if that is meant, or remove it" if gone.replaced_by else "remove it"
                message = f"suppression of {rule} suppresses nothing: {gone.id} ({gone.name}) was removed in {gone.removed_in}; {instead}. Why: {gone.reason}"
                extra.append(engine.builtin("unused-suppression", s.loc, message, cluster, node))
                continue
            if (index, rule) not in used and engine.knows(rule) and engine.runs(rule):
                extra.append(
                    engine.builtin("unused-suppression", s.loc, f"suppression of {rule} suppresses nothing here; expected it to be removed", cluster, node)
                )
    return kept + [f for f in extra if f is not None]
