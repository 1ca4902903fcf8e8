"""Run every policy over a cluster model and turn violations into findings."""

from __future__ import annotations

import functools
import os
import sys
from typing import Callable, Iterator

from linter.evaluate.checks import CHECKS
from linter.evaluate.declarative import check_consistent, check_unique, check_value
from linter.evaluate.policy import Policy
from linter.evaluate.violation import Violation
from linter.findings import UNUSABLE_INPUT, Finding
from linter.fix import AddChild, Fix, SetAttr
from linter.model.types import UNREAD, Cluster, Node
from linter.parse.location import ElementLoc, Loc, as_loc
from linter.parse.xmlfile import FileProblem
from linter.resources import policies_dir

# The rules the pipeline itself reports, by name: the stage that finds them (a policy's
# `builtin = "..."`, checked when policies load) and the file problem each stands for.
BUILTIN_RULES = {
    "xml-not-well-formed": ("parse", "unparseable"),
    "xml-doctype": ("parse", "doctype"),
    "config-file-missing": ("parse", "missing"),
    "file-unreadable": ("discover", "unreadable"),
    "invalid-suppression": ("suppress", None),
    "unused-suppression": ("suppress", None),
}
WAITED_FOR = ("unreadable", "unparseable", "doctype")  # the UNREAD statuses a finding of the file's own reports
PROBLEM_RULES = {problem: name for name, (_, problem) in BUILTIN_RULES.items() if problem}
# The cross-node declarative kinds: fn(spec, cluster) -> violations naming their node.
CLUSTER_KINDS = {"consistent": check_consistent, "unique": check_unique}

ClusterCheck = Callable[[Cluster], Iterator[Violation]]  # every check, ready to run: violations naming their node


def _on_each_node(check: Callable[[Node, Cluster], Iterator[Violation]]) -> ClusterCheck:
    def run(cluster: Cluster) -> Iterator[Violation]:
        for node in cluster.nodes:
            for loc, message, _, edits in check(node, cluster):
                yield Violation(loc, message, node, edits)  # not _replace: a tenth of the cost

    return run


def cluster_check(policy: Policy) -> ClusterCheck | None:
    """The check of a policy that passed loading, as one function of a cluster; None for a built-in rule."""
    spec = policy.check
    kind = spec.get("kind", "value")
    if "builtin" in spec:
        return None
    if kind == "function":
        function = CHECKS[policy.name]
        return function if policy.scope == "cluster" else _on_each_node(function)
    if policy.autofix.get("safety"):
        spec = {**spec, "autofix": policy.autofix}
    if kind in CLUSTER_KINDS:
        return functools.partial(CLUSTER_KINDS[kind], spec)
    return _on_each_node(functools.partial(check_value, spec))


DEFAULT_DOCS_URL = "https://bps-lint.github.io/bps-lint/"


def docs_version(version: str | None = None) -> str:
    """The published site's folder for a version: ``0.2`` for every 0.2.x release, ``dev`` for anything unreleased."""
    if version is None:
        from linter import __version__ as version
    parts = version.split(".")
    return ".".join(parts[:2]) if len(parts) == 3 and all(p.isdigit() for p in parts) else "dev"


def rule_url(docs_url: str, rule_id: str) -> str:
    """A rule's page. The published site keeps one copy per version, so a finding links to the text of the version
    that produced it; any other URL (a self-hosted site) is used as given."""
    base = docs_url.rstrip("/") + "/"
    if base == DEFAULT_DOCS_URL:
        base += docs_version() + "/"
    return f"{base}rules/{rule_id}/"


def policy_url(docs_url: str, policy: Policy) -> str:
    """A rule's page: its own ``url``; for a rule of your own without one, its page on your docs-url, or (no
    docs-url) the public page on writing your own rules: the public site has no page for it."""
    if policy.url:
        return policy.url
    builtin = os.path.dirname(os.path.abspath(policy.source)) == os.path.abspath(policies_dir())
    if builtin or docs_url.rstrip("/") + "/" != DEFAULT_DOCS_URL:
        return rule_url(docs_url, policy.id)
    return f"{DEFAULT_DOCS_URL}{docs_version()}/usage/#your-own-policies"


def _edited_place(edit, loc: Loc, documents: dict) -> Loc | None:
    """Where the user edits, when the fix says it is not the element's start (``linter.fix.text.edited_place``):
    the commented-out stock entry an absent element's fix uncomments, the attribute a fix changes. ``documents``
    keeps each file read for the cluster being evaluated (read as the linting read it: ``--diff`` holds its own),
    ready to search, or None for one that cannot be read or edited."""
    from linter.fix.text import Document, FixError, edited_place
    from linter.parse.xmlfile import read_bytes

    path = edit.loc.path
    if path not in documents:
        data = read_bytes(path)[0]
        try:
            documents[path] = None if data is None else Document(data)
        except FixError:  # an encoding no fix edits
            documents[path] = None
    place = edited_place(documents[path], edit) if documents[path] is not None else None
    return loc._replace(line=place[0], column=place[1]) if place else None  # the same element anchors a baseline


class Engine:
    """Evaluates the selected ``policies``; ``known`` are all loaded ones (for suppressions naming a rule that is off)."""

    def __init__(self, policies: list[Policy], docs_url: str = DEFAULT_DOCS_URL, known: list[Policy] | None = None, removed: list[Policy] | None = None):
        self.policies = policies
        self._checks = [(p, check) for p in policies for check in [cluster_check(p)] if check]
        self.removed = {key: p for p in removed or () for key in (p.id, p.name)}  # for suppressions naming one
        self.by_name = {p.name: p for p in policies}
        self._loaded = {p.name: p for p in known or policies}
        self.waiting: tuple[str, ...] = ()  # the cross-node rules of the cluster evaluated last that could not run
        self._known = {key for p in (known or policies) for key in (p.id, p.name)}
        self._running = {key for p in policies for key in (p.id, p.name)}
        self.docs_url = docs_url.rstrip("/") + "/"
        self._help_urls: dict[str, str] = {}  # one string per rule, shared by all its findings
        self._documents: dict = {}  # see evaluate

    def knows(self, rule: str) -> bool:
        return rule in self._known or rule.upper() in self._known

    def runs(self, rule: str) -> bool:
        return rule in self._running or rule.upper() in self._running

    def removed_rule(self, rule: str) -> Policy | None:
        return self.removed.get(rule) or self.removed.get(rule.upper())

    def builtin(self, name: str, loc: Loc, message: str, cluster: str | None, node: str | None) -> Finding | None:
        """A finding of an engine-emitted rule, or None when that rule is not selected."""
        assert name in BUILTIN_RULES, name
        policy = self.by_name.get(name)
        return self.finding(policy, loc, message, cluster, node) if policy else None

    def help_url(self, policy: Policy) -> str:
        url = self._help_urls.get(policy.id)
        if url is None:
            url = self._help_urls[policy.id] = policy_url(self.docs_url, policy)
        return url

    def finding(self, policy: Policy, loc: Loc, message: str, cluster: str | None, node: str | None, edits: tuple = ()) -> Finding:
        fix = None
        if isinstance(loc, ElementLoc) and loc.source is not None and loc.source.within is not None:
            message += loc.source.place_in_text(loc.rendered().line)  # the text's lines are all its key's line
        loc = as_loc(loc)
        if edits and policy.autofix.get("safety"):
            fix = Fix(policy.autofix["title"], policy.autofix["safety"], edits).resolved()
            if len(fix.edits) == 1 and isinstance(fix.edits[0], (AddChild, SetAttr)) and fix.writable:
                loc = _edited_place(fix.edits[0], loc, self._documents) or loc
        # One copy of each message: a fleet's findings repeat a few hundred messages thousands of times, and are all
        # kept (and sent back by the workers, which pickle a string once) until the report is sorted.
        url = self._help_urls.get(policy.id) or self.help_url(policy)  # the call only for a rule's first finding
        return Finding(policy.id, policy.name, policy.severity, sys.intern(message), loc, cluster, node, url, fix)

    def problem_findings(self, problems: list[tuple[Node | None, FileProblem]], cluster: str | None = None, waiting: tuple = ()) -> list[Finding]:
        """The findings of files that could not be used, reported whatever rules are selected (``UNUSABLE_INPUT``); one
        the cross-node rules of its cluster wait for (``waiting``, as ``evaluate`` left them) names them."""
        findings = []
        for node, p in problems:
            name, message = PROBLEM_RULES[p.kind], p.message
            if waiting and p.kind in WAITED_FOR:
                message += f"; the rules comparing this cluster's nodes wait for it ({', '.join(waiting)})"
            if name in UNUSABLE_INPUT:  # reported whatever is selected (see UNUSABLE_INPUT)
                policy = self.by_name.get(name) or self._loaded.get(name)
                finding = self.finding(policy, p.loc, message, node.cluster if node else cluster, node.name if node else None) if policy else None
            else:
                finding = self.builtin(name, p.loc, message, node.cluster if node else cluster, node.name if node else None)
            if finding is not None:
                findings.append(finding)
        return findings

    def evaluate(self, cluster: Cluster) -> list[Finding]:
        findings = []
        self._documents = {}  # files read to place findings, for this cluster only: --fix lints again after writing
        # A file that cannot be read or parsed leaves its node's values unknown, not absent: a cross-node rule would
        # compare the others with nothing (a node with no role, no writable mount). Those rules wait for the file,
        # whose own finding (BPS001, BPS002, BPS003) is an error; the rules of each node still run.
        unread = len(cluster.nodes) > 1 and any(f.status in UNREAD for node in cluster.nodes for f in node.files)
        self.waiting = tuple(p.id for p, _ in self._checks if p.scope == "cluster") if unread else ()
        for policy, check in self._checks:
            if unread and policy.scope == "cluster":
                continue
            for violation in check(cluster):
                node = violation.node.name if violation.node else None
                findings.append(self.finding(policy, violation.loc, violation.message, cluster.name, node, violation.edits))
        return findings
