"""Where an added element goes: the place the product's stock file has it (as an element or commented out),
named by the siblings around it there, so an insertion lands where the WSO2 documentation shows it."""

from __future__ import annotations

import functools
import re

from lxml import etree

_FIRST_TAG = re.compile(r"<\s*(?:[\w.\-]+:)?([\w.\-]+)")


def _stock_file(path: str) -> tuple[str, str] | None:
    """(product, conf-relative name) of the stock file ``path`` is a copy of, by the longest matching suffix."""
    from linter.sources import defaults

    normal = path.replace("\\", "/")
    best = None
    for product in sorted(defaults.products(), key=lambda p: (p != "bps-3.6.0", p)):  # the guide's version first
        for rel in defaults.files(product):
            if (normal == rel or normal.endswith("/" + rel)) and (best is None or len(rel) > len(best[1])):
                best = (product, rel)
        if best:
            return best
    return None


def _names(parent) -> list[str]:
    """The local names of ``parent``'s children in order, a comment counting as the element it holds."""
    names = []
    for child in parent:
        if isinstance(child.tag, str):
            names.append(etree.QName(child).localname)
        elif child.tag is etree.Comment:
            found = _FIRST_TAG.search(child.text or "")
            names.append(found.group(1) if found else "")
    return names


@functools.lru_cache(maxsize=256)
def stock_place(path: str, parent: str, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(after, before): the siblings the stock file has before ``<name>`` under ``<parent>``, nearest first, and
    those after it; two empty tuples when the stock file does not have it there."""
    from linter.sources import defaults

    found = _stock_file(path)
    data = defaults.data(*found) if found else None
    if not data:
        return (), ()
    # The package's own stock file, parsed keeping its comments (the linter's parser drops them); no DTD, entities or network.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return (), ()
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).localname != parent:
            continue
        names = _names(element)
        if name in names:
            at = names.index(name)
            after = tuple(n for n in reversed(names[:at]) if n and n != name)
            before = tuple(n for n in names[at + 1 :] if n and n != name)
            return after, before
    return (), ()
