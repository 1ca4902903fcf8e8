"""What the graph, drift and HTML views may print: source lines and values with secret elements, attributes
and flags masked, on top of linter.redact's masking and escaping of every output string."""

from __future__ import annotations

import re

from linter.redact import MASK, clean, is_secret_name

# <tag ...>text</tag> on one line, where the tag or its name="..." attribute names a secret.
_ELEMENT = re.compile(r"<(?P<tag>[\w:.\-]+)(?P<attrs>[^<>]*)>(?P<text>[^<]*)</(?P=tag)\s*>")
_NAME_ATTR = re.compile(r"""\bname\s*=\s*["']([^"']*)["']""")
_ATTR = re.compile(r"""(?P<name>[\w:.\-]+)(?P<eq>\s*=\s*)(?P<q>["'])(?P<value>[^"']*)(?P=q)""")
_SHELL_FLAG = re.compile(r"(?P<flag>-D[\w.\-]+)=(?P<value>\"[^\"]*\"|'[^']*'|\S+)")


def shown(value: str | None) -> str:
    """A non-secret setting's value fit to print: credentials inside URLs masked."""
    return clean(value) if value else (value or "")


def mask_line(line: str) -> str:
    """One source line fit to print: secret element text, secret attributes and -D flags, and URL credentials masked."""

    def element(match: re.Match) -> str:
        named = _NAME_ATTR.search(match.group("attrs"))
        if is_secret_name(match.group("tag")) or (named and is_secret_name(named.group(1))):
            if match.group("text").strip():
                return f"<{match.group('tag')}{_attrs(match.group('attrs'))}>{MASK}</{match.group('tag')}>"
        return f"<{match.group('tag')}{_attrs(match.group('attrs'))}>{match.group('text')}</{match.group('tag')}>"

    def flag(match: re.Match) -> str:
        return f"{match.group('flag')}={MASK}" if is_secret_name(match.group("flag")) else match.group(0)

    line = _ELEMENT.sub(element, line)
    line = _open_tags_attrs(line)
    line = _SHELL_FLAG.sub(flag, line)
    # An element whose text runs to the next line: hide the rest of this one.
    opened = re.search(r"<([\w:.\-]+)([^<>]*)>([^<]+)$", line)
    if opened and (is_secret_name(opened.group(1)) or is_secret_name(" ".join(_NAME_ATTR.findall(opened.group(2))))):
        line = line[: opened.start(3)] + MASK
    return clean(line)


def _attrs(attrs: str) -> str:
    def one(match: re.Match) -> str:
        if is_secret_name(match.group("name")) and match.group("value"):
            return f"{match.group('name')}{match.group('eq')}{match.group('q')}{MASK}{match.group('q')}"
        return match.group(0)

    return _ATTR.sub(one, attrs)


def _open_tags_attrs(line: str) -> str:
    """Secret attributes of every start tag on the line (``password="..."``, ``svnPassword='...'``)."""
    return re.sub(r"<[\w:.\-]+[^<>]*>", lambda m: _attrs(m.group(0)), line)
