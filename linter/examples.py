"""A policy's examples made real: the example cluster copied and the example's changes applied, then linted.

The test suite (tests/test_policy_examples.py) and ``bps-lint verify`` use this one copy.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from linter.evaluate.engine import Engine
from linter.evaluate.policy import Policy
from linter.records import Record
from linter.resources import example_cluster_dir


def node_file(cluster: Path, node: str, rel: str) -> Path:
    """A node's file: ``bin/...`` below the node folder, everything else below repository/conf."""
    if rel == "":
        return cluster / node
    if rel.startswith("bin/"):
        return cluster / node / rel
    return cluster / node / "repository" / "conf" / rel


class ExampleError(Exception):
    """An example that cannot be applied (its text to replace is not in the file)."""


def materialize(example: dict, dest: Path, base: Path | None = None) -> Path:
    """Copy the example cluster to ``dest`` and apply the example's file changes; return the cluster folder."""
    cluster = Path(dest) / "cluster"
    shutil.copytree(base or example_cluster_dir(), cluster, symlinks=True)
    for item in example["files"]:
        for node in item["nodes"]:
            path = node_file(cluster, node, item["file"])
            state = item.get("state")
            if state == "missing":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            elif state == "loop":
                path.unlink()
                os.symlink(path.name, path)
            elif "replace" in item:
                text = path.read_bytes().decode("latin-1")
                old, new = item["replace"], item["with"]
                if "\r\n" in text:
                    old, new = old.replace("\n", "\r\n"), new.replace("\n", "\r\n")
                if old not in text:
                    raise ExampleError(f"{node}/{item['file']}: the text to replace is not in the example cluster: {old!r}")
                path.write_bytes(text.replace(old, new, 1).encode("latin-1"))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(item.get("xml", item.get("text", "")), encoding="utf-8")
    if "manifest" in example:
        (cluster / "bps-lint.toml").write_text(example["manifest"], encoding="utf-8")
    return cluster


class Outcome(Record):
    policy: Policy
    kind: str
    title: str
    problem: str | None  # None: the example does what it says


def verify_example(policy: Policy, example: dict, known: list[Policy]) -> Outcome:
    """Whether ``policy`` fires on its bad example (at the places it names) and stays quiet on its good one."""
    from linter.run import lint_paths

    kind, title = example["kind"], example.get("title", "")
    with tempfile.TemporaryDirectory(prefix="bps-lint-verify-") as tmp:
        try:
            cluster = materialize(example, Path(tmp))
        except (ExampleError, OSError) as exc:
            return Outcome(policy, kind, title, f"cannot apply the example: {exc}")
        findings = [f for f in lint_paths([str(cluster)], Engine(known)).findings if f.rule == policy.id]  # all rules: some need others running
        if kind == "good":
            return Outcome(policy, kind, title, f"{policy.id} fires on the good example ({findings[0].message})" if findings else None)
        if not findings:
            return Outcome(policy, kind, title, f"{policy.id} does not fire on the bad example")
        expected = {(os.path.realpath(node_file(cluster, e["node"], e["file"])), e["line"]) for e in example.get("expect", ())}
        found = {(os.path.realpath(f.loc.path), f.loc.line or 0) for f in findings}
        if expected and found != expected:
            rel = sorted(f"{os.path.relpath(p, cluster)}:{line}" for p, line in found)
            return Outcome(policy, kind, title, f"{policy.id} fires at {', '.join(rel)}, not where the example's 'expect' says")
    return Outcome(policy, kind, title, None)


def verify(policies: list[Policy], known: list[Policy]) -> list[Outcome]:
    """Every example of every policy; a policy without a bad and a good example fails too."""
    outcomes = []
    for policy in policies:
        kinds = {e["kind"] for e in policy.examples}
        for missing in ("bad", "good"):
            if missing not in kinds:
                outcomes.append(Outcome(policy, missing, "", f"{policy.id} has no {missing} example"))
        outcomes.extend(verify_example(policy, example, known) for example in policy.examples)
    return outcomes
