"""Where the bundled policies and schemas live: beside the code when installed, at the repo root in a checkout."""

from __future__ import annotations

import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _data_dir(name: str) -> str:
    installed = os.path.join(_HERE, "_data", name)
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(_HERE), name)


def policies_dir() -> str:
    return _data_dir("policies")


def schema_path(name: str) -> str:
    return os.path.join(_data_dir("schemas"), name)


def example_cluster_dir() -> str:
    """The three-node example cluster every policy example edits (linter.examples)."""
    return os.path.join(_data_dir("examples"), "cluster")


def first_schema_error(errors) -> tuple[str, str] | None:
    """(dotted key, message) of the first of jsonschema's errors as given (sorted by the caller), or None:
    the one line a policy or manifest error names its key with."""
    first = next(iter(errors), None)
    if first is None:
        return None
    return ".".join(str(p) for p in first.absolute_path) or "(top level)", first.message
