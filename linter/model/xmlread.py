"""Namespace-tolerant element lookup that turns XML into located Values."""

from __future__ import annotations

import re

from linter.model.types import PerReplica, Secret, Value
from linter.parse.location import AttributeLoc, ElementLoc, Loc, LocFile, local_tag
from linter.parse.xmlfile import SECURE_VAULT_NS, ParsedXml

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
# _new(Value, (raw, loc)) is Value(raw, loc) without the named tuple's __new__, a Python function that
# costs several times the tuple itself: a model reads about 120 values a node.
_new = tuple.__new__
DEFAULT_PASSWORDS = frozenset({"admin", "root", "wso2carbon", "password", "changeme", "secret", "123"})


# iterchildren matches "{*}name" in C; find/findall go through ElementPath and cost twice as much.
def children(element, name: str) -> list:
    """Child elements with this local name, in any namespace (or none)."""
    return list(element.iterchildren("{*}" + name))


def child(element, name: str):
    return next(element.iterchildren("{*}" + name), None)


def descend(element, *names: str):
    """The element at ``names`` below ``element`` and the deepest one that exists on the way."""
    current = element
    for name in names:
        nxt = next(current.iterchildren("{*}" + name), None)
        if nxt is None:
            return None, current
        current = nxt
    return current, current


def _per_replica(raw: str, known: dict, per_replica: set) -> bool:
    """Whether Carbon substitutes a property of ``per_replica`` in ``raw``: it takes the placeholders in order and
    stops at the first property that is not set (CarbonUtils.resolveSystemProperty)."""
    for name in PLACEHOLDER.findall(raw):
        if name in per_replica:
            return True
        if name not in known:
            return False
    return False


class Password(str):
    """The path of an element that holds a password: read as a Secret, the password never kept."""


class Reader:
    """Reads located values out of one parsed file."""

    def __init__(self, parsed: ParsedXml):
        self.parsed = parsed
        self._file = Loc(parsed.path)
        # One location per element, shared by the values read there (its path is its parent's plus its
        # tag, and it is worked out once if a finding needs it); a placeholder's value gets its own, as
        # the model records by location which placeholders Carbon substitutes.
        self._locs: dict = {}
        self._loc_file = LocFile(parsed)

    def loc(self, element):
        """Where ``element`` starts (worked out only if a finding needs it); the file itself for None."""
        if element is None:
            return self._file
        loc = self._locs.get(element)
        if loc is None:
            parent = element.getparent()
            tag = local_tag(element)
            path = tag if parent is None else f"{self.loc(parent).element}/{tag}"
            loc = self._locs[element] = ElementLoc(self._loc_file, element.sourceline, tag, path)
        return loc

    def _own_loc(self, element) -> ElementLoc:
        shared = self.loc(element)
        return ElementLoc(self._loc_file, element.sourceline, shared.tag, shared.element)

    def value(self, raw: str | None, element, place: str = "text") -> Value:
        """A Value at ``element``; one holding ``${`` is noted, as written, for the placeholder check, and
        the model gets it as Carbon loads it: with the system properties it knows substituted where
        Carbon substitutes (``place``: "text" of an element, a "parameter"'s text, an "attribute", a WKA
        "member"'s hostName or port)."""
        if not raw or "${" not in raw:
            return _new(Value, (raw, self.loc(element)))
        if place == "member":
            # Axis2 ClusterBuilder.loadWellKnownMembers takes a system property, else an environment variable:
            # not noted for the placeholder check (bps-lint cannot see the environment); unresolved is unknown
            known = self.parsed.properties or {}
            return Value(PLACEHOLDER.sub(lambda m: known.get(m.group(1), m.group(0)), raw), self.loc(element))
        value = Value(raw, self._own_loc(element))
        self.parsed.placeholders.append(value)
        where, known = self.parsed.substituted, self.parsed.properties
        if where == "text" and place != "attribute" or where == "parameters" and place == "parameter":
            self.parsed.substitutable.add(value.loc)
        else:
            known = None
        if known:
            resolved = PLACEHOLDER.sub(lambda m: known.get(m.group(1), m.group(0)), raw)
            if resolved != raw:
                value = Value(resolved, value.loc)
        if known is not None and self.parsed.per_replica and _per_replica(raw, known, self.parsed.per_replica):
            return PerReplica(*value)
        return value

    def text(self, element, *names: str, place: str = "text") -> Value:
        """The text of the element at ``names`` below ``element``; absent, at the deepest one that exists."""
        found = element
        for name in names:
            below = next(found.iterchildren("{*}" + name), None)
            if below is None:
                return _new(Value, (None, self.loc(found)))
            found = below
        raw = found.text or ""
        loc = self._locs.get(found)
        if loc is None or "${" in raw:
            if not names or "${" in raw:
                return self.value(raw, found, place)
            # Found by its local names: its path is the base's and theirs, no walk up to the root.
            loc = self._locs[found] = ElementLoc(self._loc_file, found.sourceline, names[-1], f"{self.loc(element).element}/{'/'.join(names)}")
        return _new(Value, (raw, loc))

    def fields(self, element, table: dict[str, str]) -> dict:
        """Model fields read below ``element``, in the order of ``table`` (field -> path such as
        ``AdminUser/UserName``): the element's text, or for a ``Password`` path its Secret."""
        return {
            field: self.secret(element, *path.split("/")) if isinstance(path, Password) else self.text(element, *path.split("/"))
            for field, path in table.items()
        }

    def attr(self, element, name: str) -> Value:
        if element is None:
            return Value(None, self.loc(None))
        raw = element.get(name)
        if raw is not None and not self._loc_file.plain and "${" not in raw:
            # rendered text: a finding points at the template line holding the attribute, the one to edit
            shared = self.loc(element)
            return _new(Value, (raw, AttributeLoc(self._loc_file, element.sourceline, shared.tag, shared.element, name)))
        return self.value(raw, element, "attribute")

    def secret(self, element, *names: str) -> Secret:
        found, deepest = descend(element, *names)
        if found is None:
            return Secret("absent", self.loc(deepest))
        loc = self._own_loc(found)
        alias = found.get(f"{{{SECURE_VAULT_NS}}}secretAlias") or found.get("secretAlias")
        if alias:
            return Secret("alias", loc, alias=alias)
        value = (found.text or "").strip()
        if not value:
            return Secret("empty", loc)
        names = PLACEHOLDER.findall(value)
        if names:  # ${db.pw}: the password is the property's value, itself a secret wherever it is set
            self.parsed.secret_properties.update(names)
            self.parsed.placeholders.append(Value(value, loc))
            if self.parsed.substituted == "text":
                self.parsed.substitutable.add(loc)
            return Secret("placeholder", loc)
        return Secret("plaintext", loc, is_default=value.lower() in DEFAULT_PASSWORDS)
