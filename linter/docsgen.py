"""Markdown for the site's rule pages, generated from the policies (never a hand-kept copy)."""

from __future__ import annotations

import os
import re
import textwrap

from linter.evaluate.policy import Policy
from linter.explain import autofix_text, example_snippet, runbook_step_url

SEVERITY_ADMONITION = {"error": "danger", "warning": "warning", "info": "info"}
GUIDE_TITLE = "Clustering Business Process Server 3.5.0, 3.5.1 and 3.6.0"
GUIDE_URL = "https://wso2docs.atlassian.net/wiki/x/JYCU"
_HEADING = re.compile(r"^(#+)\s+(.+?)\s*(?:\{#([a-z0-9-]+)\})?\s*$", re.M)


def runbook_steps(runbook_dir: str) -> dict[str, str]:
    """``page#anchor`` (and ``page``) -> "Page title › Heading", read from the runbook's Markdown."""
    steps = {}
    for name in sorted(os.listdir(runbook_dir)):
        if not name.endswith(".md"):
            continue
        page = name[:-3]
        with open(os.path.join(runbook_dir, name), encoding="utf-8") as handle:
            headings = _HEADING.findall(handle.read())
        title = next((text for level, text, _ in headings if level == "#"), page)
        steps[page] = title
        for _, text, anchor in headings:
            if anchor:
                steps[f"{page}#{anchor}"] = f"{title} › {text}"
    return steps


def runbook_link(policy: Policy, steps: dict[str, str], runbook_url: str | None = None) -> tuple[str, str]:
    """(link text, link) for the runbook step a policy enforces: relative to a rules/ page of this site, or
    below ``runbook_url`` (the published runbook, for pages on an organisation's own site)."""
    page, _, anchor = policy.runbook.partition("#")
    if runbook_url:
        return steps.get(policy.runbook, policy.runbook), runbook_step_url(policy, runbook_url)
    return steps.get(policy.runbook, policy.runbook), f"../runbook/{page}.md" + (f"#{anchor}" if anchor else "")


def _example(example: dict) -> str:
    out = [f"**{example['title']}**", ""]
    if example.get("manifest"):
        out += ["With this `bps-lint.toml`:", "", "```toml", example["manifest"].strip("\n"), "```", ""]
    for item in example["files"]:
        caption, language, body = example_snippet(item)
        if body:
            out += [f'```{language} title="{caption}"', body, "```", ""]
        else:
            out += [f"*{caption}.*", ""]
    return "\n".join(out)


def _status_note(policy: Policy) -> str:
    """An admonition for a rule that is not simply stable (the lifecycle is on rule-lifecycle.md)."""
    instead = ", ".join(f"[{rule}]({rule}.md)" for rule in policy.replaced_by)
    if policy.status == "preview":
        body = f"This rule is new: it runs only when `select` names it (`{policy.id}` or `{policy.name}`), and what it checks may still change."
        return f'!!! example "Preview"\n    {body} See [the rule lifecycle](../rule-lifecycle.md).\n'
    if policy.status == "deprecated":
        body = policy.reason + (f" Use {instead} instead." if instead else "")
        return f'!!! warning "Deprecated"\n    {body} It will be removed in a later release: see [the rule lifecycle](../rule-lifecycle.md).\n'
    return ""


def removed_rule_page(policy: Policy, live: dict[str, Policy]) -> str:
    """The page a removed rule keeps, so links from older versions and old suppressions still explain themselves."""
    instead = "\n".join(f"- [{rule} {live[rule].name}]({rule}.md): {live[rule].title}" for rule in policy.replaced_by) or "- nothing: its check was dropped"
    return f"""---
title: "{policy.id} {policy.name} (removed)"
---

# {policy.id} {policy.name}

!!! failure "Removed in {policy.removed_in}"
    {policy.title}

## Why it was removed

{policy.reason}

## What replaced it

{instead}

`select`, `ignore`, `severity` and `per-path-ignores` entries naming {policy.id} apply to what replaced it, with a
warning; an inline suppression naming it suppresses nothing and is reported. The id and the name `{policy.name}` are
never given to another rule. See [the rule lifecycle](../rule-lifecycle.md).
"""


def removed_rules_table(removed: list[Policy]) -> str:
    """The rules index's list of removed rules; empty while there are none."""
    if not removed:
        return ""
    rows = "\n".join(f"| [{p.id}]({p.id}.md) | `{p.name}` | {p.removed_in} | {', '.join(p.replaced_by) or '-'} |" for p in removed)
    return f"""
## Removed rules

| Id | Name | Removed in | Replaced by |
|---|---|---|---|
{rows}
"""


def rule_page(policy: Policy, steps: dict[str, str], runbook_url: str | None = None) -> str:
    text, link = runbook_link(policy, steps, runbook_url)
    bad = [e for e in policy.examples if e["kind"] == "bad"]
    good = [e for e in policy.examples if e["kind"] == "good"]
    tabs = []
    for label, examples in (("Bad", bad), ("Good", good)):
        body = "\n".join(_example(e) for e in examples)
        tabs.append(f'=== "{label}"\n\n' + textwrap.indent(body, "    "))
    references = "\n".join(f"- <{r}>" for r in policy.references) or "- none"
    guide = (
        f"The WSO2 clustering guide ([{GUIDE_TITLE}]({GUIDE_URL})), {policy.guide[0].lower()}{policy.guide[1:]}; and the product source and documents below."
        if policy.guide
        else "The product source and documents below (the clustering guide does not cover it)."
        if policy.id.startswith("BPS")
        else "The documents below."  # an organisation's own rule
    )
    return f"""---
title: "{policy.id} {policy.name}"
---

# {policy.id} {policy.name}

!!! {SEVERITY_ADMONITION[policy.severity]} "{policy.severity.capitalize()} · {policy.scope} scope"
    {policy.title}

{_status_note(policy)}
## What it checks

{policy.summary}

## Why it matters in a cluster

{policy.rationale}

## How to fix

{policy.fix}

{autofix_text(policy)}

## Examples

{chr(10).join(tabs)}

## Runbook step

This rule enforces [{text}]({link}).

## What it rests on

{guide}

{references}

Run `bps-lint explain {policy.id}` for this page in a terminal.
"""


def rules_index(policies: list[Policy], steps: dict[str, str], runbook_url: str | None = None, source: str = "`policies/`") -> str:
    rows = []
    for p in policies:
        text, link = runbook_link(p, steps, runbook_url)
        rows.append(f"| [{p.id}]({p.id}.md) | `{p.name}` | {p.severity} | {p.scope} | {p.title} | [{text}]({link}) |")
    table = "\n".join(rows)
    return f"""---
title: Rules
hide:
  - toc
---

# Rules

Every rule bps-lint checks, generated from the policy files in {source}. Severity **error**
means the clustering guide or the product code says the cluster misbehaves; **warning** means
risky or insecure; **info** is advice. Each finding links to its rule's page.

<input id="rules-filter" class="md-input" type="search" placeholder="Filter rules: id, name, severity, words in the title" aria-label="Filter rules">

<div class="bps-rules-index" markdown>

| Id | Name | Severity | Scope | Title | Runbook step |
|---|---|---|---|---|---|
{table}

</div>
"""
