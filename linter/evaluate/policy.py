"""Policies are data: one TOML file per rule, validated against schemas/policy.schema.json."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass

from linter.resources import policies_dir, schema_path


class PolicyError(Exception):
    """A policy file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    title: str
    severity: str
    scope: str
    summary: str
    rationale: str
    fix: str
    runbook: str
    references: tuple[str, ...]
    check: dict
    examples: tuple[dict, ...]
    source: str
    constraint: str | None = None


def _validator():
    import jsonschema

    with open(schema_path("policy.schema.json"), encoding="utf-8") as handle:
        return jsonschema.Draft202012Validator(json.load(handle))


def _policy_files(folder: str) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise PolicyError(f"{folder}: cannot read policy folder: {exc.strerror or exc}") from None
    return [os.path.join(folder, n) for n in names if n.endswith(".toml")]


def load_policy(path: str, validator) -> Policy:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror or exc}") from None
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        raise PolicyError(f"{path}: invalid policy at '{where}': {first.message}")
    return Policy(
        id=data["id"],
        name=data["name"],
        title=data["title"],
        severity=data["severity"],
        scope=data["scope"],
        summary=data["summary"].strip(),
        rationale=data["rationale"].strip(),
        fix=data["fix"].strip(),
        runbook=data["runbook"],
        references=tuple(data.get("references", ())),
        check=data.get("check", {}),
        examples=tuple(data.get("examples", ())),
        source=path,
        constraint=data.get("constraint"),
    )


def load_policies(folders: list[str] | None = None) -> list[Policy]:
    """Every policy in the bundled folder (and any extra folders), ids and names unique."""
    validator = _validator()
    policies: list[Policy] = []
    for folder in [policies_dir(), *(folders or [])]:
        for path in _policy_files(folder):
            policies.append(load_policy(path, validator))
    seen: dict[str, str] = {}
    for policy in policies:
        for key in (policy.id, policy.name):
            if key in seen:
                raise PolicyError(f"{policy.source}: '{key}' is already used by {seen[key]}")
            seen[key] = policy.source
    from linter.evaluate.checks import CHECKS

    for policy in policies:
        function = policy.check.get("function")
        if function and function not in CHECKS:
            raise PolicyError(f"{policy.source}: invalid policy at 'check.function': no check function named '{function}'")
    return sorted(policies, key=lambda p: p.id)
