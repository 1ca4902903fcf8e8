"""Ansible: an inventory, its group_vars/host_vars, and the roles whose Jinja2 templates render a BPS node's files.

Every host a play applies such a role to is a node (one node, however many plays configure it); the nodes from one
inventory form one cluster (an inventory describes one environment), unless bps-lint.toml splits them. Templates are rendered with Jinja2 (Ansible's engine; Ansible itself is not needed).
Variables come, lowest first, from the role's defaults, group_vars/all, group_vars of each group of the host
(parents first), the inventory line, host_vars of the host, then what the play sets (roles.py: play vars, an
import_playbook's vars, vars_prompt defaults, vars_files, role vars, include_vars, set_fact, role parameters). A filter or lookup only Ansible has is one finding naming it
and the template line; the run goes on with the other templates."""

from __future__ import annotations

import difflib
import json
import os
import posixpath
import re
from collections import Counter
from collections.abc import Mapping

from linter.discover.manifest import NodeSettings
from linter.parse.location import Loc, inside
from linter.parse.xmlfile import read_bytes
from linter.records import Record
from linter.sources.files import SourceFile
from linter.sources import kubernetes
from linter.sources.kubernetes import place
from linter.sources.roles import Decide, Play, Prompted, follow, known, native, reachable
from linter.sources.yamlnodes import MAX_EXPANDED_NODES, YamlProblem, documents, get, pairs, plain

_SCRIPT = "bin/wso2server.sh"
MAX_IMPORT_DEPTH = 16  # playbooks importing playbooks: a loop stops here
MAX_VAR_PASSES = 5  # a variable holding "{{ other }}" is rendered again, as Ansible does lazily


class Inventory(Record):
    path: str
    hosts: dict[str, dict]  # host -> its inline variables
    groups: dict[str, list[str]]  # group -> its own hosts
    children: dict[str, list[str]]  # group -> child groups
    lines: dict[str, int]  # group -> line of its [section]


def read_inventory(path: str, text: str) -> Inventory:
    """An INI inventory (the common form; a YAML inventory is read by ``_yaml_inventory``)."""
    hosts: dict[str, dict] = {}
    groups: dict[str, list[str]] = {"ungrouped": []}
    children: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), 1):
        entry = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith(("#", ";")) else ""
        if not entry:
            continue
        if entry.startswith("[") and entry.endswith("]"):
            section, _, kind = entry[1:-1].partition(":")
            kind = kind or "hosts"
            lines.setdefault(section, number)
            groups.setdefault(section, [])
            children.setdefault(section, [])
            continue
        name, *assignments = entry.split()
        if kind == "hosts":
            groups[section].append(name)
            variables = hosts.setdefault(name, {})
            for item in assignments:
                key, _, value = item.partition("=")
                variables[key] = value
        elif kind == "children":
            children[section].append(name)
    return Inventory(path, hosts, groups, children, lines)


def resolve(inventory: Inventory, pattern: str) -> list[str] | None:
    """Hosts of a play's ``hosts:`` (host names, groups, ``a:b``, ``all``); None when a name is neither."""
    found: list[str] = []
    for part in re.split(r"[:,]", pattern):
        part = part.strip()
        if not part or part.startswith(("!", "&")):
            continue  # exclusions and intersections narrow the set; the hosts named elsewhere stay the ones checked
        if part == "all":
            names = list(inventory.hosts)
        elif part in inventory.hosts:
            names = [part]
        elif part in inventory.groups:
            names = _group_hosts(inventory, part, set())
        else:
            return None
        found.extend(n for n in names if n not in found)
    return found


def _group_hosts(inventory: Inventory, group: str, seen: set[str]) -> list[str]:
    if group in seen:
        return []
    seen.add(group)
    names = list(inventory.groups.get(group, []))
    for child in inventory.children.get(group, []):
        names.extend(h for h in _group_hosts(inventory, child, seen) if h not in names)
    return names


def groups_of(inventory: Inventory, host: str) -> list[str]:
    """The groups a host is in, parents before children (so a child group's variables win)."""
    direct = [g for g, members in inventory.groups.items() if host in members]
    order: list[str] = []

    def add(group: str, seen: frozenset) -> None:
        if group in seen:
            return
        for parent, kids in inventory.children.items():
            if group in kids:
                add(parent, seen | {group})
        if group not in order:
            order.append(group)

    for group in direct:
        add(group, frozenset())
    return [g for g in order if g not in ("all", "ungrouped")]


def _environment(strict: bool = False):
    """The Jinja2 environment templates render in; ``strict``: an undefined variable is an error, for what bps-lint
    must decide (a task's ``when``, a ``set_fact`` value) rather than print."""
    import jinja2

    class Undefined(jinja2.ChainableUndefined):
        """A variable no vars file sets (a registered result, a gathered fact): rendered empty, as a missing value."""

    from jinja2.sandbox import SandboxedEnvironment

    # Sandboxed: a template in the repository being checked must not reach Python objects (it is data, not code).
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined if strict else Undefined, keep_trailing_newline=True, autoescape=False)
    env.filters.update(
        {
            "bool": lambda v: str(v).strip().lower() in ("yes", "on", "1", "true"),
            "ternary": lambda v, a, b=None: a if v else b,
            "regex_replace": lambda v, p, r="": re.sub(p, r.replace("\\g<", "\\g<"), str(v)),
            "basename": lambda v: posixpath.basename(str(v)),
            "dirname": lambda v: posixpath.dirname(str(v)),
            "to_json": lambda v, **k: json.dumps(v),
            "mandatory": lambda v, msg=None: v,
            "quote": lambda v: "'" + str(v).replace("'", "'\"'\"'") + "'",
            "extract": _extract,
        }
    )

    def ansible_only(kind: str):
        def call(name="", *args, **kwargs):
            raise AnsibleOnly(
                f"template uses the {kind} '{name}', which only Ansible has; bps-lint renders with plain Jinja2 (render it with Ansible and lint the output)"
            )

        return call

    env.globals.update(lookup=ansible_only("lookup"), query=ansible_only("lookup"), q=ansible_only("lookup"))
    return env


def _extract(item, container, morekeys=None):
    """Ansible's ``extract`` filter: ``groups['bps'] | map('extract', hostvars, 'ansible_host')``."""
    value = container[item]
    for key in [] if morekeys is None else morekeys if isinstance(morekeys, list) else [morekeys]:
        value = value[key]
    return value


class AnsibleOnly(Exception):
    """A lookup or plugin that only Ansible can run: its message is the finding's."""


class Rendered(Record):
    text: str | None
    problem: str | None
    line: int | None


def render(env, source: str, variables: dict) -> Rendered:
    import jinja2

    try:
        return Rendered(env.from_string(source).render(variables), None, None)
    except jinja2.TemplateSyntaxError as exc:
        filt = re.search(r"No (filter|test) named '([^']+)'", str(exc.message or ""))
        if filt:
            message = f"template uses the {filt[1]} '{filt[2]}', which only Ansible has; bps-lint renders with plain Jinja2 (render it with Ansible and lint the output)"
        else:
            message = f"template does not render: {exc.message}"
        return Rendered(None, message, exc.lineno)
    except AnsibleOnly as exc:
        return Rendered(None, str(exc), _template_line(exc))
    except jinja2.TemplateError as exc:
        return Rendered(None, f"template does not render: {type(exc).__name__}: {str(exc)[:200]}", _template_line(exc))
    except Exception as exc:  # a filter given values it cannot take: still the template's problem
        return Rendered(None, f"template does not render: {type(exc).__name__}", _template_line(exc))


def _template_line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def line_map(template: str, rendered: str) -> tuple[int, ...]:
    """For each rendered line, the template line it comes from: equal lines are matched, and the lines a
    substitution or a block changed map, in order, onto the template lines they replace."""
    # Jinja2 renders every line ending as "\n": a CRLF template's lines are compared without their "\r"
    source, output = [line.removesuffix("\r") for line in template.split("\n")], rendered.split("\n")
    mapped: list[int] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, source, output, autojunk=False).get_opcodes():
        if tag == "equal":
            mapped.extend(range(i1 + 1, i2 + 1))
        elif tag in ("replace", "insert"):
            span = max(i2 - i1, 1)
            mapped.extend(min(i1 + 1 + k * span // max(j2 - j1, 1), max(i2, i1 + 1)) for k in range(j2 - j1))
    return tuple(min(m, len(source)) for m in mapped) or (1,)


_EXPRESSION = re.compile(r"\{\{\s*([A-Za-z_][\w]*)")
_ONE_NAME = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")  # a loop written as one variable: "{{ config_files }}"
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def _uses(source: str, names) -> tuple[str, int] | None:
    """The first of ``names`` a Jinja2 expression or statement of ``source`` uses, and its line."""
    if not names:
        return None
    for number, text in enumerate(source.split("\n"), 1):
        for block in _JINJA.findall(text):
            for name in names:
                if re.search(rf"\b{re.escape(name)}\b", block):
                    return name, number
    return None


class Role(Record):
    name: str
    folder: str
    templates: dict[str, str]  # conf-relative name (or bin/wso2server.sh) -> template file
    layout: str
    conf_dir: str  # the templates' conf folder, for the hint on a missing file


def read_role(folder: str) -> Role | None:
    """A role whose templates render BPS conf files, or None."""
    from linter.model.build import READERS

    known = set(READERS) | {"datasources/master-datasources.xml", "datasources/bps-datasources.xml", "datasources/activiti-datasources.xml", _SCRIPT}
    top = os.path.join(folder, "templates")
    templates: dict[str, str] = {}
    layout, conf_dir = "conf-folder", top
    for current, dirs, names in os.walk(top):
        dirs.sort()
        for name in sorted(names):
            if not name.endswith(".j2"):
                continue
            path = os.path.join(current, name)
            rel_path = os.path.relpath(path, top)[: -len(".j2")].replace(os.sep, "/")
            placed = place("/" + rel_path) if "/conf/" in "/" + rel_path or rel_path.endswith("wso2server.sh") else None
            if placed is None:
                continue
            if placed.rel in known or placed.rel.startswith("datasources/"):
                templates.setdefault(placed.rel, path)
                if placed.rel != _SCRIPT:
                    layout = placed.layout
                    conf_dir = os.path.join(top, placed.conf_root.lstrip("/"))
    if not any(rel != _SCRIPT for rel in templates):
        return None
    return Role(os.path.basename(folder), folder, templates, layout, conf_dir)


def _load_vars(path: str, root: str | None, display, problems, read: dict | None = None) -> dict:
    """A vars file's variables (a mapping), its problems added to ``problems``; ``read``: the files read so far in
    this run ((real path, root) -> variables, problems): every host of every play takes group_vars/all, read once."""
    if read is None:
        return _read_vars(path, root, display, problems)
    key = (os.path.realpath(path), root)
    if key not in read:
        found: list = []
        read[key] = (_read_vars(path, root, display, found), found)
    values, found = read[key]
    problems.extend(found)
    return values


def _read_vars(path: str, root: str | None, display, problems) -> dict:
    data, problem = read_bytes(path, root)
    if problem and problem.kind != "missing":
        problems.append((Loc(display(path)), problem.message))
    if data is None:
        return {}
    docs, yaml_problem = documents(data.decode("utf-8", errors="replace"))
    if yaml_problem:
        problems.append((Loc(display(path), yaml_problem.line), str(yaml_problem)))
    value = plain(docs[0]) if docs else None
    if docs and value is None and not yaml_problem:
        problems.append((Loc(display(path)), f"variables file expands to more than {MAX_EXPANDED_NODES:,} values (aliases of aliases); not read"))
    return value if isinstance(value, dict) else {}


def _vars_files(folder: str, name: str) -> list[str]:
    """``group_vars/NAME.yml`` (or .yaml, or no suffix) and every file of ``group_vars/NAME/``."""
    found = [os.path.join(folder, name + suffix) for suffix in (".yml", ".yaml", "") if os.path.isfile(os.path.join(folder, name + suffix))]
    sub = os.path.join(folder, name)
    if os.path.isdir(sub):
        found.extend(os.path.join(sub, f) for f in sorted(os.listdir(sub)) if f.endswith((".yml", ".yaml")))
    return found


def inventory_variables(
    inventory: Inventory,
    host: str,
    root: str | None,
    display,
    problems,
    playbook: str | None = None,
    hostvars: HostVars | None = None,
    read: dict | None = None,
) -> tuple[dict, dict[str, str]]:
    """A host's variables from the inventory, its group_vars and host_vars, and the file that set each; ``read``:
    the vars files read so far in this run (``_load_vars``)."""
    variables: dict = {}
    origin: dict[str, str] = {}
    base = os.path.dirname(os.path.abspath(inventory.path))

    def merge(values: dict, where: str) -> None:
        for key, value in values.items():
            variables[key] = value
            origin[key] = where

    # group_vars and host_vars beside the inventory, then beside the playbook (which win), as Ansible loads them
    folders = list(dict.fromkeys([base, os.path.dirname(os.path.abspath(playbook))])) if playbook else [base]
    for group in ["all", *groups_of(inventory, host)]:
        for folder in folders:
            for path in _vars_files(os.path.join(folder, "group_vars"), group):
                merge(_load_vars(path, root, display, problems, read), display(path))
    merge(inventory.hosts.get(host, {}), display(inventory.path))
    for folder in folders:
        for path in _vars_files(os.path.join(folder, "host_vars"), host):
            merge(_load_vars(path, root, display, problems, read), display(path))
    # Ansible's magic variables of the inventory
    variables.setdefault("inventory_hostname", host)
    variables.setdefault("inventory_hostname_short", host.split(".", 1)[0])
    variables.setdefault("groups", {**{g: _group_hosts(inventory, g, set()) for g in inventory.groups}, "all": list(inventory.hosts)})
    ungrouped = ["ungrouped"] if host in inventory.groups.get("ungrouped", []) else []
    variables.setdefault("group_names", sorted({*groups_of(inventory, host), *ungrouped}))
    if hostvars is not None:
        variables.setdefault("hostvars", hostvars)
    return variables, origin


class HostVars(Mapping):
    """Ansible's ``hostvars``: every inventory host's variables (inventory, group_vars, host_vars), read when a
    template first asks for that host. Problems in those files are reported for the host that owns them."""

    def __init__(self, inventory: Inventory, root: str | None, display, playbook: str | None, env, read: dict | None = None):
        # private (underscored): the sandbox lets a template reach no attribute of it but the mapping's own
        self._inventory, self._root, self._display, self._playbook, self._env = inventory, root, display, playbook, env
        self._files = read  # the vars files read so far in this run
        self._read: dict[str, dict] = {}

    def __getitem__(self, host: str) -> dict:
        if host not in self._inventory.hosts:
            raise KeyError(host)
        if host not in self._read:
            self._read[host] = {}  # a host's variables naming hostvars of itself see it empty, not a loop
            values, _ = inventory_variables(self._inventory, host, self._root, self._display, [], self._playbook, self, self._files)
            self._read[host] = _expand(self._env, values)
        return self._read[host]

    def __iter__(self):
        return iter(self._inventory.hosts)

    def __len__(self) -> int:
        return len(self._inventory.hosts)


def _expand(env, variables: dict) -> dict:
    """Variables whose values hold ``{{ other }}``, rendered until they settle."""
    for _ in range(MAX_VAR_PASSES):
        changed = False
        for key, value in list(variables.items()):
            if isinstance(value, str) and "{{" in value:
                out = render(env, value, variables)
                if out.text is not None and out.text != value:
                    variables[key] = native(value, out.text)
                    changed = True
        if not changed:
            break
    return variables


_IMPORT_PLAYBOOK = ("import_playbook", "ansible.builtin.import_playbook", "ansible.legacy.import_playbook")
_LEGACY_INCLUDE = ("include", "ansible.builtin.include", "ansible.legacy.include")


class Playbook(Record):
    plays: list[Play]  # its plays in the order they run, those of the playbooks it imports in their place
    problem: YamlProblem | None  # why the file is not valid YAML, if it is not
    imported: set[str]  # the real paths of the playbooks it imports: not run on their own


def read_playbook(
    path: str, data: bytes, root: str | None = None, problems: list | None = None, display=str, top: str = "", chain=(), parsed: dict | None = None
) -> Playbook:
    """The plays of a playbook, or none (a task list, a vars file). An ``import_playbook`` is followed where it
    stands, relative to the importing playbook; one that names a templated, missing or looping file is a finding
    in ``problems`` and the other plays are still read. ``parsed``: the YAML files parsed so far in this run ((real
    path, root) -> documents): a playbook another imports is also read on its own, and parsed once."""
    key = (os.path.realpath(path), root)
    cached = parsed.get(key) if parsed is not None else None
    docs, problem = cached or documents(data.decode("utf-8", errors="replace"))
    if parsed is not None:
        parsed[key] = (docs, problem)
    if problem or not docs:
        return Playbook([], problem, set())
    import yaml

    if not isinstance(docs[0], yaml.SequenceNode):
        return Playbook([], None, set())
    entries = [node for node in docs[0].value if isinstance(node, yaml.MappingNode)]
    if not any(get(node, "hosts") is not None or _imported_name(node) is not None for node in entries):
        return Playbook([], None, set())  # not a playbook (a task list, a vars file)
    plays: list[Play] = []
    imported: set[str] = set()
    top = top or path
    for node in entries:
        at = node.start_mark.line + 1
        name = _imported_name(node)
        if name is not None:
            found = _import(path, at, name, root, problems, display, top, (*chain, os.path.realpath(path)), parsed)
            if found:
                imported.add(os.path.realpath(found[0]))
                plays.extend(p._replace(imports=(*p.imports, (node, path))) for p in found[1].plays)
                imported |= found[1].imported
            continue
        hosts = get(node, "hosts")
        hosts = None if hosts is None else plain(hosts)  # plain(None) raises
        if hosts is None:
            if problems is not None and any(key in _LEGACY_INCLUDE for key, _ in pairs(node)):
                # ansible-core reads only import_playbook entries since 2.12 (lib/ansible/playbook/__init__.py;
                # 'include' for playbook includes was deprecated for removal in 2.12): the playbook is refused
                message = (
                    "'include' of a playbook was removed in ansible-core 2.12 and ansible-playbook refuses this playbook; "
                    "use import_playbook (its plays are not checked until then)"
                )
                _note(problems, (Loc(display(path), at), message))
            continue  # not a play (a stray task): Ansible refuses the playbook; the plays are still checked
        hosts = ":".join(str(h) for h in hosts) if isinstance(hosts, list) else str(hosts)
        plays.append(Play(path, at, hosts, node, root, top))
    return Playbook(plays, None, imported)


def _imported_name(node):
    """The name an ``import_playbook`` entry gives (what was written, or "" when it is not a name); None for a play."""
    for key, value in pairs(node):
        if key in _IMPORT_PLAYBOOK:
            name = plain(value)
            return name.strip() if isinstance(name, str) else ""
    return None


def _import(path: str, at: int, name: str, root, problems, display, top: str, chain, parsed: dict | None = None) -> tuple[str, Playbook] | None:
    """The playbook an ``import_playbook`` at ``path``:``at`` names, read; None (a finding) when it cannot be."""

    def report(message: str) -> None:
        if problems is not None:
            _note(problems, (Loc(display(path), at), f"import_playbook '{name}' {message}; its plays are not checked"))

    if not name or "{{" in name or "{%" in name:
        report("is not a plain file name (bps-lint does not render it)")
        return None
    target = os.path.normpath(os.path.join(os.path.dirname(path), name))
    if os.path.realpath(target) in chain:
        # one finding per loop, whichever of its playbooks is read first (each is a playbook of the folder too)
        loop = f"(a loop of {', '.join(sorted(display(member) for member in chain[chain.index(os.path.realpath(target)) :]))})"
        if not any(message.endswith(f"{loop}; its plays are not checked") for _, message in problems or ()):
            report(f"imports a playbook that imports it {loop}")
        return None
    if len(chain) > MAX_IMPORT_DEPTH:
        report(f"is more than {MAX_IMPORT_DEPTH} imports deep")
        return None
    readable = os.path.isfile(target) and (root is None or inside(os.path.realpath(target), root))
    data, problem = read_bytes(target, root) if readable else (None, None)
    if data is None:
        report(f"names no playbook beside {os.path.basename(path)} in the folder checked")
        return None
    book = read_playbook(target, data, root, problems, display, top, chain, parsed)
    if book.problem and problems is not None:
        _note(problems, (Loc(display(target), book.problem.line), str(book.problem)))
    return target, book


def _note(problems: list, problem: tuple) -> None:
    """Add ``problem`` once: a playbook is read where it is imported and again as a file of the folder."""
    if problem not in problems:
        problems.append(problem)


def _may_be_playbook(data: bytes) -> bool:
    """Whether a YAML file may hold a play that renders BPS files: roles (roles:, include_role, import_role), task
    files or templates, or an import of a playbook."""
    return b"hosts" in data and any(word in data for word in (b"role", b"tasks", b"template")) or b"import_playbook" in data


def _is_inventory(path: str, data: bytes) -> bool:
    name = os.path.basename(path)
    if name.endswith((".yml", ".yaml")):  # a YAML inventory starts from the "all" group
        return name.startswith(("inventory", "hosts")) and b"all:" in data
    return (name in ("inventory", "hosts") or name.endswith(".ini")) and b"[" in data


def read_yaml_inventory(path: str, text: str) -> Inventory:
    """A YAML inventory: ``all: {hosts: {NAME: VARS}, children: {GROUP: {hosts: ..., children: ...}}}``."""
    hosts: dict[str, dict] = {}
    groups: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    docs, _ = documents(text)
    data = plain(docs[0]) if docs else None
    stack = [("all", data.get("all") if isinstance(data, dict) else None)]
    while stack:
        name, group = stack.pop()
        groups.setdefault(name, [])
        children.setdefault(name, [])
        if not isinstance(group, dict):
            continue
        for host, variables in (group.get("hosts") or {}).items() if isinstance(group.get("hosts"), dict) else []:
            groups[name].append(str(host))
            hosts.setdefault(str(host), {}).update({str(k): v for k, v in variables.items()} if isinstance(variables, dict) else {})
        for child, body in (group.get("children") or {}).items() if isinstance(group.get("children"), dict) else []:
            if str(child) not in children[name]:
                children[name].append(str(child))
            if str(child) not in groups:
                stack.append((str(child), body))
    return Inventory(path, hosts, groups, children, lines)


def clusters(others: list[tuple[str, str]], manifests, problems: list, display) -> list:
    """ClusterSources for the plays under the walked folders that apply a BPS-rendering role."""
    from linter.discover.walk import ClusterSource, NodeSource

    settings: dict = {}
    split: tuple[str, dict[str, list[str]]] | None = None  # the manifest's [ansible.clusters], and its file
    for manifest in manifests:
        for key, value in manifest.settings.get("ansible", {}).items():
            settings[key] = os.path.join(manifest.base_dir, value) if key in ("inventory", "playbook") else value
            split = (manifest.path, value) if key == "clusters" else split
    inventories: list[str] = []
    plays: list[Play] = []
    # What this run has read, by real path, for every play and host that asks again: YAML files parsed (playbooks,
    # task files), vars files read (group_vars/all is every host's, in every play)
    parsed: dict = {}
    read_vars: dict = {}
    imported: set[str] = set()
    for path, root in others:
        if "playbook" in settings and os.path.realpath(path) != os.path.realpath(settings["playbook"]):
            if path.endswith((".yml", ".yaml")) and not os.path.basename(path).startswith(("inventory", "hosts")):
                continue
        data, _ = read_bytes(path, root)
        if not data:
            continue
        if _is_inventory(path, data):
            inventories.append((path, root))
        elif path.endswith((".yml", ".yaml")) and _may_be_playbook(data):
            book = read_playbook(path, data, root, problems, display, parsed=parsed)
            if book.problem and not kubernetes.is_candidate(data):  # a playbook that is not valid YAML (a manifest's is the stream's)
                _note(problems, (Loc(display(path), book.problem.line), str(book.problem)))  # (said already when another imports it)
            plays.extend(book.plays)
            imported |= book.imported
    # a playbook another imports runs as part of it, not on its own (unless bps-lint.toml names it)
    named = os.path.realpath(settings["playbook"]) if "playbook" in settings else None
    plays = [p for p in plays if os.path.realpath(p.top) not in imported or os.path.realpath(p.top) == named]
    if "inventory" in settings:
        inventories = [(settings["inventory"], None)]
    found = []
    if not plays:
        return found  # Jinja2 (a tenth of a second to import) only where there is a play to render
    env = _environment()
    decide = Decide(_environment(strict=True), render, _expand)
    read: dict[str, Role | None] = {}

    def role_of(folder: str) -> Role | None:
        if folder not in read:
            read[folder] = read_role(folder)
        return read[folder]

    def vars_loader(root: str | None, found: list):
        """The variables of a role's ``vars/`` or ``defaults/`` folder (its main file), or of one file (``file``)."""
        return lambda target, file=False: [
            (path, _load_vars(path, root, display, found, read_vars)) for path in ([target] if file else _vars_files(target, "main"))
        ]

    placed: dict[tuple[str, str], NodeSource] = {}  # (inventory, host) -> its node: one, however many plays render it
    placed_by: dict[tuple[str, str], str] = {}  # (inventory, host) -> the playbook run whose plays made its node
    differing: dict[tuple[str, str], tuple[Play, list[str], list[str]]] = {}  # (playbook checked, other) -> a play of the other, hosts, files
    # An inventory describes one environment: the BPS hosts the plays configure from it are one cluster, however many
    # plays (a manager play and a worker play) configure them.
    formed: dict[str, tuple[list[str], list[str], list[tuple], Inventory]] = {}  # inventory -> patterns, hosts, (node, playbook)
    for index, play in enumerate(plays):
        if not any(role_of(folder) for folder in reachable(play, parsed)):
            continue  # no role the play may run renders BPS files
        hosts, inventory = _play_hosts(play, settings.get("group"), inventories, problems, display)
        if not hosts:
            continue
        nodes = []
        hostvars = HostVars(inventory, play.root, display, play.playbook, env, read_vars)
        earlier = [p for p in plays[:index] if p.top == play.top]  # whose facts the host keeps (one ansible-playbook run)
        for host in hosts:
            # Problems of this host's vars files: each is reported once (hosts share group_vars), and leaves the host's values unknown.
            vars_problems, walk_problems = [], []
            base, origin = inventory_variables(inventory, host, play.root, display, vars_problems, play.playbook, hostvars, read_vars)
            before = None
            for other in earlier:  # its own findings are reported where it is checked, if it renders BPS files
                other_hosts = resolve(inventory, other.hosts) or []
                if host in other_hosts:
                    base.update(dict.fromkeys(_PLAY_HOSTS, other_hosts))
                    before = follow(other, base, display, [], decide, vars_loader(other.root, []), before, parsed)
            base.update(dict.fromkeys(_PLAY_HOSTS, hosts))
            run = follow(play, base, display, walk_problems, decide, vars_loader(play.root, vars_problems), before, parsed)
            problems.extend(p for p in vars_problems + walk_problems if p not in problems)
            roles = [r for r in map(role_of, run.roles) if r]
            if roles:  # none when a condition this host fails guards them
                node = _node(env, inventory, host, roles, (base, origin), run, play, display, NodeSource, bool(vars_problems))
                earlier_node = placed.get((inventory.path, host))
                if earlier_node is None:
                    placed[(inventory.path, host)] = node
                    placed_by[(inventory.path, host)] = play.top
                    nodes.append(node)
                elif placed_by[(inventory.path, host)] == play.top:  # a host is one node: a later play's template of a file overwrites the earlier one's
                    earlier_node.files.update(node.files)
                else:  # another playbook run on its own: see _alternatives
                    _alternatives(earlier_node, node, (placed_by[(inventory.path, host)], play), differing)
        if nodes:
            patterns, members, cluster_nodes, _ = formed.setdefault(inventory.path, ([], [], [], inventory))
            patterns.extend([play.hosts] if play.hosts not in patterns else [])
            members.extend(h for h in hosts if h not in members)
            cluster_nodes.extend((node, display(play.playbook)) for node in nodes)
    for (checked, other), (play, hosts, files) in differing.items():
        problems.append(
            (
                Loc(display(play.playbook), play.line),
                f"{display(other)} and {display(checked)} both configure {', '.join(hosts)} and render {', '.join(files)} differently; "
                f"they are separate ansible-playbook runs, and the one run last decides; bps-lint checks {display(checked)}'s "
                f"(to check the other, name it in bps-lint.toml: [ansible] playbook = ...)",
            )
        )
    named = _named_clusters(split, [entry[3] for entry in formed.values()], problems, display)
    grouped: dict[tuple, tuple[str, list]] = {}  # cluster -> its name, (node, playbook) of its nodes
    for patterns, members, nodes, inventory in formed.values():
        cluster_of = named.get(inventory.path, {})
        left = [h for h in members if h not in cluster_of]
        if left == members:
            name = settings.get("group") or _cluster_name(inventory, members, patterns)
        else:  # the hosts [ansible.clusters] leaves to the inventory's cluster
            name = _cluster_name(inventory, left, [":".join(left)])
        for node, path in nodes:
            key = ("named", cluster_of[node.name]) if node.name in cluster_of else ("inventory", inventory.path)
            grouped.setdefault(key, (cluster_of.get(node.name, name), []))[1].append((node, path))
    names = Counter(name for name, _ in grouped.values())
    for (kind, which), (name, nodes) in grouped.items():
        if names[name] > 1 and kind == "inventory":  # two inventories' groups, or a group a named cluster took part of
            name = f"{name} ({os.path.basename(os.path.dirname(os.path.abspath(which))) or display(which)})"  # bps (prod)
        found.append(ClusterSource(name=name, path=nodes[0][1], nodes=[node for node, _ in nodes], databases={}))
    renderings = Counter(f.path for node in placed.values() for f in node.files.values())
    for node in placed.values():  # a fix in a template several hosts render is a patch of it only if each needs it
        node.files.update({rel: f._replace(renderings=renderings[f.path]) for rel, f in node.files.items() if renderings[f.path] > 1})
    return found


def _alternatives(node, other, runs: tuple[str, Play], differing: dict) -> None:
    """A host two top-level playbooks configure (neither imports the other): ``node`` is the first's (in path
    order), ``other`` the second's. They are two ``ansible-playbook`` runs, not one, so neither overwrites the
    other: a file only the second renders is added (the host has it once both ran); a file both render differently
    is the first's, and the pair is noted in ``differing`` for one finding naming both playbooks."""
    checked, play = runs
    for rel, rendered in other.files.items():
        mine = node.files.get(rel)
        if mine is None:
            node.files[rel] = rendered
        elif (mine.data, mine.problem) != (rendered.data, rendered.problem):
            _, hosts, files = differing.setdefault((checked, play.top), (play, [], []))
            hosts.extend([node.name] if node.name not in hosts else [])
            files.extend([rel] if rel not in files else [])


_PLAY_HOSTS = ("play_hosts", "ansible_play_hosts", "ansible_play_hosts_all", "ansible_play_batch")


def _named_clusters(split, inventories: list[Inventory], problems: list, display) -> dict[str, dict[str, str]]:
    """inventory -> host -> the cluster bps-lint.toml's ``[ansible.clusters]`` puts it in (its hosts and groups, the
    first entry naming a host winning); an entry no inventory used knows is a finding at the manifest."""
    if not split:
        return {}
    where, table = split
    placed: dict[str, dict[str, str]] = {inventory.path: {} for inventory in inventories}
    for name, patterns in table.items():
        for pattern in patterns:
            matched = False  # (not "known": that is roles.known, imported here)
            for inventory in inventories:
                hosts = resolve(inventory, pattern) or []
                matched = matched or bool(hosts)
                placed[inventory.path].update({host: name for host in hosts if host not in placed[inventory.path]})
            if not matched and inventories:
                names = ", ".join(display(inventory.path) for inventory in inventories)
                problems.append((Loc(display(where)), f"[ansible.clusters] {name}: the inventory ({names}) has no host or group '{pattern}'"))
    return placed


def _cluster_name(inventory: Inventory, hosts: list[str], patterns: list[str]) -> str:
    """The group one play names (``hosts: bps``), else the smallest inventory group holding every host of the plays
    (``bps`` for plays naming ``bps_1`` and ``bps``, or ``bps_manager`` and ``bps_workers`` when both are its
    children), else the plays' patterns."""
    if len(patterns) == 1 and patterns[0] in inventory.groups:
        return patterns[0]
    holding = [(len(members), group) for group in inventory.groups if set(hosts) <= set(members := _group_hosts(inventory, group, set()))]
    return min(holding)[1] if holding else ":".join(patterns)


def _play_hosts(play: Play, group, inventories, problems, display):
    """The hosts of a play (or of the manifest's group) in the first inventory that knows them all."""
    pattern = group or play.hosts
    if not inventories:
        problems.append(
            (
                Loc(display(play.playbook), play.line),
                f"no Ansible inventory found for the hosts '{pattern}'; name it in bps-lint.toml ([ansible] inventory = ...)",
            )
        )
        return [], None
    for path, root in inventories:
        data, _ = read_bytes(path, root)
        text = (data or b"").decode("utf-8", errors="replace")
        inventory = read_yaml_inventory(path, text) if path.endswith((".yml", ".yaml")) else read_inventory(path, text)
        hosts = resolve(inventory, pattern)
        if hosts:
            return hosts, inventory
    names = ", ".join(display(p) for p, _ in inventories)
    problems.append(
        (Loc(display(play.playbook), play.line), f"the inventory ({names}) has no host or group '{pattern}'; expected a group of the inventory or its hosts")
    )
    return [], None


def _machine(host: str, variables: dict) -> str | None:
    """The machine a host runs on, as bps-lint.toml's ``host`` gives it: its ``ansible_host`` (inventory, host_vars),
    else the inventory name when that is an address or a DNS name (``bps1.example.com``, not ``bps_1``)."""
    address = str(variables.get("ansible_host") or "").strip()
    if address and not re.fullmatch(r"[\w.:%-]+", address):
        return None  # a placeholder left in the inventory ("[ip_address]" in wso2/ansible-ei): the machine is unknown
    return address or (host if "." in host or ":" in host else None)


def _node(env, inventory, host, roles: list[Role], inventory_vars: tuple[dict, dict], run, play, display, NodeSource, unreadable: bool = False):
    """The node a host is: the templates of every role the play runs for it (a later role's template of the same
    file wins, as its task overwrites the file), each rendered with the variables its template task sees.
    ``unreadable``: a vars file of the host cannot be read (every file may miss its values); else a file whose
    template names a set_fact value that could not be rendered holds values that are not the real ones."""
    root = play.root
    base, base_origin = inventory_vars
    expanded: dict = {}  # the variables of each point of the run a template is rendered at, rendered once

    def seen(folder: str, template: str | None = None) -> tuple[dict, dict, tuple, dict]:
        below, above, unresolved = run.seen(folder, template)
        key = (repr(below.values), repr(above.values))
        if key not in expanded:
            expanded[key] = _expand(env, known({**below.values, **base, **above.values}))
        prompted = {name: above.origin[name] for name, value in above.values.items() if isinstance(value, Prompted)}
        return expanded[key], {**below.origin, **base_origin, **above.origin}, unresolved, prompted

    templates = {rel: (role.folder, template) for role in roles for rel, template in role.templates.items()}
    role = next((r for r in roles if any(rel != _SCRIPT for rel in r.templates)), roles[0])  # where the conf files go
    files = {}
    unlisted = []  # (rel, how to deploy it): templates of the role its template task's list does not name
    for rel, (folder, template) in templates.items():
        if not run.renders(folder, template):  # no task of the play renders it: the host keeps the pack's file
            unlisted.append((rel, display(template)))
            continue
        shown = display(template)
        data, problem = read_bytes(template, root)
        if data is None:
            files[rel] = SourceFile(shown, b"", problem=problem.message if problem else "cannot read template", problem_kind="unreadable")
            continue
        source = data.decode("utf-8", errors="replace")
        variables, origin, unknown, prompted = seen(folder, template)
        asked = _uses(source, prompted)
        if asked:  # typed when the play runs: what the template renders is not known, as for one that cannot render
            name, number = asked
            message = (
                f"template uses '{name}', which vars_prompt asks for when the play runs ({prompted[name].split(' (', 1)[0]}, no default): "
                "bps-lint cannot know its value, so this file is not checked; give the prompt a default to check it with that value"
            )
            files[rel] = SourceFile(shown, b"", lines=(number,), problem=message)
            continue
        out = render(env, source, variables)
        if out.text is None:
            files[rel] = SourceFile(shown, b"", lines=(out.line or 1,), problem=out.problem)
            continue
        notes = []
        for number, text in enumerate(source.split("\n"), 1):
            names = [n for n in _EXPRESSION.findall(text) if n in origin]
            if names:
                notes.append((number, "; ".join(f"{host} takes it from variable '{n}' set in {origin[n]}" for n in dict.fromkeys(names))))
        unresolved = unreadable or any(re.search(rf"\b{re.escape(name)}\b", source) for name in unknown)
        files[rel] = SourceFile(shown, out.text.encode("utf-8"), line_map(source, out.text), 0, tuple(notes), values_unknown=unresolved)
    variables = seen(role.folder)[0]
    product = None
    name, version = str(variables.get("product_name", "")), str(variables.get("product_version", ""))
    if name and version:
        from linter.sources import defaults

        candidate = ("ei-" if "ei" in name else "bps-") + version
        product = candidate if candidate in defaults.products() else None
    conf_shown = display(role.conf_dir)
    hint = f"a template {conf_shown}/{{rel}}.j2 to the role"
    held = ()
    if role.folder in run.looped:  # the role renders what its list names: the file must be listed too
        loop = run.looped[role.folder]
        named = _ONE_NAME.fullmatch(loop)
        listed = f"'{named[1]}'" if named else "the list"
        hint += f" and an entry for it to {listed}, which the role's template task loops over"
        held = tuple(
            (rel, f"the role has {shown}, but {listed}, which its template task loops over, does not name it: add an entry for it to change it")
            for rel, shown in unlisted
        )
    task = run.template_task.get(role.folder)
    return NodeSource(
        name=host,
        path=display(os.path.join(role.folder, "templates")),
        conf_dir=conf_shown,
        layout=role.layout,
        start_script=None,
        settings=NodeSettings(host=_machine(host, variables)),
        files=files,
        product=product,
        overlay_hint=hint,
        unmounted=held,
        default_anchor=Loc(display(task[0]), task[1]) if task else None,  # a pack file is made where the role's files are
        # the pack's file where the role puts its templates' (carbon-home/wso2/business-process/conf/bps.xml)
        default_place=os.path.relpath(role.conf_dir, os.path.join(role.folder, "templates")).replace(os.sep, "/") + "/{rel}:{line} in the pack",
    )
