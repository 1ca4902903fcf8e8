"""Namespace-tolerant element lookup that turns XML into located Values."""

from __future__ import annotations

from lxml import etree

from linter.model.types import Secret, Value
from linter.parse.xmlfile import ParsedXml

SECURE_VAULT_NS = "http://org.wso2.securevault/configuration"
DEFAULT_PASSWORDS = frozenset({"admin", "root", "wso2carbon", "password", "changeme", "secret", "123"})


def local(element) -> str | None:
    return etree.QName(element).localname if isinstance(element.tag, str) else None


def children(element, name: str) -> list:
    return [c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == name]


def child(element, name: str):
    for c in element:
        if isinstance(c.tag, str) and etree.QName(c).localname == name:
            return c
    return None


def descend(element, *names: str):
    """The element at ``names`` below ``element`` and the deepest one that exists on the way."""
    current = element
    for name in names:
        nxt = child(current, name)
        if nxt is None:
            return None, current
        current = nxt
    return current, current


class Reader:
    """Reads located values out of one parsed file."""

    def __init__(self, parsed: ParsedXml):
        self.parsed = parsed

    def loc(self, element):
        return self.parsed.loc(element)

    def text(self, element, *names: str) -> Value:
        found, deepest = descend(element, *names)
        if found is None:
            return Value(None, self.loc(deepest))
        return Value(found.text or "", self.loc(found))

    def attr(self, element, name: str) -> Value:
        if element is None:
            return Value(None, self.loc(None))
        return Value(element.get(name), self.loc(element))

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
        return Secret("plaintext", loc, is_default=value.lower() in DEFAULT_PASSWORDS)

    def parameter(self, element, name: str) -> Value:
        """``<parameter name="x">value</parameter>`` below element (axis2 style)."""
        for p in children(element, "parameter"):
            if p.get("name") == name:
                return Value(p.text or "", self.loc(p))
        return Value(None, self.loc(element))
