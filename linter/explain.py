"""A rule's full text for the terminal (``bps-lint explain``), and the example snippets the docs reuse."""

from __future__ import annotations

import textwrap

from linter.evaluate.policy import Policy


def published_runbook() -> str:
    """The runbook on the published site, for this version."""
    from linter.evaluate.engine import DEFAULT_DOCS_URL, docs_version

    return f"{DEFAULT_DOCS_URL}{docs_version()}/runbook"


def runbook_step_url(policy: Policy, base: str | None = None) -> str:
    page, _, anchor = policy.runbook.partition("#")
    return f"{(base or published_runbook()).rstrip('/')}/{page}/" + (f"#{anchor}" if anchor else "")


def example_snippet(item: dict) -> tuple[str, str, str]:
    """(caption, language, body) for one file of a policy example."""
    where = f"{', '.join(item['nodes'])}: {item['file'] or 'the node folder'}"
    if "state" in item:
        what = "missing" if item["state"] == "missing" else "a symbolic link to itself"
        return f"{where} is {what}", "text", ""
    language = "xml" if item["file"].endswith(".xml") else "bash"
    if "replace" in item:
        return f"{where} (changed part)", language, textwrap.dedent(item["with"]).strip("\n")
    return where, language, item.get("xml", item.get("text", "")).strip("\n")


_RENDERED = " In conf text held in a Kubernetes manifest or rendered from an Ansible template, the change is shown as a suggestion and not written."


def autofix_text(policy: Policy) -> str:
    """What --fix does for a rule, or why it does nothing (rule pages and ``bps-lint explain``)."""
    fix = policy.autofix
    if fix.get("safety") == "safe":
        return f"`bps-lint --fix` makes this change: {fix['title']}. It rewrites only the bytes it changes; the rest of the file stays as written." + _RENDERED
    if fix.get("safety") == "unsafe":
        return (
            f"`bps-lint --fix --unsafe-fixes` makes this change: {fix['title']}. It is unsafe: it changes more than "
            "the rule's own setting or makes a choice, so review it (`--diff` shows it first)." + _RENDERED
        )
    if fix.get("reason"):
        return f"No automatic fix: {fix['reason'].strip()}"
    return "No automatic fix yet: make the change by hand as above."


def render_policy(policy: Policy, help_url: str) -> str:
    out = [f"{policy.id} {policy.name} ({policy.severity}, {policy.scope} scope)", policy.title, ""]
    for heading, body in (
        ("What it checks", policy.summary),
        ("Why it matters", policy.rationale),
        ("How to fix", policy.fix),
        ("Automatic fix", autofix_text(policy)),
    ):
        out += [heading + ":", textwrap.indent(textwrap.fill(" ".join(body.split()), 96, break_long_words=False, break_on_hyphens=False), "  "), ""]
    for example in policy.examples:
        out.append(f"{example['kind'].capitalize()} example: {example['title']}")
        for item in example["files"]:
            caption, _, body = example_snippet(item)
            out.append(f"  # {caption}")
            if body:
                out.append(textwrap.indent(body, "    "))
        out.append("")
    if policy.guide:
        out.append(f"Clustering guide: {policy.guide}")
    if policy.runbook:
        out.append(f"Runbook step: {runbook_step_url(policy)}")
    for reference in policy.references:
        out.append(f"Reference: {reference}")
    out.append(f"More: {help_url}")
    return "\n".join(out) + "\n"
