"""mkdocs hook: the pictures and drift tables of the example clusters, drawn at build time by bps-lint itself.

A page asks for one with ``<!-- bps-lint-graph: examples/cluster -->`` (a folder of the repository).
"""

from __future__ import annotations

import os
import re
import sys

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)  # build from a checkout without installing

from linter.views import site_view  # noqa: E402

_MARKER = re.compile(r"<!--\s*bps-lint-(graph|drift):\s*(\S+)\s*-->")


def on_page_markdown(markdown, page, config, files):
    if "bps-lint-" not in markdown:
        return markdown
    depth = page.file.dest_uri.count("/")  # rules/ lies this many folders up

    def replace(match):
        folder = os.path.join(_REPO, match.group(2))
        if not os.path.isdir(folder):
            raise ValueError(f"{page.file.src_uri}: no example cluster at {match.group(2)}")
        return site_view(folder, match.group(1), "../" * depth + "rules/", _REPO)

    return _MARKER.sub(replace, markdown)
