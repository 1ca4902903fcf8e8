"""Policies are data: one TOML file per rule, validated against schemas/policy.schema.json."""

from __future__ import annotations

import os

from linter.evaluate import policy_cache
from linter.records import Record
from linter.resources import first_schema_error, policies_dir, schema_path


class PolicyError(Exception):
    """A policy file that cannot be used; the message names the file and the field."""


class Policy(Record):
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
    guide: str | None = None  # the clustering guide's section it enforces
    # The rule lifecycle (docs/rule-lifecycle.md): a removed rule keeps its file, reduced to these fields.
    status: str = "stable"
    reason: str | None = None
    replaced_by: tuple[str, ...] = ()
    removed_in: str | None = None
    url: str | None = None  # a rule of your own: its page (linter.evaluate.engine.policy_url)
    autofix: dict = {}  # [autofix]: safety and title of the rule's fix, or the reason it has none  # noqa: RUF012


class Rules(Record):
    live: list[Policy]
    removed: list[Policy]  # tombstones: their ids and names are never used again


def _validator():
    import json

    import jsonschema  # costs more than a whole pre-commit run: only when the cache misses

    with open(schema_path("policy.schema.json"), encoding="utf-8") as handle:
        return jsonschema.Draft202012Validator(json.load(handle))


def _policy_files(folder: str) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise PolicyError(f"{folder}: cannot read policy folder: {exc.strerror or exc}") from None
    return [os.path.join(folder, n) for n in names if n.endswith(".toml")]


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read(path: str) -> bytes:
    """A policy file's bytes; a FIFO, device or folder named *.toml is refused, not waited on."""
    import stat

    fd = os.open(path, _OPEN_FLAGS)  # O_NONBLOCK: opening a FIFO must not hang
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def _read_validated(path: str, validator) -> dict:
    import tomllib

    try:
        data = tomllib.loads(_read(path).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except RecursionError:
        raise PolicyError(f"{path}: nested too deeply to read; a policy holds tables of plain values") from None
    # in path order; under one key, a precise error (check.kind) before "matches none of the check kinds"
    error = first_schema_error(sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path)[:1], e.validator == "oneOf", list(e.absolute_path))))
    if error:
        raise PolicyError(f"{path}: invalid policy at '{error[0]}': {error[1]}")
    return data


def _policy(path: str, data: dict) -> Policy:
    return Policy(
        id=data["id"],
        name=data["name"],
        title=data["title"],
        severity=data.get("severity", "info"),  # a removed rule has no check, severity or texts
        scope=data.get("scope", "node"),
        summary=data.get("summary", "").strip(),
        rationale=data.get("rationale", "").strip(),
        fix=data.get("fix", "").strip(),
        runbook=data.get("runbook", ""),
        references=tuple(data.get("references", ())),
        check=data.get("check", {}),
        examples=tuple(data.get("examples", ())),
        source=path,
        guide=data.get("guide"),
        status=data.get("status", "stable"),
        reason=data["reason"].strip() if "reason" in data else None,
        replaced_by=tuple(data.get("replaced_by", ())),
        removed_in=data.get("removed_in"),
        url=data.get("url"),
        autofix=data.get("autofix", {}),
    )


def load_policies(folders: list[str] | None = None) -> list[Policy]:
    """Every rule in force in the bundled folder and any extra folders."""
    return load_rules(folders).live


def load_rules(folders: list[str] | None = None) -> Rules:
    """Every policy in the bundled folder (and any extra folders), ids and names unique, removed ones apart.

    Files are validated against the policy schema once; the validated content is cached under
    a hash of the files, so later runs skip TOML parsing and jsonschema altogether.
    """
    paths = [path for folder in [policies_dir(), *(folders or [])] for path in _policy_files(folder)]
    key = policy_cache.fingerprint(paths, _read)
    entries = policy_cache.load(key, paths) if key else None
    policies = None
    if entries is not None:
        try:
            policies = [_policy(path, data) for path, data in entries]
        except (TypeError, KeyError, AttributeError):  # not what we wrote
            policies = None
    if policies is None:
        validator = _validator()
        entries = [[path, _read_validated(path, validator)] for path in paths]
        if key:
            policy_cache.store(key, entries)
        policies = [_policy(path, data) for path, data in entries]
    seen: dict[str, str] = {}
    for policy in policies:
        for name in (policy.id, policy.name):
            if name in seen:
                raise PolicyError(f"{policy.source}: '{name}' is already used by {seen[name]}")
            seen[name] = policy.source
    live = sorted((p for p in policies if p.status != "removed"), key=lambda p: p.id)
    removed = sorted((p for p in policies if p.status == "removed"), key=lambda p: p.id)
    live_ids = {p.id for p in live}
    from linter.evaluate.checks import CHECKS  # the code the policies name, once for all of them
    from linter.evaluate.engine import BUILTIN_RULES

    for policy in policies:
        if policy.status == "removed" and (policy.check or policy.examples):
            raise PolicyError(f"{policy.source}: invalid policy: a removed rule keeps no 'check' or 'examples', only why it went")
        _check_workable(policy, CHECKS, BUILTIN_RULES)
        for successor in policy.replaced_by:
            if successor not in live_ids:
                raise PolicyError(f"{policy.source}: invalid policy at 'replaced_by': '{successor}' is not a rule in force")
    return Rules(live, removed)


def _check_workable(policy: Policy, checks: dict, builtin_rules: dict) -> None:
    """Refuse, naming the file and key, a policy that the schema allows but that could not work: a
    function rule with no function named after it, or one that does not fit the scope; a built-in
    rule the pipeline does not report; a field the model does not have; a cross-node kind on one
    node; a message template with a field its kind does not fill."""

    def refuse(key: str, why: str):
        raise PolicyError(f"{policy.source}: invalid policy at '{key}': {why}")

    check = policy.check
    kind = check.get("kind", "value")
    if "builtin" in check:
        stage = builtin_rules.get(policy.name, (None,))[0]
        if stage != check["builtin"]:
            refuse("check.builtin", f"bps-lint's {check['builtin']} stage reports no rule named '{policy.name}'")
    elif kind == "function":
        function = policy.name.replace("-", "_")
        if policy.name not in checks:
            refuse("check.kind", f"no check function named '{function}' (a function rule's function is named after the rule)")
        takes = checks[policy.name].__code__.co_argcount  # fn(cluster) or fn(node, cluster)
        if (policy.scope == "cluster") != (takes == 1):
            refuse(
                "scope",
                f"check function '{function}' works on a {'cluster' if takes == 1 else 'node'}; expected scope = \"{'cluster' if takes == 1 else 'node'}\"",
            )
    if "field" in check:
        from linter.evaluate.declarative import field_problem, template_problem

        wanted = "cluster" if kind in ("consistent", "unique") else "node"
        if policy.scope != wanted:
            refuse("scope", f'a {kind} check is made {"across the nodes" if wanted == "cluster" else "on each node"}; expected scope = "{wanted}"')
        problem = field_problem(check["field"])
        if problem:
            refuse("check.field", problem)
        problem = template_problem(check["message"], kind)
        if problem:
            refuse("check.message", problem)
        problem = template_problem(check["as_written"], kind) if "as_written" in check else None
        if problem:
            refuse("check.as_written", problem)
