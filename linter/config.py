"""Run settings: which rules, at what severity, where, and when the run fails.

They live in the manifest (bps-lint.toml or [tool.bps-lint]) next to the cluster facts;
command-line flags override them.
"""

from __future__ import annotations

import fnmatch
import os

from linter.discover.manifest import ManifestError, find_manifest, load_manifest
from linter.evaluate.policy import Policy

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


class Settings:
    def __init__(
        self,
        base_dir: str | None = None,
        source: str | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        severity: dict[str, str] | None = None,
        per_path_ignores: dict[str, list[str]] | None = None,
        exclude: list[str] | None = None,
        extra_policies: list[str] | None = None,
        fail_on: str = "error",
        docs_url: str | None = None,
        baseline: str | None = None,
    ):
        self.base_dir = base_dir or os.getcwd()
        self.source = source  # the manifest the settings came from
        self.from_command_line: set[str] = set()  # keys the command line gave (--select, --ignore): named as options
        self.select = select
        self.ignore = ignore or []
        self.severity = severity or {}
        self.per_path_ignores = per_path_ignores or {}
        self.exclude = exclude or []
        self.extra_policies = extra_policies or []
        self.fail_on = fail_on
        self.docs_url = docs_url
        self.baseline = baseline  # a baseline file whose findings are hidden (linter.baseline)
        self.warnings: list[str] = []  # said on stderr by the command line, e.g. a selector naming a removed rule

    def where(self, key: str) -> str:
        return f"{self.source}: '{key}'" if self.source and key not in self.from_command_line else f"--{key}"

    def _relative(self, path: str) -> str:
        return os.path.relpath(os.path.realpath(path), os.path.realpath(self.base_dir)).replace(os.sep, "/")

    def _glob_hits(self, path: str, pattern: str) -> bool:
        """A glob matches the path or any folder above it (so ``envs/dev`` covers everything below)."""
        rel = self._relative(path)
        parts = rel.split("/")
        return any(fnmatch.fnmatchcase("/".join(parts[:i]), pattern.rstrip("/")) for i in range(len(parts), 0, -1))

    def excluded(self, path: str) -> bool:
        return any(self._glob_hits(path, pattern) for pattern in self.exclude)

    def path_ignores(self, path: str, policy_id: str, policy_name: str) -> bool:
        return any(
            self._glob_hits(path, pattern) and any(matches(policy_id, policy_name, s) for s in selectors)
            for pattern, selectors in self.per_path_ignores.items()
        )

    def fails(self, severity: str) -> bool:
        return SEVERITY_RANK[severity] >= SEVERITY_RANK[self.fail_on]


def matches(policy_id: str, policy_name: str, selector: str) -> bool:
    """A selector is a rule id, a name, or a prefix of either (``BPS1``, ``depsync``)."""
    selector = selector.strip()
    return policy_id.upper().startswith(selector.upper()) or policy_name.startswith(selector.lower())


def load_settings(paths: list[str], config: str | None = None) -> Settings:
    """Settings from ``config`` or the manifest nearest to the first path; defaults without one."""
    source = config or find_manifest(paths[0] if paths else ".")
    if not source:
        return Settings()
    manifest = load_manifest(source)
    table = manifest.settings

    def resolve(rel: str) -> str:
        return os.path.normpath(os.path.join(manifest.base_dir, rel))

    return Settings(
        base_dir=manifest.base_dir,
        source=source,
        select=table.get("select"),
        ignore=list(table.get("ignore", [])),
        severity=dict(table.get("severity", {})),
        per_path_ignores={k: list(v) for k, v in table.get("per-path-ignores", {}).items()},
        exclude=list(table.get("exclude", [])),
        extra_policies=[resolve(p) for p in table.get("extra-policies", [])],
        fail_on=table.get("fail-on", "error"),
        docs_url=table.get("docs-url"),
        baseline=resolve(table["baseline"]) if "baseline" in table else None,
    )


def _check_selectors(policies: list[Policy], selectors, key: str, settings: Settings) -> None:
    for selector in selectors:
        if not any(matches(p.id, p.name, selector) for p in policies):
            raise ManifestError(f"{settings.where(key)} names no rule: '{selector}' ('bps-lint rules' lists them)")


def _named(selector: str, policies) -> Policy | None:
    """The policy a selector names exactly, by id or name (not by prefix)."""
    selector = selector.strip()
    return next((p for p in policies if p.id == selector.upper() or p.name == selector.lower()), None)


def _forward(selectors, removed: list[Policy], key: str, settings: Settings) -> list[str]:
    """The selectors, each naming a removed rule replaced by that rule's successors (ruff's redirects), with a warning."""
    out = []
    for selector in selectors:
        gone = _named(selector, removed)
        if gone is None:
            out.append(selector)
            continue
        instead = ", ".join(gone.replaced_by)
        then = f"it applies to {instead} instead: name {instead} there" if instead else "it has no effect: remove it"
        settings.warnings.append(f"{settings.where(key)} names {gone.id} ({gone.name}), removed in {gone.removed_in}; {then}. Why: {gone.reason}")
        out.extend(gone.replaced_by)
    return out


def _lifecycle(policies: list[Policy], removed: list[Policy], settings: Settings) -> None:
    """Redirect selectors naming removed rules; warn about deprecated rules selected by name."""
    if removed:
        if settings.select is not None:
            settings.select = _forward(settings.select, removed, "select", settings)
        settings.ignore = _forward(settings.ignore, removed, "ignore", settings)
        settings.severity = {new: sev for old, sev in settings.severity.items() for new in _forward([old], removed, "severity", settings)}
        settings.per_path_ignores = {glob: _forward(s, removed, "per-path-ignores", settings) for glob, s in settings.per_path_ignores.items()}
    for selector in settings.select or []:
        named = _named(selector, policies)
        if named is not None and named.status == "deprecated":
            instead = f"; use {', '.join(named.replaced_by)}" if named.replaced_by else ""
            settings.warnings.append(f"{settings.where('select')} names {named.id} ({named.name}), which is deprecated{instead}. Why: {named.reason}")


def apply_settings(policies: list[Policy], settings: Settings, removed: list[Policy] | None = None) -> list[Policy]:
    """The policies this run evaluates, with severity overrides applied.

    A preview rule runs only when ``select`` names it exactly; a prefix never turns it on.
    """
    _lifecycle(policies, removed or [], settings)
    _check_selectors(policies, settings.select or [], "select", settings)
    _check_selectors(policies, settings.ignore, "ignore", settings)
    _check_selectors(policies, settings.severity, "severity", settings)
    for selectors in settings.per_path_ignores.values():
        _check_selectors(policies, selectors, "per-path-ignores", settings)
    chosen = []
    for policy in policies:
        if settings.select is not None and not any(matches(policy.id, policy.name, s) for s in settings.select):
            continue
        if policy.status == "preview" and not any(_named(s, [policy]) for s in settings.select or []):
            continue
        if any(matches(policy.id, policy.name, s) for s in settings.ignore):
            continue
        override = next((sev for s, sev in settings.severity.items() if matches(policy.id, policy.name, s)), None)
        chosen.append(policy._replace(severity=override) if override else policy)
    return chosen
