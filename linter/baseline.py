"""A baseline: today's findings recorded in a file, so a fleet adopts bps-lint by failing only on what is new.

A finding is known by a fingerprint of its rule, node, file (relative to the baseline file's folder), the
element's path in that file and its message with line references taken out: an edit that shifts lines leaves
it unchanged, a new fault or a changed value does not. Equal fingerprints are counted, not merged, so a second
copy of a recorded fault is still new.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter

from linter.findings import UNUSABLE_INPUT, Finding
from linter.records import Record

FORMAT = 1
_LINE_REFS = re.compile(r"\b(lines?|at|:)\s*\d+(?:\s*(?:,|and|-)\s*\d+)*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


class BaselineError(Exception):
    pass


def folder(baseline_path: str) -> str:
    """What the recorded paths are relative to: the baseline file's own folder, so that it matches from
    wherever bps-lint runs (a CI job's working directory, a developer's subfolder)."""
    return os.path.dirname(os.path.abspath(baseline_path))


def relative_path(path: str, base_dir: str) -> str:
    try:
        return os.path.relpath(os.path.realpath(path), os.path.realpath(base_dir)).replace(os.sep, "/")
    except ValueError:  # another drive (Windows)
        return path.replace(os.sep, "/")


def normalised_message(message: str, cluster: str | None = None) -> str:
    """The message without line references, and without the cluster's folder as the current directory shows it."""
    if cluster and cluster not in (".", ""):
        message = message.replace(cluster.rstrip("/") + "/", "")
    return _SPACE.sub(" ", _LINE_REFS.sub(r"\1 #", message)).strip()


def fingerprint(finding: Finding, base_dir: str) -> str:
    # The cluster is named by the folder it is in as seen from where bps-lint runs; the file's path relative to
    # the settings' folder already says which cluster and node it is, wherever the run starts.
    parts = (
        finding.rule,
        finding.node or "",
        relative_path(finding.loc.path, base_dir),
        finding.loc.element or "",
        normalised_message(finding.message, finding.cluster),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "backslashreplace")).hexdigest()[:20]


def entry(finding: Finding, base_dir: str) -> dict:
    return {
        "fingerprint": fingerprint(finding, base_dir),
        "rule": finding.rule,
        "path": relative_path(finding.loc.path, base_dir),
        "node": "/".join(p for p in (None if finding.cluster in (".", "") else finding.cluster, finding.node) if p),
        "message": finding.message,
    }


def render(findings: list[Finding], base_dir: str) -> str:
    """The baseline file's text: sorted, one entry per finding, readable in a review."""
    entries = sorted((entry(f, base_dir) for f in findings if f.name not in UNUSABLE_INPUT), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    return json.dumps({"tool": "bps-lint", "format": FORMAT, "findings": entries}, indent=2) + "\n"


def load(path: str) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise BaselineError(f"no such baseline file: {path} (write one with --write-baseline {path})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if data.get("format") != FORMAT if isinstance(data, dict) else True:
        raise BaselineError(f"{path} is not a bps-lint baseline of format {FORMAT}")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise BaselineError(f"{path}: 'findings' must be a list of entries, each with a 'fingerprint'")
    return entries


class Filtered(Record):
    new: list[Finding]  # not in the baseline: reported
    known: int  # in the baseline: hidden
    stale: list[dict]  # baseline entries nothing matches any more: fixed, or changed beyond recognition


def apply(findings: list[Finding], entries: list[dict], base_dir: str) -> Filtered:
    budget = Counter(e["fingerprint"] for e in entries)
    new, known = [], 0
    for f in findings:
        fp = fingerprint(f, base_dir)
        if budget[fp] > 0 and f.name not in UNUSABLE_INPUT:  # a file that cannot be used is never accepted
            budget[fp] -= 1
            known += 1
        else:
            new.append(f)
    stale = []
    for e in entries:
        if budget[e["fingerprint"]] > 0:
            budget[e["fingerprint"]] -= 1
            stale.append(e)
    return Filtered(new, known, stale)
