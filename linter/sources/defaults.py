"""The stock files of the products bps-lint knows, shipped as package data (see linter/_data/products/SOURCES.md)."""

from __future__ import annotations

import functools
import json
import os
import re
import zlib

_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_data", "products")


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, str]]:
    with open(os.path.join(_DIR, "index.json"), encoding="utf-8") as handle:
        return json.load(handle)


def products() -> tuple[str, ...]:
    return tuple(sorted(_index()))


def files(product: str) -> tuple[str, ...]:
    """The conf-relative names shipped for ``product``."""
    return tuple(_index().get(product, {}))


def has(product: str, rel: str) -> bool:
    return rel in _index().get(product, {})


@functools.lru_cache(maxsize=64)
def data(product: str, rel: str) -> bytes | None:
    """The stock bytes of ``rel`` (conf-relative, or ``bin/wso2server.sh``) in ``product``, or None when not shipped."""
    stored = _index().get(product, {}).get(rel)
    if stored is None:
        return None
    with open(os.path.join(_DIR, stored), "rb") as handle:
        return zlib.decompress(handle.read(), wbits=31)  # stored gzip-compressed (SOURCES.md); 31: gzip framing


_VERSION = re.compile(rb"<Version>\s*([^<\s]+)\s*</Version>")


def product_of_version(version: str | None, layout: str | None = None) -> str | None:
    """The product key for a carbon.xml ``<Version>`` (3.6.0 -> bps-3.6.0, 6.6.0 -> ei-6.6.0), or None."""
    if not version:
        return None
    for prefix in ("ei-", "bps-") if layout == "ei-profile" or version.startswith("6.") else ("bps-", "ei-"):
        if prefix + version in _index():
            return prefix + version
    return None


def detect(carbon_xml: bytes | None, layout: str) -> str | None:
    """The product a node runs, from its carbon.xml ``<Version>``, else from the layout (an EI profile is EI 6.6.0)."""
    if carbon_xml:
        found = _VERSION.search(carbon_xml[:8192])
        if found:
            product = product_of_version(found.group(1).decode("ascii", "replace"), layout)
            if product:
                return product
    if layout == "ei-profile":
        return "ei-6.6.0"
    return None
