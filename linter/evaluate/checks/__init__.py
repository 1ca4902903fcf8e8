"""Check functions, one per rule, registered under their rule's name.

A function rule's policy says ``kind = "function"``; the function is the one named after the rule
(``registry-cache-id`` -> ``registry_cache_id``), so a rule has one name, written once. Node-scope:
fn(node, cluster); cluster-scope: fn(cluster). Policies are matched to functions when they load."""

from __future__ import annotations

from typing import Callable

CHECKS: dict[str, Callable] = {}  # rule name -> check function


def rule_key(function_name: str) -> str:
    """The rule name a check function serves: its name with dashes."""
    return function_name.replace("_", "-")


def check(function: Callable) -> Callable:
    """Register ``function`` as the check of the rule it is named after."""
    key = rule_key(function.__name__)
    if key in CHECKS:
        raise RuntimeError(f"two check functions for rule {key}")
    CHECKS[key] = function
    return function


# Importing the modules fills CHECKS.
from linter.evaluate.checks import (  # noqa: E402,F401
    bpsconf,
    clustering,
    datasources,
    depsync,
    humantask,
    registry,
    security,
    startscript,
    tasks,
)
