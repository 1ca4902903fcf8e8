"""mkdocs hook: one page per policy under rules/, generated at build time from policies/ (a removed rule keeps its page)."""

from __future__ import annotations

import os
import sys

from mkdocs.structure.files import File

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)  # build from a checkout without installing

from linter.docsgen import removed_rule_page, removed_rules_table, rule_page, rules_index, runbook_steps  # noqa: E402
from linter.evaluate.policy import load_rules  # noqa: E402

_policies = []
_removed = []


def on_config(config):
    _policies[:], _removed[:] = load_rules()
    for section in config["nav"]:
        if isinstance(section, dict) and "Rules" in section:
            section["Rules"] = ["rules/index.md"] + [{f"{p.id} {p.name}": f"rules/{p.id}.md"} for p in _policies]
            section["Rules"] += [{f"{p.id} {p.name} (removed)": f"rules/{p.id}.md"} for p in _removed]
    return config


def on_files(files, config):
    steps = runbook_steps(os.path.join(config["docs_dir"], "runbook"))
    files.append(File.generated(config, "rules/index.md", content=rules_index(_policies, steps) + removed_rules_table(_removed)))
    for policy in _policies:
        files.append(File.generated(config, f"rules/{policy.id}.md", content=rule_page(policy, steps)))
    for policy in _removed:
        files.append(File.generated(config, f"rules/{policy.id}.md", content=removed_rule_page(policy, {p.id: p for p in _policies})))
    return files
