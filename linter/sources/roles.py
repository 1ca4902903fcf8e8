"""What an Ansible play runs for one host: its roles in the order Ansible runs them, with each role's
``meta/main.yml`` dependencies and the roles its tasks include or import, the facts its ``set_fact``
tasks set and the files its ``vars_files`` and ``include_vars`` read. A role split into several roles, or one that sets facts, then renders as Ansible would render it: a
``template`` task with the variables it sees where it runs (the facts set before it, in this play or an earlier one;
the ``vars:`` of the role invocation it is in).

Conditions (``when``) are decided with the host's variables where Jinja2 can decide them (``inventory_hostname
in groups['bps']``); one that needs what only a run knows (a registered result, a gathered fact), a loop, or a
lookup is one finding naming the task file and line, and the rest is followed."""

from __future__ import annotations

import os
import re

import yaml

from linter.parse.location import Loc, inside
from linter.parse.xmlfile import read_bytes
from linter.records import Record
from linter.sources.yamlnodes import Vaulted, documents, get, items, line, pairs, plain

MAX_DEPTH = 16  # roles including roles: real playbooks nest three or four deep; a cycle stops here
MAX_NESTING = 64  # blocks inside blocks, in one file
MAX_ROLE_RUNS = 1000  # role and tasks file runs in one play: real plays run tens
_INCLUDE_ROLE = ("include_role", "import_role")
_INCLUDE_TASKS = ("include_tasks", "import_tasks", "include")
_SET_FACT = ("set_fact",)
_INCLUDE_VARS = ("include_vars",)
_TEMPLATE = ("template",)
_BLOCK = ("block", "rescue", "always")
_COLLECTIONS = ("ansible.builtin.", "ansible.legacy.")
# Keys of a role entry (in a play's roles: or a meta dependency) that are not role parameters.
_ROLE_KEYWORDS = {"role", "name", "when", "tags", "become", "become_user", "become_method", "vars", "delegate_to", "environment", "ignore_errors"}


class Play(Record):
    playbook: str
    line: int
    hosts: str
    node: yaml.MappingNode  # the play as written: its roles, pre_tasks, tasks, post_tasks and vars
    root: str | None = None  # the real folder checked: no file read for it may lie outside
    top: str = ""  # the playbook ansible-playbook runs (this one, or one importing it): its plays share the hosts' facts
    # the import_playbook entries the play came through, innermost first, each (its node, the importing playbook):
    # their vars: override the play's own and their when: guards each of its tasks and roles (ansible-core
    # lib/ansible/playbook/playbook_include.py: entry.vars | new_obj.vars, new_obj.when + task_block.when)
    imports: tuple = ()


class Layer(Record):
    """Variables of one precedence level, with the file (and line) that set each."""

    values: dict
    origin: dict

    def set(self, values: dict, where: str) -> None:
        self.values.update(values)
        self.origin.update(dict.fromkeys(values, where))

    def add(self, other: Layer) -> None:
        self.values.update(other.values)
        self.origin.update(other.origin)

    def copy(self) -> Layer:
        return Layer(dict(self.values), dict(self.origin))


def _layer() -> Layer:
    return Layer({}, {})


class Frame(Record):
    """Variables that hold only inside a role invocation (a ``roles:`` entry, a meta dependency, an
    include_role/import_role task), an include_tasks task or a block: Ansible (ansible-core 2.15 and later) gives them
    to the tasks inside and to the roles those depend on, not to the rest of the play (lib/ansible/playbook/role:
    Role.get_vars and get_role_params follow the dependency chain; VariableManager.get_vars)."""

    defaults: Layer  # of the roles a private include_role runs (and their dependencies)
    role_vars: Layer  # their vars/main.yml
    vars: Layer  # the invocation's or block's vars: (task vars), below set_fact
    params: Layer  # role parameters and include_role's vars: (include params), above set_fact
    private: bool = False  # an include_role without public: the defaults and vars of the roles it runs stay here


def _frame(vars_: dict | None = None, params: dict | None = None, where: str = "", private: bool = False) -> Frame:
    frame = Frame(_layer(), _layer(), _layer(), _layer(), private)
    frame.vars.set(vars_ or {}, where)
    frame.params.set(params or {}, where)
    return frame


class Seen(Record):
    """What a task sees at one point of the run: the invocations it is in, and the facts set so far."""

    frames: tuple[Frame, ...]
    facts: Layer
    unresolved: tuple[str, ...]  # facts set so far that could not be rendered: templates using them hold unknown values
    included: Layer  # include_vars values read so far (below set_fact)


class Run(Record):
    roles: list[str]  # role folders, in the order the play runs them
    defaults: Layer  # the defaults/main.yml of the roles the play exposes (its roles:, import_role) (lowest precedence)
    role_vars: Layer  # play vars, then the vars/main.yml of those roles: exposed to the whole play from its start
    facts: Layer  # set_fact values, in task order, earlier plays' first: as the run leaves them
    unresolved: list  # the names of set_fact values that could not be rendered
    templates: dict  # template file -> Seen at the last template task naming it
    any_template: dict  # role folder -> Seen at its last template task whose src is an expression (a loop over files)
    ended: dict  # role folder -> Seen at the end of its tasks: for a template no task of the role names
    included: Layer  # include_vars values, in task order, earlier plays' first: they outlive their play as facts do
    # role folder -> the loop as written ("{{ config_files }}") of a template task whose loop was worked out for this host:
    # that role renders the files its template tasks name, and no other of its templates
    looped: dict
    template_task: dict  # role folder -> (tasks file, line) of its last template task: where its files are made

    def renders(self, folder: str, template: str) -> bool:
        """Whether the play renders ``template`` of the role in ``folder``: a template file no task names is not
        deployed (WSO2's roles render the files their ``config_files`` list names, whatever else templates/ holds).
        Said only of a role whose template tasks bps-lint worked out: with a src it could not, any may be."""
        return folder not in self.looped or folder in self.any_template or os.path.normpath(template) in self.templates

    def seen(self, folder: str, template: str | None = None) -> tuple[Layer, Layer, tuple[str, ...]]:
        """The variables a role's template is rendered with: those below the inventory's (role defaults) and those
        above, and the names of facts it cannot know; from the template task that renders it, else the role's end."""
        at = self.templates.get(os.path.normpath(template or "")) or self.any_template.get(folder) or self.ended.get(folder)
        return merge(self, at or Seen((), self.facts, tuple(self.unresolved), self.included))


def merge(run: Run, seen: Seen) -> tuple[Layer, Layer, tuple[str, ...]]:
    below, above = _layer(), _layer()
    for layer in (run.defaults, *(f.defaults for f in seen.frames)):
        below.add(layer)
    frames = seen.frames
    for layer in (run.role_vars, *(f.role_vars for f in frames), *(f.vars for f in frames), seen.included, seen.facts, *(f.params for f in frames)):
        above.add(layer)
    return below, above, seen.unresolved


class _Walk:
    """One play followed for one host (``decide`` given) or for every host at once (``decide`` None: every
    condition is taken to hold and nothing is reported: which roles the play may reach at all)."""

    def __init__(self, play: Play, base: dict, display, problems: list, decide=None, load_vars=None, before: Run | None = None, parsed: dict | None = None):
        self.play, self.base, self.display, self.problems, self.decide, self.load_vars = play, base, display, problems, decide, load_vars
        self.parsed = {} if parsed is None else parsed  # (real path, root) -> its YAML documents and problem: parsed once a run
        facts, unresolved = (before.facts.copy(), list(before.unresolved)) if before else (_layer(), [])  # facts outlive their play
        self.run = Run([], _layer(), _layer(), facts, unresolved, {}, {}, {}, before.included.copy() if before else _layer(), {}, {})
        self.ran: set[tuple] = set()  # (role folder, tasks file, the invocation's variables) already followed
        self.entered: dict[tuple, Frame | None] = {}  # (role folder, private include) whose dependencies are being or have been followed
        self.frames: list[Frame] = []  # the invocations and blocks the task being followed is in, outermost first
        self.runs = 0  # roles and tasks files followed (another_run)
        self.including: list[str] = []  # the tasks files being followed, outermost first: one including itself is a loop

    def now(self, *more: Frame) -> Seen:
        return Seen((*self.frames, *more), self.run.facts.copy(), tuple(self.run.unresolved), self.run.included.copy())

    def variables(self) -> dict:
        below, above, _ = merge(self.run, self.now())
        return {**below.values, **self.base, **above.values}

    def report(self, path: str, at: int | None, message: str) -> None:
        if self.decide is not None:
            problem = (Loc(self.display(path), at), message)
            if problem not in self.problems:
                self.problems.append(problem)

    def holds(self, node, path: str, report: bool = True) -> bool:
        """Whether a task's ``when`` holds for this host; one it cannot decide is reported (when ``report``) and not followed."""
        condition = get(node, "when")
        if condition is None or self.decide is None:
            return True
        verdict = self.decide(_plain(condition), self.variables())
        if verdict is None and report:
            self.report(
                path, line(condition), f"condition '{_short(_plain(condition))}' needs values known only when Ansible runs; what it guards is not followed"
            )
            return False
        return bool(verdict)

    def follow(self) -> Run:
        node = self.play.node
        if self.load_vars and isinstance(_plain(get(node, "vars")), dict):
            self.run.role_vars.set(_plain(get(node, "vars")), self.display(self.play.playbook))
        for entry, path in self.play.imports if self.load_vars else ():  # the outer import's last: its vars win
            if isinstance(_plain(get(entry, "vars")), dict):
                self.run.role_vars.set(_plain(get(entry, "vars")), f"{self.display(path)}:{line(entry)} (import_playbook vars)")
        if self.load_vars:
            self.prompts(items(get(node, "vars_prompt")))
        # an import's when: guards every task and role of its plays: one this host fails runs none of them
        if not all(self.holds(entry, path) for entry, path in reversed(self.play.imports)):
            return self.run
        if self.load_vars:  # above the play's vars, below the roles' vars
            for entry in items(get(node, "vars_files")):
                self.vars_file(entry)
        for section in ("pre_tasks",):
            self.tasks(items(get(node, section)), self.play.playbook, None, 0)
        for entry in items(get(node, "roles")):
            self.role_entry(entry, self.play.playbook, 0)
        for section in ("tasks", "post_tasks"):
            self.tasks(items(get(node, section)), self.play.playbook, None, 0)
        return self.run

    def prompts(self, entries: list) -> None:
        """``vars_prompt``: each variable is asked for when the play starts and set as a play variable (ansible-core
        lib/ansible/executor/playbook_executor.py: play.vars[vname] = display.do_var_prompt(...)). bps-lint takes
        its ``default:`` (what an empty answer gives); one without a default (or hashed with ``encrypt:``) is
        unknown (``Prompted``): a template using it cannot be rendered, a condition on it cannot be decided."""
        for entry in entries:
            value = _plain(entry)
            name = value.get("name") if isinstance(value, dict) else None
            if not isinstance(name, str):
                continue
            where = f"{self.display(self.play.playbook)}:{line(entry)}"
            if value.get("default") is not None and not value.get("encrypt"):
                self.run.role_vars.set({name: value["default"]}, f"{where} (vars_prompt default, asked for when the play runs)")
            else:
                self.run.role_vars.set({name: Prompted(name)}, f"{where} (vars_prompt, typed when the play runs: unknown to bps-lint)")

    def vars_file(self, entry) -> None:
        """One ``vars_files:`` entry: a file relative to the playbook, or a list of them of which the first found is read."""
        playbook, at = self.play.playbook, line(entry)
        names = _plain(entry) if isinstance(_plain(entry), list) else [_plain(entry)]
        for name in names:
            name = self.rendered(name, playbook, at, "vars_files entry", "its variables are not read")
            if name is _UNKNOWN:
                return  # reported by rendered()
            path = os.path.join(os.path.dirname(playbook), str(name))
            if os.path.isfile(path) and self.inside(path):
                for vars_path, values in self.load_vars(path, True):
                    self.run.role_vars.set(values, self.display(vars_path))
                return
        shown = " or ".join(f"'{n}'" for n in names)
        self.report(playbook, at, f"vars_files {shown}: no such file beside {os.path.basename(playbook)} in the folder checked; its variables are not read")

    def include_vars(self, args, path: str, at: int, folder: str | None) -> None:
        """An ``include_vars`` task: its file's variables (under ``name:`` when given) hold for the tasks after it."""
        options = _options(args)
        if "dir" in options:
            self.report(path, at, "include_vars of a folder (dir:) is not followed; its variables are not read")
            return
        name = self.rendered(options.get("file", options.get("_raw")), path, at, "include_vars", "its variables are not read")
        if name is _UNKNOWN or self.load_vars is None:
            return  # reported by rendered()
        # where Ansible looks: the role's vars/ and folder, the tasks file's, the playbook's
        bases = [b for b in (folder, os.path.dirname(path), os.path.dirname(self.play.playbook)) if b]
        found = next(
            (c for b in dict.fromkeys(bases) for c in (os.path.join(b, "vars", str(name)), os.path.join(b, str(name))) if os.path.isfile(c) and self.inside(c)),
            None,
        )
        if found is None:
            self.report(
                path, at, f"include_vars '{name}': no such file in the role's vars/, beside the tasks file or the playbook in the folder checked; not read"
            )
            return
        for vars_path, values in self.load_vars(found, True):
            if isinstance(options.get("name"), str) and "_raw" not in options:
                values = {options["name"]: values}
            self.run.included.set(values, self.display(vars_path))

    def role_entry(self, entry, path: str, depth: int) -> None:
        """A role named in a play's ``roles:`` or a ``meta/main.yml`` ``dependencies:`` (a name, or a mapping)."""
        value = _plain(entry)
        name = value.get("role") or value.get("name") if isinstance(value, dict) else value
        if not isinstance(name, str) or not self.holds(entry, path):
            return
        frame = _frame()
        if isinstance(value, dict):  # its parameters and vars: hold for the role and its dependencies
            where = f"{self.display(path)}:{line(entry)}"
            frame = _frame(
                value.get("vars") if isinstance(value.get("vars"), dict) else None, {k: v for k, v in value.items() if k not in _ROLE_KEYWORDS}, where
            )
        self.role(name, path, line(entry), "main", depth + 1, frame, None)

    def role(self, name: str, path: str, at: int, tasks_from: str, depth: int, frame: Frame, again: bool | None) -> None:
        """``again``: whether the role runs again when it already ran with the same variables; None: as its
        ``meta/main.yml`` ``allow_duplicates`` says (a roles: entry or a dependency)."""
        folder = self.find(name)
        if folder is None:
            self.report(
                path,
                at,
                f"role '{name}' not found beside the playbook (roles/{name}), in ansible.cfg's roles_path or its collections; its templates and facts are not followed",
            )
            return
        if depth > MAX_DEPTH:
            self.report(path, at, f"roles include each other more than {MAX_DEPTH} deep (a cycle?); '{name}' is not followed")
            return
        self.frames.append(frame)
        try:
            self.run_role(folder, name, path, at, tasks_from, depth, frame, again)
        finally:
            self.frames.pop()

    def run_role(self, folder: str, name: str, path: str, at: int, tasks_from: str, depth: int, frame: Frame, again: bool | None) -> None:
        # a private include_role's roles keep their defaults and vars, so each such include loads them again
        private = next((f for f in reversed(self.frames) if f.private), None)
        meta = _first_file(os.path.join(folder, "meta"), "main")
        doc = self.document(meta) if meta else None
        if again is None:
            again = _true(_plain(get(doc, "allow_duplicates")), default=False)
        if (folder, id(private)) not in self.entered:
            self.entered[(folder, id(private))] = private  # kept: its id is not reused while the walk lasts
            if doc is not None:
                for entry in items(get(doc, "dependencies")):
                    self.role_entry(entry, meta, depth)
            # After its dependencies, as Ansible runs it: its templates and variables win over theirs.
            if folder not in self.run.roles:
                self.run.roles.append(folder)
            if self.load_vars:  # the play's roles expose theirs to the whole play
                for kind, layer in (("defaults", "defaults"), ("vars", "role_vars")):
                    for vars_path, values in self.load_vars(os.path.join(folder, kind)):
                        getattr(private or self.run, layer).set(values, self.display(vars_path))
        tasks = _first_file(os.path.join(folder, "tasks"), tasks_from)
        if tasks is None:
            if tasks_from != "main":
                self.report(path, at, f"role '{name}' has no tasks file '{tasks_from}'")
        else:
            # a roles: entry or dependency runs once per play for the same variables (lib/ansible/playbook/role:
            # Role.load's role cache and has_run), unless its meta says allow_duplicates; an include runs each time
            key = (folder, tasks, repr(frame.vars.values), repr(frame.params.values))
            if again or key not in self.ran:
                self.ran.add(key)
                if self.another_run(path, at, name):
                    self.tasks(items(self.document(tasks)), tasks, folder, depth)
        self.run.ended[folder] = self.now()

    def another_run(self, path: str, at: int, name: str) -> bool:
        """Whether one more role or tasks file may be followed in this play: includes repeating includes grow as a power of their depth."""
        self.runs += 1
        if self.runs > MAX_ROLE_RUNS:
            self.report(
                path,
                at,
                f"roles and tasks files run more than {MAX_ROLE_RUNS} times in one play (includes repeating each other?); '{name}' and those after it are not followed",
            )
        return self.runs <= MAX_ROLE_RUNS

    def find(self, name: str) -> str | None:
        """A role's folder, searched as Ansible searches: ``roles/`` beside the playbook, the ``roles_path`` of
        ansible.cfg, the playbook's folder; a collection's role (``namespace.collection.role``) in
        ``ansible_collections`` under the collections paths. Only folders inside the checked folder count."""
        base = os.path.dirname(os.path.abspath(self.play.playbook))
        roles_paths, collection_paths = search_paths(base)
        parts = name.split(".")
        if len(parts) == 3 and all(parts):  # a role in a collection
            candidates = [os.path.join(c, "ansible_collections", parts[0], parts[1], "roles", parts[2]) for c in collection_paths]
        else:
            candidates = [os.path.join(base, "roles", name), *(os.path.join(r, name) for r in roles_paths), os.path.join(base, name)]
        for folder in candidates:
            if os.path.isdir(folder) and self.inside(folder):
                return folder
        return None

    def outside_role(self, src: str, path: str) -> str | None:
        """The folder whose ``templates/`` holds a template task's ``src`` named outside any role: the tasks file's, else the playbook's."""
        for base in dict.fromkeys((os.path.dirname(path), os.path.dirname(self.play.playbook))):
            if os.path.isfile(os.path.join(base, "templates", src)) and self.inside(base):
                return base
        return None

    def inside(self, path: str) -> bool:
        """Whether ``path`` lies in the folder checked: a role or tasks file named out of it is not read."""
        return self.play.root is None or inside(os.path.realpath(path), self.play.root)

    def document(self, path: str):
        key = (os.path.realpath(path), self.play.root)
        if key not in self.parsed:  # each host of each play follows the same task files
            data, _ = read_bytes(path, self.play.root)
            self.parsed[key] = documents((data or b"").decode("utf-8", errors="replace"))
        docs, problem = self.parsed[key]
        if problem:
            self.report(path, problem.line, str(problem))
        return docs[0] if docs else None

    def tasks(self, tasks: list, path: str, folder: str | None, depth: int, nesting: int = 0) -> None:
        for task in tasks:
            if not isinstance(task, yaml.MappingNode):
                continue
            where = f"{self.display(path)}:{line(task)}"
            task_vars = _plain(get(task, "vars")) if isinstance(_plain(get(task, "vars")), dict) else None
            blocks = [get(task, key) for key in _BLOCK if isinstance(get(task, key), yaml.SequenceNode)]
            if blocks:
                if nesting > MAX_NESTING:
                    self.report(path, line(task), f"blocks nest more than {MAX_NESTING} deep; the tasks inside are not followed")
                elif self.holds(task, path, report=any(_follows(items(b)) for b in blocks)):  # a block of package installs is no concern
                    self.frames.append(_frame(task_vars, None, where))  # a block's vars: hold for its tasks
                    try:
                        for block in blocks:
                            self.tasks(items(block), path, folder, depth, nesting + 1)
                    finally:
                        self.frames.pop()
                continue
            template = _template_src(task)
            if template is not None:
                src = template if isinstance(template, str) and not _templated(template) else None
                # outside a role (a play's tasks, a tasks file they include): templates/ beside the tasks file or the
                # playbook, whose BPS templates then render as a role's would
                where_from = folder or (self.outside_role(src, path) if src and self.holds(task, path, report=False) else None)
                if where_from is not None and template != "":  # where the file is rendered, with what the task sees there
                    if where_from not in self.run.roles:
                        self.run.roles.append(where_from)
                    seen = self.now(_frame(task_vars, None, where))
                    self.run.template_task[where_from] = (path, line(task))
                    listed = self.looped(task, template, task_vars, where) if src is None else None
                    if listed:
                        self.run.looped[where_from] = _short(_plain(get(task, listed[0])))
                        for each, at_item in listed[1].items():
                            for found in (os.path.join(where_from, "templates", each), os.path.join(where_from, each)):
                                self.run.templates[os.path.normpath(found)] = at_item
                    elif src is None:
                        self.run.any_template[where_from] = seen
                    else:  # looked for in the role's templates/, then the role's folder ("templates/carbon.xml.j2")
                        for found in (os.path.join(where_from, "templates", src), os.path.join(where_from, src)):
                            self.run.templates[os.path.normpath(found)] = seen
                    if folder is None:  # no role's end to take the other templates of that folder at
                        self.run.ended[where_from] = self.now()
                continue
            module, args = _module(task)
            if module is None:
                continue
            loop = next((key for key, _ in pairs(task) if key == "loop" or key.startswith("with_")), None)
            if loop:
                self.report(path, line(task), f"{module} in a loop ('{loop}') is not followed; bps-lint follows one role or fact at a time")
                continue
            if not self.holds(task, path):
                continue
            if module in _SET_FACT:
                self.set_fact(args, path, line(task))
            elif module in _INCLUDE_VARS:
                self.include_vars(args, path, line(task), folder)
            elif module in _INCLUDE_ROLE:
                options = _options(args)
                name = self.rendered(options.get("name"), path, line(task), f"{module} name")
                if isinstance(name, str):
                    # the task's vars: (and, written by some, inside the module's arguments) hold for the role it runs
                    # and its dependencies: include_role's as include parameters (above set_fact), import_role's as
                    # task vars; include_role keeps the role's own defaults and vars unless public
                    given = {**(task_vars or {}), **(options.get("vars") if isinstance(options.get("vars"), dict) else {})}
                    public = _true(options.get("public"), default=module == "import_role")
                    dynamic = module == "include_role"
                    frame = _frame(None if dynamic else given, given if dynamic else None, where, private=not public)
                    # each include_role/import_role task runs its role again, unless it says allow_duplicates: false
                    # (which overrides the role's meta, as the module's documentation says)
                    again = _true(options.get("allow_duplicates"), default=True)
                    self.role(name, path, line(task), str(options.get("tasks_from") or "main").removesuffix(".yml"), depth + 1, frame, again)
            elif module in _INCLUDE_TASKS:
                if module == "include":  # ansible-core 2.15 runs it as include_tasks, with a deprecation warning
                    self.report(
                        path,
                        line(task),
                        "'include' was removed in ansible-core 2.16 (deprecated in 2.15), which refuses the file holding it; "
                        "use include_tasks (or import_tasks); bps-lint follows it as include_tasks",
                    )
                options = _options(args)
                name = self.rendered(options.get("file", options.get("_raw")), path, line(task), module)
                if not isinstance(name, str):
                    continue  # reported by rendered()
                # beside the including file; outside a role, also beside the playbook, as Ansible looks
                places = [os.path.dirname(path)] + ([os.path.dirname(self.play.playbook)] if folder is None else [])
                included = next((c for c in (os.path.join(p, name) for p in places) if os.path.isfile(c)), os.path.join(places[0], name))
                if not (os.path.isfile(included) and self.inside(included)):
                    self.report(path, line(task), f"{module} '{name}': no such tasks file beside {os.path.basename(path)} in the folder checked; not followed")
                elif os.path.realpath(included) in self.including:
                    self.report(path, line(task), f"{module} '{name}' includes a tasks file that includes it (a loop); not followed again")
                elif depth < MAX_DEPTH and self.another_run(path, line(task), name):
                    # followed each time it is reached, as Ansible runs it: a role run again includes it again
                    dynamic = module != "import_tasks"
                    self.frames.append(_frame(None if dynamic else task_vars, task_vars if dynamic else None, where))
                    self.including.append(os.path.realpath(included))
                    try:
                        self.tasks(items(self.document(included)), included, folder, depth + 1)
                    finally:
                        self.frames.pop()
                        self.including.pop()

    def looped(self, task, template: str, task_vars: dict | None, where: str):
        """(loop key, {src: Seen}) of a template task whose src is an expression of its loop item (``src: "{{
        item.src }}"`` with ``loop: "{{ config_files }}"``): each file it renders, with what the task sees for that
        item; None when the loop or a src cannot be worked out for this host (then any template of the role may be)."""
        key = next((k for k, _ in pairs(task) if k in ("loop", "with_items", "with_list")), None)
        if key is None or self.decide is None:
            return None
        variables = self.variables()  # the same for every item: merged once
        looped = self.decide.render(_plain(get(task, key)), variables)
        if not isinstance(looped, list):
            return None
        if key == "with_items":  # with_items flattens one level, as its lookup does
            looped = [x for entry in looped for x in (entry if isinstance(entry, list) else [entry])]
        control = _plain(get(task, "loop_control"))
        name = str(control.get("loop_var") or "item") if isinstance(control, dict) else "item"
        rendered = {}
        for entry in looped:
            src = self.decide.render(template, {**variables, name: entry})
            if not isinstance(src, str) or not src or _templated(src):
                return None
            rendered[src] = self.now(_frame({**(task_vars or {}), name: entry}, None, where))
        return key, rendered

    def set_fact(self, args, path: str, at: int) -> None:
        values = _options(args)
        if not values or "_raw" in values:
            self.report(path, at, "set_fact holds no name: value pairs; not followed")
            return
        for name, value in values.items():
            if name == "cacheable":
                continue
            value = self.rendered(value, path, at, f"set_fact '{name}'")
            if value is not _UNKNOWN:
                self.run.facts.set({name: value}, f"{self.display(path)}:{at} (set_fact)")
                while name in self.run.unresolved:
                    self.run.unresolved.remove(name)
            else:
                self.run.unresolved.append(name)

    def rendered(self, value, path: str, at: int, what: str, then: str = "templates see it unset"):
        """``value`` with its Jinja2 expressions rendered for this host; _UNKNOWN (reported) when they cannot be."""
        if self.decide is None:
            return value if not _templated(value) else _UNKNOWN
        result = self.decide.render(value, self.variables())
        if result is _UNKNOWN:
            self.report(path, at, f"{what} cannot be rendered here ('{_short(value)}' needs a lookup or a value known only when Ansible runs); {then}")
        return result


_UNKNOWN = object()


class Prompted:
    """The value of a ``vars_prompt`` variable without a default: typed when the play runs. Where templates and
    conditions are rendered it is unset (``known``), but its origin still names the prompt."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"Prompted({self.name!r})"


def known(variables: dict) -> dict:
    """``variables`` without those only a run knows (``Prompted``): a template sees them unset."""
    return {k: v for k, v in variables.items() if not isinstance(v, Prompted)}


def _decidable(variables: dict) -> dict:
    """``variables`` a condition may be decided with: not a prompted value, nor an encrypted one (its stand-in
    would decide ``db_password == 'x'``)."""
    return {k: v for k, v in variables.items() if not isinstance(v, (Prompted, Vaulted))}


def search_paths(base: str) -> tuple[list[str], list[str]]:
    """The ``roles_path`` and ``collections_path(s)`` of the ansible.cfg beside the playbook (or in a folder above
    it), made absolute from that file's folder, then the collections beside the playbook; [] when there is none."""
    import configparser

    folder, cfg = base, None
    while cfg is None:
        if os.path.isfile(os.path.join(folder, "ansible.cfg")):
            cfg = os.path.join(folder, "ansible.cfg")
        elif os.path.dirname(folder) == folder:
            break
        else:
            folder = os.path.dirname(folder)
    roles, collections = [], [os.path.join(base, "collections"), base]
    if cfg:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            with open(cfg, encoding="utf-8", errors="replace") as handle:
                parser.read_string(handle.read(64 * 1024))
        except (OSError, configparser.Error):
            return roles, collections
        here = os.path.dirname(cfg)

        def listed(key: str) -> list[str]:
            value = parser.get("defaults", key, fallback="") or ""
            return [os.path.normpath(os.path.join(here, os.path.expanduser(p.strip()))) for p in value.replace(",", ":").split(":") if p.strip()]

        roles = listed("roles_path")
        collections = listed("collections_paths") + listed("collections_path") + collections
    return roles, collections


def _plain(node):
    return None if node is None else plain(node)


def _templated(value) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(_templated(v) for v in value.values())
    if isinstance(value, list):
        return any(_templated(v) for v in value)
    return False


def _short(value, limit: int = 80) -> str:
    text = " and ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _template_src(task):
    """A ``template`` task's ``src`` (None for another task; "" when it has none)."""
    for key, value in pairs(task):
        for prefix in _COLLECTIONS:
            key = key.removeprefix(prefix)
        if key in _TEMPLATE:
            src = _options(value).get("src")
            return src if src is not None else ""
    return None


def _true(value, default: bool) -> bool:
    """An option's boolean as Ansible reads it (yes, true, 1, on)."""
    if value is None:
        return default
    return value if isinstance(value, bool) else str(value).strip().lower() in ("yes", "true", "1", "on", "y")


def _module(task) -> tuple[str | None, object]:
    """The module a task runs, if bps-lint follows it (its short name), and its arguments node."""
    for key, value in pairs(task):
        for prefix in _COLLECTIONS:
            key = key.removeprefix(prefix)
        if key in _SET_FACT + _INCLUDE_VARS + _INCLUDE_ROLE + _INCLUDE_TASKS:
            return key, value
    return None, None


def _follows(tasks: list, nesting: int = 0) -> bool:
    """Whether ``tasks`` (blocks included) hold a task bps-lint follows: a set_fact, or an include."""
    for task in tasks:
        if _module(task)[0] is not None:
            return True
        if nesting < MAX_NESTING and any(_follows(items(get(task, key)), nesting + 1) for key in _BLOCK):
            return True
    return False


def _options(args) -> dict:
    """A module's arguments: a mapping, or ``name=x tasks_from=y`` written inline (``_raw`` keeps a bare file name)."""
    value = _plain(args)
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        options = dict(item.partition("=")[::2] for item in value.split() if "=" in item)
        return options or {"_raw": value.strip(), "name": value.strip()}
    return {}


def _first_file(folder: str, name: str) -> str | None:
    for suffix in (".yml", ".yaml", ""):
        path = os.path.join(folder, name + suffix)
        if os.path.isfile(path):
            return path
    return None


class Decide:
    """Conditions and values decided with Jinja2, strictly: an undefined variable leaves them undecided."""

    def __init__(self, strict_env, render, expand):
        self.env, self._render, self.expand = strict_env, render, expand

    def __call__(self, condition, variables: dict) -> bool | None:
        conditions = condition if isinstance(condition, list) else [condition]
        variables = self.expand(self.env, _decidable(variables))
        for item in conditions:
            if isinstance(item, bool):
                verdict = item
            else:
                text = str(item).strip().removeprefix("{{").removesuffix("}}")
                out = self._render(self.env, "{% if " + text + " %}1{% else %}0{% endif %}", variables)
                if out.text not in ("0", "1"):
                    return None
                verdict = out.text == "1"
            if not verdict:
                return False
        return True

    def render(self, value, variables: dict):
        if not _templated(value):
            return value
        variables = self.expand(self.env, known(variables))  # an encrypted value renders its stand-in, as in templates
        if isinstance(value, str):
            out = self._render(self.env, value, variables)
            return _UNKNOWN if out.text is None else native(value, out.text)
        if isinstance(value, dict):
            done = {k: self.render(v, variables) for k, v in value.items()}
            return _UNKNOWN if _UNKNOWN in done.values() else done
        done = [self.render(v, variables) for v in value]
        return _UNKNOWN if any(v is _UNKNOWN for v in done) else done


_ONE_EXPRESSION = re.compile(r"\s*\{\{((?:(?!\{\{|\}\}|\{%).)*)\}\}\s*", re.S)


def native(source: str, text: str):
    """A value written as one Jinja2 expression takes the type of what it renders to, as Ansible's templating does
    (``"{{ inventory_hostname in groups['x'] }}"`` is a boolean, not the truthy string "False"): a bool, None, list
    or dict, or a number when it prints back as written (not "1e3" or "0x10", which would change the text)."""
    if not _ONE_EXPRESSION.fullmatch(source):
        return text
    import ast

    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    if isinstance(value, (bool, list, dict, type(None))):
        return value
    if isinstance(value, (int, float)) and str(value) == text.strip():
        return value
    return text


def reachable(play: Play, parsed: dict | None = None) -> list[str]:
    """Every role folder the play may run, whatever the host: whether it renders BPS files at all."""
    return _Walk(play, {}, str, [], parsed=parsed).follow().roles


def follow(play: Play, base: dict, display, problems: list, decide: Decide, load_vars, before: Run | None = None, parsed: dict | None = None) -> Run:
    """What the play runs for one host whose inventory variables are ``base``; ``before``: the host's run of the
    playbook's previous play, whose facts it starts with; ``parsed``: the YAML files this run parsed so far."""
    return _Walk(play, base, display, problems, decide, load_vars, before, parsed).follow()
