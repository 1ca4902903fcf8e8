"""Shared fixtures."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import REPO


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The documentation site, built once per test run with ``mkdocs build --strict``."""
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(autouse=True, scope="session")
def _private_policy_cache(tmp_path_factory):
    """Tests never read or write the user's ~/.cache/bps-lint."""
    os.environ["BPS_LINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("bps-lint-cache"))
