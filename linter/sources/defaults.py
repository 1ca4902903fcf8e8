"""The stock files of the products bps-lint knows, shipped as package data (see linter/_data/products/SOURCES.md)."""

from __future__ import annotations

import functools
import os
import re
import zlib

_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_data", "products")


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, str]]:
    """product -> {file as the product names it -> stored copy}, from index.txt (plain lines: every run
    reads it to name the product, and json's import would cost more than the reading)."""
    index: dict[str, dict[str, str]] = {}
    with open(os.path.join(_DIR, "index.txt"), encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and not line.startswith("#"):
                product, rel, stored = line.split()
                index.setdefault(product, {})[rel] = stored
    return index


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


def _of_carbon_xml(carbon_xml: bytes | None, layout: str) -> str | None:
    """The product a carbon.xml ``<Version>`` names, or None (absent, unfiltered like ``${product.version}``, unknown)."""
    found = _VERSION.search(carbon_xml[:8192]) if carbon_xml else None
    return product_of_version(found.group(1).decode("ascii", "replace"), layout) if found else None


def detect(carbon_xml: bytes | None, layout: str) -> str | None:
    """The product a node runs, from its carbon.xml ``<Version>``, else from the layout (an EI profile is EI 6.6.0)."""
    product = _of_carbon_xml(carbon_xml, layout)
    if product is None and layout == "ei-profile":
        return "ei-6.6.0"
    return product


def for_partial_folder(conf_dir: str, layout: str, root: str | None) -> str | None:
    """The product whose stock files stand in for the missing ones of a node folder on disk that lacks some
    of the files bps-lint reads, when its carbon.xml ``<Version>`` names a product bps-lint ships.

    A folder holding every file is checked as it is (None): a whole BPS_HOME is not overlaid, so its
    findings stay what they were. A version that is absent or unknown gives None too; the "file missing"
    findings then say how to name the product."""
    from linter.discover.layout import REQUIRED_FILES
    from linter.parse.xmlfile import read_bytes

    if all(os.path.lexists(os.path.join(conf_dir, rel)) for rel in REQUIRED_FILES):
        return None
    carbon, _ = read_bytes(os.path.join(conf_dir, "carbon.xml"), root)
    return _of_carbon_xml(carbon, layout)
