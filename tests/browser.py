"""What the browser tests share: Debian's headless Chromium driven by selenium, skipped with a message
where either is missing, and the folder screenshots go to (test-artifacts/ or $BPS_LINT_ARTIFACTS)."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.helpers import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = os.environ.get("BPS_LINT_ARTIFACTS", str(REPO / "test-artifacts"))


def require():
    """selenium's webdriver module; skips the calling test module when there is no browser to drive."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: pip install '.[test]'")
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("no headless browser: install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)", allow_module_level=True)
    return webdriver


def start(window: str, *extra: str, capabilities: dict | None = None):
    """A headless Chromium with nothing running in the background, its window ``window`` ("1280,1100")."""
    from selenium.webdriver.chrome.service import Service

    webdriver = require()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"]
    for flag in [*flags, "--disable-sync", f"--window-size={window}", *extra]:
        options.add_argument(flag)
    for name, value in (capabilities or {}).items():
        options.set_capability(name, value)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    os.makedirs(ARTIFACTS, exist_ok=True)
    return driver
