"""The SVG picture, the HTML report and the site's example pictures in a real browser.

The report must open from the file system with no console error and no request beyond the file
itself. Needs Debian's chromium and chromium-driver and selenium, like tests/test_site_browser.py;
skipped with a message otherwise. Screenshots go to test-artifacts/ (or $BPS_LINT_ARTIFACTS).
"""

from __future__ import annotations

import json
import os

import pytest

from linter.cli import main
from tests.helpers import REPO, broken_summary

from tests.browser import ARTIFACTS, require, start

webdriver = require()

from selenium.webdriver.common.by import By  # noqa: E402

BROKEN = REPO / "examples" / "broken-cluster"


@pytest.fixture(scope="module")
def browser():
    driver = start("1400,1200", capabilities={"goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}})
    yield driver
    driver.quit()


def _open(driver, path):
    driver.get_log("browser"), driver.get_log("performance")  # forget what earlier pages logged
    driver.get(path.as_uri())
    console = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    return console, requests


def test_svg_renders(browser, tmp_path):
    out = tmp_path / "broken.svg"
    assert main(["graph", str(BROKEN), "--format", "svg", "--output", str(out)]) == 0
    console, requests = _open(browser, out)
    assert console == []
    assert browser.execute_script("return document.documentElement.localName") == "svg"
    boxes = browser.execute_script("return Array.from(document.querySelectorAll('g.box')).map(g => [g.querySelector('text').textContent, g.getBBox().width])")
    assert {title for title, _ in boxes} >= {"manager", "worker1", "worker2", "bps_db", "bps_registry"}
    assert all(width > 50 for _, width in boxes)
    assert browser.execute_script("return document.querySelectorAll('g.arrow.fault').length") >= 5
    browser.save_screenshot(os.path.join(ARTIFACTS, "graph-broken-cluster.png"))


def test_report_opens_offline_and_shows_picture_findings_and_drift(browser, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(BROKEN), "--html", str(out)]) == 1
    console, requests = _open(browser, out)
    assert console == []
    assert requests and all(url.startswith(("file:", "data:")) for url in requests), requests
    picture = browser.find_element(By.CSS_SELECTOR, "section.cluster .picture svg")
    assert picture.is_displayed() and picture.size["width"] > 400
    finding = browser.find_element(By.CSS_SELECTOR, "details[data-node='worker1'] tr[data-rule='BPS101']")
    assert finding.is_displayed() and "<defaultAutoCommit>false</defaultAutoCommit>" in finding.text
    drift = browser.find_element(By.CSS_SELECTOR, "table.drift-table[data-kind='differences']")
    assert "datasource(BPS_DS)/defaultAutoCommit" in drift.text
    browser.execute_script("arguments[0].scrollIntoView()", drift)
    assert drift.is_displayed()
    counts = broken_summary().partition(" in ")[0].split(", ")  # "12 errors", "2 warnings", "1 info"
    assert browser.find_element(By.ID, "summary").text.split("\n") == [*counts, "39 files", "3 nodes", "1 cluster"]
    browser.set_window_size(1400, 1200)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(os.path.join(ARTIFACTS, "report-broken-cluster.png"))


def test_site_shows_both_example_pictures(browser, site):
    _open(browser, site / "views" / "index.html")
    pictures = browser.find_elements(By.CSS_SELECTOR, "article svg.bps-graph")
    assert [p.get_attribute("data-cluster") for p in pictures] == ["examples/cluster", "examples/broken-cluster"]
    assert all(p.is_displayed() and p.size["width"] > 300 for p in pictures)
    clean, broken = pictures
    assert clean.find_elements(By.CSS_SELECTOR, "g.fault") == []
    faulty = broken.find_elements(By.CSS_SELECTOR, "g.box.node.fault")
    assert len(faulty) == 3
    links = [a.get_dom_attribute("href") for a in broken.find_elements(By.CSS_SELECTOR, "g.box a")]
    assert "../rules/BPS207/" in links
    assert all((site / "views" / href / "index.html").resolve().is_file() for href in links)
    browser.execute_script("arguments[0].scrollIntoView()", broken)
    browser.save_screenshot(os.path.join(ARTIFACTS, "site-example-graphs.png"))
