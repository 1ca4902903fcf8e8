"""YAML read as PyYAML's node tree (safe loader, line numbers kept), with the few lookups the sources need."""

from __future__ import annotations

import yaml

MAX_YAML_BYTES = 16 * 1024 * 1024
# libyaml's parser (in PyYAML's wheels) is about 40 times faster than the pure-Python one and keeps the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def documents(text: str, utf8: bytes | None = None) -> tuple[list, YamlProblem | None]:
    """The documents of a YAML stream as nodes, and the problem that stopped reading it, if any.

    Documents before a broken one are kept: one bad manifest in a ``helm template`` stream should not hide the rest.
    ``utf8``: ``text`` as UTF-8 bytes, which libyaml reads without first encoding ``text`` into them (73 ms instead
    of 85 on 11 MB of manifests); a problem is then looked for again in ``text``, where its place is counted in
    characters, so that it reads as before."""
    if utf8 is not None and _LOADER is not yaml.SafeLoader:
        docs, problem = _documents(utf8, text)
        if problem is None:
            return docs, None
    return _documents(text, text)


def _documents(stream: str | bytes, text: str) -> tuple[list, YamlProblem | None]:
    docs = []
    try:
        for doc in yaml.compose_all(stream, Loader=_LOADER):
            if doc is not None:
                docs.append(doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # PyYAML's message quotes the document: keep only what kind of mistake it is.
        return docs, YamlProblem(f"not valid YAML: {exc.problem or exc.context or 'syntax error'}", mark.line + 1 if mark else None)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: a binary file, or text in another encoding
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "\0")
        line = text.count("\n", 0, exc.position) + 1
        return docs, YamlProblem(f"not valid YAML: character 0x{code:02x} is not allowed in YAML (a binary file, or not UTF-8 text?)", line)
    except RecursionError:
        return docs, YamlProblem("not valid YAML: nested too deeply to read", None)
    except yaml.YAMLError as exc:
        return docs, YamlProblem(f"not valid YAML: {type(exc).__name__}", None)
    return docs, None


def duplicate_keys(root):
    """(key node, the same key's first node, whether at the root) for each key a mapping of the document ``root``
    repeats, in document order. PyYAML's composer keeps both pairs of a repeated key (its constructor would keep the
    last); Kubernetes' YAML reader (sigs.k8s.io/yaml, go-yaml) refuses them: 'mapping key "kind" already defined'.
    Each node is visited once, so an alias shared a billion times costs one visit."""
    found, seen, stack = [], set(), [root]
    scalar, mapping = yaml.ScalarNode, yaml.MappingNode
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, mapping):
            first: dict = {}
            for key, value in node.value:
                if isinstance(key, scalar) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in first:
                        found.append((key, first[key.value], node is root))
                    else:
                        first[key.value] = key
                if not isinstance(value, scalar):  # a ConfigMap's data is mostly text: nothing below it
                    stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(child for child in node.value if not isinstance(child, scalar))
    return sorted(found, key=lambda item: item[0].start_mark.index)


def get(node, *keys):
    """The node at ``keys`` below a mapping node, or None."""
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        for name, value in node.value:  # a loop, not next() over a generator: a manifest's workloads ask thousands of times
            if isinstance(name, yaml.ScalarNode) and name.value == key:
                node = value
                break
        else:
            return None
    return node


def text(node, *keys) -> str | None:
    found = get(node, *keys)
    return found.value if isinstance(found, yaml.ScalarNode) else None


def items(node) -> list:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def pairs(node) -> list:
    """(key text, value node) of a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(k.value, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def line(node) -> int:
    return node.start_mark.line + 1


MAX_EXPANDED_NODES = 100_000  # a vars file of real settings has hundreds; aliases of aliases can mean billions


def expanded_size(node, budget: int = MAX_EXPANDED_NODES) -> int:
    """How many nodes ``node`` stands for once its aliases are expanded, counted up to ``budget`` (and
    stopping there): text made from a "billion laughs" value would not fit in memory."""
    count, stack = 0, [node]
    while stack and count <= budget:
        item = stack.pop()
        count += 1
        if isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
        elif isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                stack.extend((key, value))
    return count


class Vaulted(str):
    """A value encrypted with ansible-vault (``password: !vault |``): bps-lint has no key to decrypt it and never
    prints it. Templates render a masked stand-in (a password the server gets in plain text, not a default one);
    a condition on it is undecided."""

    def __new__(cls):
        return super().__new__(cls, "********")


class _PlainLoader(yaml.SafeLoader):
    """The safe loader, with the tags Ansible's variables files use: ``!vault`` (an encrypted value) and
    ``!unsafe`` (a string Ansible does not template)."""


_PlainLoader.add_constructor("!vault", lambda loader, node: Vaulted())
_PlainLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None)


def plain(node):
    """A node as plain Python data (variables files); None for what cannot be constructed or is too large once expanded."""
    if expanded_size(node) > MAX_EXPANDED_NODES:
        return None
    try:
        return _PlainLoader("").construct_document(node)
    except (yaml.YAMLError, RecursionError, TypeError, ValueError):
        return None
