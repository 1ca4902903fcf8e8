"""The validated policies, cached on disk under a fingerprint of their files.

Why: validating the policy files against their JSON Schema needs jsonschema, whose import alone
costs more than a whole pre-commit run on one cluster, and the files rarely change. So the first
run validates and writes what it read to ``~/.cache/bps-lint`` (``$XDG_CACHE_HOME``,
``$BPS_LINT_CACHE_DIR``), keyed by a fingerprint of the policy files, the schema and bps-lint's
version; later runs read that entry and import neither tomllib nor jsonschema. Any change to a file
changes the key, so an edited policy is validated again. The entry is in ``marshal`` format, the one
Python keeps its compiled modules in (no json import, read in a tenth of the time), behind a checksum,
so a damaged entry is never decoded. The cache is best effort: an unreadable, damaged or foreign
entry is ignored, and a read-only home only costs the next run its validation.
Checks that need the code (function names, model fields, templates) run on every load, cached or not.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
import zlib
from typing import Callable

from linter.resources import schema_path

FILES_KEPT = 8  # a few checkouts or policy folders side by side; older entries are removed
_RACY_SECONDS = 2  # a file changed this recently may change again within the same timestamp tick


def fingerprint(paths: list[str], read: Callable[[str], bytes]) -> str | None:
    """A 64-bit checksum of the policy files, the schema and bps-lint's version; None if a file cannot be read.

    A file counts by its size, modification time and inode, as Python's compiled modules and git's
    index do (a stat instead of a read: 64 files are read in 1 ms, stat'ed in 0.1), and by its content
    as well when it was modified in the last two seconds: the kernel stamps files with a clock that
    ticks every few milliseconds, so an edit of the same size right after a run could keep the time
    (git's "racy" case). zlib is already loaded by lxml; hashlib would load OpenSSL for a cache key.
    """
    from linter import __version__

    crc, adler = 0, 1
    recent = time.time() - _RACY_SECONDS
    try:
        for path in [schema_path("policy.schema.json"), *paths]:
            status = os.stat(path)
            chunk = f"{path}\0{status.st_size}\0{status.st_mtime_ns}\0{status.st_ino}\0".encode("utf-8", "surrogateescape")
            if status.st_mtime >= recent or status.st_ctime >= recent:
                chunk += read(path) + b"\0"
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


def _entry_path(folder: str, key: str) -> str:
    return os.path.join(folder, f"policies-{key}.{sys.implementation.cache_tag}")  # marshal's format is per Python version


def load(key: str, paths: list[str]) -> list | None:
    """The [path, content] entries cached under ``key``, or None if there are none or they do not fit ``paths``."""
    try:
        with open(_entry_path(cache_dir(), key), "rb") as handle:
            stored = handle.read()
        if len(stored) < 4 or int.from_bytes(stored[:4], "big") != zlib.crc32(stored[4:]):
            return None  # damaged: never handed to marshal
        entries = marshal.loads(stored[4:])
        if [path for path, _ in entries] != paths or not all(isinstance(data, dict) for _, data in entries):
            return None
        return entries
    except (OSError, ValueError, TypeError, EOFError):  # absent, or not what we wrote
        return None


def store(key: str, entries: list) -> None:
    """Best effort: a read-only home or a full disk only costs the next run its validation."""
    folder = cache_dir()
    try:
        payload = marshal.dumps(entries)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".policies-{key}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(zlib.crc32(payload).to_bytes(4, "big") + payload)
        os.replace(tmp, _entry_path(folder, key))
        with os.scandir(folder) as found:
            stale = sorted((e for e in found if e.name.startswith("policies-")), key=lambda e: e.stat().st_mtime, reverse=True)
        for entry in stale[FILES_KEPT:]:
            os.unlink(entry.path)
    except (OSError, ValueError):  # ValueError: a value marshal cannot write (a TOML date); nothing is cached
        pass
