"""Namespace-tolerant element lookup that turns XML into located Values."""

from __future__ import annotations

import re


from linter.model.types import Secret, Value
from linter.parse.location import ElementLoc, Loc
from linter.parse.xmlfile import ParsedXml

SECURE_VAULT_NS = "http://org.wso2.securevault/configuration"
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
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


class Reader:
    """Reads located values out of one parsed file."""

    def __init__(self, parsed: ParsedXml):
        self.parsed = parsed

    def loc(self, element):
        """Where ``element`` starts (worked out only if a finding needs it); the file itself for None."""
        return ElementLoc(self.parsed, element) if element is not None else Loc(self.parsed.path)

    def value(self, raw: str | None, element, place: str = "text") -> Value:
        """A Value at ``element``; one holding ``${`` is noted, as written, for the placeholder check, and
        the model gets it as Carbon loads it: with the system properties it knows substituted where
        Carbon substitutes (``place``: "text" of an element, a "parameter"'s text, an "attribute", a WKA
        "member"'s hostName or port)."""
        value = Value(raw, self.loc(element))
        if raw and "${" in raw and place == "member":
            # Axis2 ClusterBuilder.loadWellKnownMembers takes a system property, else an environment variable:
            # not noted for the placeholder check (bps-lint cannot see the environment); unresolved is unknown
            known = self.parsed.properties or {}
            return Value(PLACEHOLDER.sub(lambda m: known.get(m.group(1), m.group(0)), raw), value.loc)
        if raw and "${" in raw:
            self.parsed.placeholders.append(value)
            where, known = self.parsed.substituted, self.parsed.properties
            if where == "text" and place != "attribute" or where == "parameters" and place == "parameter":
                self.parsed.substitutable.add(value.loc)
            else:
                known = None
            if known:
                resolved = PLACEHOLDER.sub(lambda m: known.get(m.group(1), m.group(0)), raw)
                if resolved != raw:
                    return Value(resolved, value.loc)
        return value

    def text(self, element, *names: str, place: str = "text") -> Value:
        found, deepest = descend(element, *names)
        if found is None:
            return Value(None, self.loc(deepest))
        return self.value(found.text or "", found, place)

    def attr(self, element, name: str) -> Value:
        if element is None:
            return Value(None, self.loc(None))
        return self.value(element.get(name), element, "attribute")

    def secret(self, element, *names: str) -> Secret:
        found, deepest = descend(element, *names)
        if found is None:
            return Secret("absent", self.loc(deepest))
        loc = self.loc(found)
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
