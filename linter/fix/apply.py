"""Applying fixes to files: only plain, well-formed XML files inside the checked folders, written
atomically (a temporary file in the same folder, then a rename) with their mode and owner kept."""

from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile

from linter.fix import candidates
from linter.fix.text import FixError, Replacement, apply, replacements
from linter.parse.location import STDIN_NAME, inside
from linter.parse.xmlfile import parse_xml_bytes, read_bytes
from linter.records import Record


class FileChange(Record):
    path: str  # as the findings name it
    real: str  # the file written (a symbolic link's target inside the tree)
    before: bytes
    after: bytes
    fixes: int
    rules: frozenset = frozenset()  # the rules whose fixes it makes
    lines: frozenset = frozenset()  # lines of ``after`` the edits wrote


def editable(path: str, roots: list[str]) -> str:
    """The real path to write for ``path``; FixError when it is not a plain XML file inside a checked folder."""
    real = os.path.realpath(path)  # a symbolic link is written through only when its target is in the tree
    if not any(inside(real, os.path.realpath(root)) for root in roots):
        raise FixError("outside the checked folders (a symbolic link leading out is not followed)")
    if not path.endswith((".xml", ".sh")):  # a template or a manifest: the conf text was rendered from it
        raise FixError("not an XML file or start script written by hand")
    if not stat.S_ISREG(os.stat(real).st_mode):
        raise FixError("not a regular file")
    return real


def well_formed(path: str, data: bytes) -> bool:
    """An XML file parses; a start script is not parsed (its edits only change one flag's word)."""
    return not path.endswith(".xml") or parse_xml_bytes(path, data).problem is None


def plan(findings, roots: list[str], unsafe: bool = False, originals: dict | None = None):
    """(changes, refused): the change to each file the fixes of ``findings`` make, and (path, why) for the files left alone.

    All fixes in one file are made together; a fix whose edits overlap another's is dropped. ``originals`` (real
    path -> bytes) gives files as they were checked when the disk holds a trial of other fixes."""
    by_path: dict[str, list] = {}
    for finding in candidates(findings, unsafe):
        by_path.setdefault(finding.fix.edits[0].loc.path, []).append((finding.rule, finding.fix))
    changes, refused = [], []
    for path, fixes in sorted(by_path.items()):
        try:
            real = editable(path, roots)
            before, problem = (originals[real], None) if originals and real in originals else read_bytes(real)
            if problem:
                raise FixError(problem.message)
            if not well_formed(path, before):
                raise FixError("not well-formed; not edited")
            edits, applied, rules = _together(before, fixes)
            found = replacements(before, edits)
            after = apply(before, found)
            if after == before:
                continue
            if not well_formed(path, after):
                raise FixError("the edit would leave the file not well-formed")
            changes.append(FileChange(path, real, before, after, applied, frozenset(rules), _written_lines(after, found)))
        except (FixError, OSError, UnicodeError) as exc:
            refused.append((path, str(exc)))
    return changes, refused


def _together(data: bytes, fixes: list) -> tuple[list, int, set]:
    """(edits, how many fixes, their rules) of the (rule, fix) pairs that can be made together in ``data``: one at a
    time, so a fix that clashes with an earlier one (or cannot be made) is skipped alone."""
    edits, applied, rules = [], 0, set()
    for rule, fix in fixes:
        try:
            replacements(data, [*edits, *fix.edits])
        except (FixError, UnicodeError):
            continue
        edits.extend(fix.edits)
        applied += 1
        rules.add(rule)
    return edits, applied, rules


def _written_lines(after: bytes, found) -> frozenset:
    """The 1-based lines of ``after`` that the replacements wrote."""
    lines, shift = set(), 0
    for r in found:
        start = r.start + shift
        first = after.count(b"\n", 0, start) + 1
        lines.update(range(first, first + r.data.count(b"\n") + 1))
        shift += len(r.data) - (r.end - r.start)
    return frozenset(lines)


def write_atomic(real: str, data: bytes) -> None:
    """Replace ``real`` with ``data`` by a rename, so a reader sees the old file or the new one, never half."""
    st = os.stat(real)
    folder = os.path.dirname(real) or "."
    fd, temp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(real) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), stat.S_IMODE(st.st_mode))
            try:
                os.fchown(handle.fileno(), st.st_uid, st.st_gid)
            except (PermissionError, AttributeError):
                pass  # only root may give a file away; the owner is then the user running the fix
            os.fsync(handle.fileno())
        os.replace(temp, real)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _lines(data: bytes) -> list[str]:
    """Lines split at "\n" only, each with its own ending ("\r\n" stays); latin-1 keeps every byte as it is."""
    return re.findall(r"[^\n]*\n|[^\n]+$", data.decode("latin-1"))


def unified_diff(change: FileChange) -> bytes:
    """A diff ``patch -p0`` and ``git apply -p0`` apply, of the file's own bytes."""
    out, name = [], os.fsencode(change.path).decode("latin-1")
    for line in difflib.unified_diff(_lines(change.before), _lines(change.after), name, name, n=3):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out).encode("latin-1")


_DIFFERING = "<differing>"  # a key of the cache no path has


def replacement_cache(findings) -> dict:
    """The ``cache`` of byte_replacements for a run's findings, knowing their suggested fixes in a template that
    differ between the hosts it renders for (each host's own address): those get no byte patch of the template."""
    cache: dict = {}
    fixes = [f.fix for f in findings if getattr(f, "fix", None) and f.fix.suggested]
    found = [(id(fix), fix.edits[0].source, _suggested_replacements(fix, cache)) for fix in fixes]
    cache[_DIFFERING] = {key for key, _, rs in found if rs is not None} - _faithful(found)
    return cache


def _faithful(found: list[tuple[int, object, list | None]]) -> set[int]:
    """The keys of the (key, rendered source, replacements in the user's file) whose replacements may patch that
    file: no other rendering of it needs a different change at the same place, and when it is a template several
    hosts render (``renderings``), each of them needs that same change; else the patch would give every host one
    host's value (its own address), and each host's rendered text is shown instead."""
    ok = set()
    for key, source, rs in found:
        if rs is None:
            continue
        others = [(k, r) for k, s, f in found if k != key and s.path == source.path for r in f or ()]
        if any(r != o and (r.start < o.end and o.start < r.end or r.start == o.start) for r in rs for _, o in others):
            continue
        if all(1 + len({k for k, o in others if o == r}) >= getattr(source, "renderings", 1) for r in rs):
            ok.add(key)
    return ok


def byte_replacements(fix, cache: dict) -> list | None:
    """The byte replacements of ``fix`` in its file as it is now (for JSON and SARIF), or None when they
    cannot be worked out or differ between the hosts its template renders for; ``cache`` keeps each file's bytes
    for the run (replacement_cache)."""
    if fix and fix.suggested:
        return None if id(fix) in cache.get(_DIFFERING, ()) else _suggested_replacements(fix, cache)
    if not fix or not fix.writable:
        return None
    path = fix.edits[0].loc.path
    if path not in cache:
        data, problem = read_bytes(path) if path.endswith((".xml", ".sh")) else (None, True)
        cache[path] = data if not problem and data is not None and well_formed(path, data) else None
    if cache[path] is None:
        return None
    try:
        return replacements(cache[path], fix.edits)
    except (FixError, UnicodeError):
        return None


def _suggested_replacements(fix, cache: dict) -> list | None:
    """A fix in rendered conf text as byte replacements in the manifest or template it comes from, when each edit
    falls on bytes written there as they are; else None (the diff of the rendered text is for reading only)."""
    source = fix.edits[0].source
    if source.path == STDIN_NAME or any(getattr(e, "source", None) is not source for e in fix.edits):
        return None
    if source.path not in cache:
        data, problem = read_bytes(source.path)
        cache[source.path] = None if problem else data
    try:
        return None if cache[source.path] is None else _onto(cache[source.path], source, replacements(source.data, fix.edits))
    except (FixError, UnicodeError):
        return None


class Suggestion(Record):
    """A fix in conf text rendered from a template or held in a manifest, which ``--fix`` never writes: a diff of
    the file the user edits when each edit maps onto its bytes exactly, else a diff of the rendered text."""

    change: FileChange
    applies: bool  # the diff is of the user's file (patch applies it); else of the rendered text, for reading
    differs: bool = False  # not applied as the hosts a template renders for need different values there


def suggestions(findings, unsafe: bool = False) -> list[Suggestion]:
    """What the fixes in rendered conf text would change, one Suggestion per file the user edits (or per rendered text)."""
    by_source: dict = {}
    for finding in findings:
        fix = getattr(finding, "fix", None)
        if fix and fix.suggested and (fix.safe or unsafe):
            # each host's rendering apart, even when equal: one host's fix is not another's
            entry = by_source.setdefault(id(fix.edits[0].source), (fix.edits[0].source, [], []))
            entry[1].append((finding.rule, fix))
            entry[2].append(finding.node)
    mapped: dict[str, list] = {}  # the user's file -> (replacements in it, fixes, rules)
    out = []
    onto = []  # (source, FileChange of its rendered text, replacements in the user's file or None)
    originals: dict[str, tuple] = {}  # the user's file -> read_bytes of it
    for source, fixes, nodes in by_source.values():
        edits, applied, rules = _together(source.data, fixes)
        if not edits:
            continue
        rendered = replacements(source.data, edits)
        after = apply(source.data, rendered)
        if after == source.data or parse_xml_bytes(source.path, after).problem is not None:
            continue
        if source.path not in originals:  # a template rendered for several hosts is read once
            originals[source.path] = read_bytes(source.path) if source.path != STDIN_NAME else (None, True)
        original, problem = originals[source.path]
        found = None if problem or original is None else _onto(original, source, rendered)
        mapped.setdefault(source.path, [original, [], 0, set()])
        onto.append((source, FileChange(f"{source.path} (rendered)", source.path, source.data, after, applied, frozenset(rules)), found, nodes))
    faithful = _faithful([(id(source), source, found) for source, _, found, _ in onto])
    unmapped: dict[tuple, list] = {}  # (file, text before, after) -> nodes: hosts rendering the same text get one diff
    for source, change, found, nodes in onto:
        if found is not None and id(source) not in faithful:
            name = f"{source.path} (rendered for {', '.join(dict.fromkeys(n for n in nodes if n))})"
            out.append(Suggestion(change._replace(path=name), False, True))
        elif found is None:
            same = unmapped.get((source.path, change.before, change.after))
            if same is None:
                unmapped[(source.path, change.before, change.after)] = [len(out), *nodes]
                out.append(Suggestion(change, False))
            else:  # another host's identical rendering: named with the first, not shown again
                same.extend(nodes)
                hosts = ", ".join(dict.fromkeys(n for n in same[1:] if n))
                first = out[same[0]].change
                merged = first._replace(path=f"{source.path} (rendered for {hosts})", fixes=first.fixes + change.fixes, rules=first.rules | change.rules)
                out[same[0]] = Suggestion(merged, False)
        else:
            entry = mapped[source.path]
            entry[1].extend(r for r in found if r not in entry[1])
            entry[2] += change.fixes
            entry[3].update(change.rules)
    for path, (original, found, applied, rules) in mapped.items():
        if not found:
            continue
        out.append(Suggestion(FileChange(path, path, original, apply(original, sorted(found)), applied, frozenset(rules)), True))
    return out


def _onto(original: bytes, source, rendered: list) -> list | None:
    """``rendered`` (replacements in the rendered text) as replacements in ``original``, the file it was rendered
    from, or None when one of them does not fall on a line written there byte for byte."""
    data = source.data
    starts = [0] + [m.end() for m in re.finditer(rb"\n", original)]
    found = []
    for r in rendered:
        if b"\n" in data[r.start : r.end]:
            return None
        line_start = data.rfind(b"\n", 0, r.start) + 1
        line_end = data.find(b"\n", r.start)
        line_end = len(data) if line_end < 0 else line_end
        number = data.count(b"\n", 0, r.start) + 1
        target = source.line(number)
        if not target or target > len(starts):
            return None
        at = starts[target - 1]
        end = starts[target] if target < len(starts) else len(original)
        text = original[at:end].rstrip(b"\r\n")
        indent, written = text[: source.column], text[source.column :]
        if indent.strip(b" \t") or written != data[line_start:line_end]:
            return None  # the line holds a variable, an escape or other YAML around it: the text is not the same bytes
        newline = b"\r\n" if original[at:end].endswith(b"\r\n") else b"\n"
        offset = at + source.column + (r.start - line_start)
        found.append(Replacement(offset, offset + (r.end - r.start), r.data.replace(b"\n", newline + indent)))
    return found
