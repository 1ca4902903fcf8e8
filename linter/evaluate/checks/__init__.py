"""Check functions named by policies. Node-scope: fn(node, cluster); cluster-scope: fn(cluster)."""

from __future__ import annotations

from typing import Callable

CHECKS: dict[str, Callable] = {}


def check(name: str):
    def register(function):
        CHECKS[name] = function
        return function

    return register


# Importing the modules fills CHECKS.
from linter.evaluate.checks import (  # noqa: E402,F401
    bpsconf,
    clustering,
    datasources,
    depsync,
    other,
    registry,
    tasks,
)
