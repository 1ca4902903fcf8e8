"""The validated policies, cached on disk under a checksum of their files.

Why: validating the policy files against their JSON Schema needs jsonschema, whose import alone
costs more than a whole pre-commit run on one cluster, and the files rarely change. So the first
run validates and writes what it read to ``~/.cache/bps-lint`` (``$XDG_CACHE_HOME``,
``$BPS_LINT_CACHE_DIR``), keyed by a checksum of the policy files, the schema and bps-lint's
version; later runs read that JSON and import neither tomllib nor jsonschema. Any change to a file
changes the key, so an edited policy is validated again. The cache is best effort: an unreadable,
damaged or foreign entry is ignored, and a read-only home only costs the next run its validation.
Checks that need the code (function names, model fields, templates) run on every load, cached or not.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Callable

from linter.resources import schema_path

FILES_KEPT = 8  # a few checkouts or policy folders side by side; older entries are removed


def fingerprint(paths: list[str], read: Callable[[str], bytes]) -> str | None:
    """A 64-bit checksum of the policy files, the schema and bps-lint's version; None if a file cannot be read.

    zlib is already loaded by lxml; hashlib would load OpenSSL on every run for a cache key.
    """
    from linter import __version__

    crc, adler = 0, 1
    try:
        for path in [schema_path("policy.schema.json"), *paths]:
            chunk = path.encode() + b"\0" + read(path) + b"\0"
            crc, adler = zlib.crc32(chunk, crc), zlib.adler32(chunk, adler)
    except OSError:
        return None  # let validation report it
    return f"{__version__}-{crc:08x}{adler:08x}"


def cache_dir() -> str:
    configured = os.environ.get("BPS_LINT_CACHE_DIR")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "bps-lint")


def load(key: str, paths: list[str]) -> list | None:
    """The [path, content] entries cached under ``key``, or None if there are none or they do not fit ``paths``."""
    try:
        with open(os.path.join(cache_dir(), f"policies-{key}.json"), encoding="utf-8") as handle:
            entries = json.load(handle)
        if [path for path, _ in entries] != paths or not all(isinstance(data, dict) for _, data in entries):
            return None
        return entries
    except (OSError, ValueError, TypeError):  # absent, or not what we wrote
        return None


def store(key: str, entries: list) -> None:
    """Best effort: a read-only home or a full disk only costs the next run its validation."""
    folder = cache_dir()
    try:
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".policies-{key}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(entries, handle)
        os.replace(tmp, os.path.join(folder, f"policies-{key}.json"))
        with os.scandir(folder) as found:
            stale = sorted((e for e in found if e.name.startswith("policies-")), key=lambda e: e.stat().st_mtime, reverse=True)
        for entry in stale[FILES_KEPT:]:
            os.unlink(entry.path)
    except OSError:
        pass
