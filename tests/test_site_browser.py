"""The built site in a real browser: rule pages render, search finds rules by id, runbook and rules link both ways.

Needs Debian's chromium and chromium-driver (``.ci/run`` installs them) and selenium; skipped with a
message otherwise. Screenshots go to test-artifacts/ (or $BPS_LINT_ARTIFACTS).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading

import pytest

from linter.evaluate.engine import DEFAULT_DOCS_URL, docs_version
from tests.helpers import REPO, lint

from tests.browser import ARTIFACTS, require, start

webdriver = require()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url(site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    driver = start("1280,1100", "--disable-quic")
    yield driver
    driver.quit()


def _h1(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "article h1").text.strip()


def _shot(driver, name):
    driver.save_screenshot(os.path.join(ARTIFACTS, f"{name}.png"))


def test_rule_page_renders_title_and_both_examples(browser, base_url):
    browser.get(base_url + "rules/BPS207/")
    assert _h1(browser).startswith("BPS207 single-writable-node")
    assert "Exactly one node, the manager" in browser.find_element(By.CSS_SELECTOR, "article .admonition").text
    visible = [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".tabbed-block pre") if c.is_displayed()]
    assert any("<readOnly>false</readOnly>" in text for text in visible)
    _shot(browser, "rule-BPS207-bad")
    browser.find_element(By.XPATH, "//label[normalize-space()='Good']").click()
    visible = [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".tabbed-block pre") if c.is_displayed()]
    assert any("<readOnly>true</readOnly>" in text for text in visible)
    _shot(browser, "rule-BPS207-good")


@pytest.mark.parametrize("rule", ["BPS305", "BPS101"])
def test_search_finds_a_rule_by_id(browser, base_url, rule):
    browser.get(base_url)
    browser.execute_script("document.querySelector('label[for=__search]').click()")
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    box.send_keys(rule)
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__link"))
    first = browser.find_elements(By.CSS_SELECTOR, ".md-search-result__link")[0].get_attribute("href")
    assert f"/rules/{rule}/" in first
    _shot(browser, f"search-{rule}")


def test_runbook_to_rule_and_back(browser, base_url):
    browser.get(base_url + "runbook/registry/")
    browser.find_element(By.XPATH, "//article//a[normalize-space()='BPS207']").click()
    WebDriverWait(browser, 10).until(lambda d: "/rules/BPS207/" in d.current_url)
    assert _h1(browser).startswith("BPS207")
    _shot(browser, "runbook-to-rule")
    browser.find_element(By.XPATH, "//article//a[contains(., 'One writable node')]").click()
    WebDriverWait(browser, 10).until(lambda d: "/runbook/registry/" in d.current_url)
    assert browser.current_url.endswith("#manager-and-workers")
    assert browser.find_element(By.ID, "manager-and-workers").is_displayed()
    _shot(browser, "rule-to-runbook")


def test_a_findings_link_opens_its_rule(browser, base_url):
    finding = lint(REPO / "examples" / "broken-cluster").findings[0]
    browser.get(base_url + finding.help_url[len(f"{DEFAULT_DOCS_URL}{docs_version()}/") :])  # this build is one version's copy
    assert _h1(browser).startswith(f"{finding.rule} {finding.name}")


def test_rules_index_filter(browser, base_url):
    browser.get(base_url + "rules/")
    browser.find_element(By.ID, "rules-filter").send_keys("depsync")
    rows = [r for r in browser.find_elements(By.CSS_SELECTOR, "article table tbody tr") if r.is_displayed()]
    assert [r.find_element(By.CSS_SELECTOR, "td").text for r in rows] == ["BPS601", "BPS602", "BPS603", "BPS604"]
    _shot(browser, "rules-filter")


def test_guide_correction_is_visible_on_its_page(browser, base_url):
    browser.get(base_url + "runbook/clustering/")
    boxes = [b for b in browser.find_elements(By.CSS_SELECTOR, "article .admonition.warning") if "Correction to the WSO2 guide" in b.text]
    assert any(b.is_displayed() and "membershipSchema" in b.text for b in boxes)
    _shot(browser, "runbook-guide-correction")


def test_complete_files_open_on_click(browser, base_url):
    browser.get(base_url + "runbook/files/")
    summary = browser.find_element(By.XPATH, "//article//summary[normalize-space()='registry.xml, worker1']")
    block = summary.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, "pre")
    assert not block.is_displayed()
    summary.click()
    WebDriverWait(browser, 10).until(lambda d: block.is_displayed())
    assert "<readOnly>true</readOnly>" in block.text
    _shot(browser, "runbook-complete-files")


def test_runbook_index_leads_to_verify_troubleshooting_and_rollback(browser, base_url):
    for link, title in (
        ("14. Verify", "Verify"),
        ("15. Troubleshooting", "Troubleshooting"),
        ("16. Rolling restart and rollback", "Rolling restart and rollback"),
    ):
        browser.get(base_url + "runbook/")
        text = link.partition(" ")[2]
        browser.find_element(By.XPATH, f"//article//td[normalize-space()='{link}']//a[normalize-space()='{text}']").click()
        WebDriverWait(browser, 10).until(lambda d: _h1(d).startswith(title))


PHONE = (390, 844)
DESKTOP = (1280, 1100)


def _at(driver, size, url):
    driver.set_window_size(*size)
    driver.get(url)
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "article h1"))


def _page_overflow(driver) -> int:
    return driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "phone"])
def test_rules_index_fits_and_names_stay_whole(browser, base_url, size):
    _at(browser, size, base_url + "rules/")
    _shot(browser, f"rules-index-{size[0]}")
    assert _page_overflow(browser) <= 0  # the page never scrolls sideways
    table = browser.find_element(By.CSS_SELECTOR, ".bps-rules-index table")
    wrap = browser.execute_script("return arguments[0].closest('.md-typeset__scrollwrap') || arguments[0].parentElement", table)
    if size == DESKTOP:  # at 1280 px the whole table shows, without its own scroll bar
        assert browser.execute_script("return arguments[0].scrollWidth - arguments[0].clientWidth", wrap) <= 0
    names = browser.find_elements(By.CSS_SELECTOR, ".bps-rules-index td:nth-child(2) code")
    assert len(names) > 40
    for code in names:  # one line each: a name is never broken mid-word
        lines = browser.execute_script("return arguments[0].getClientRects().length", code)
        assert lines == 1, code.text
    browser.set_window_size(*DESKTOP)


def test_home_page_sample_is_not_under_a_copy_button(browser, base_url):
    _at(browser, DESKTOP, base_url)
    blocks = browser.find_elements(By.CSS_SELECTOR, "article div.highlight")
    sample = next(b for b in blocks if "BPS101 error" in b.text)
    assert not [b for b in sample.find_elements(By.CSS_SELECTOR, "button.md-clipboard") if b.is_displayed()]
    for block in blocks:  # where there is a button, no line of text runs under it
        buttons = [b for b in block.find_elements(By.CSS_SELECTOR, "button.md-clipboard") if b.is_displayed()]
        if buttons:
            button = buttons[0].rect
            code = block.find_element(By.CSS_SELECTOR, "code")
            first_line_right = browser.execute_script(
                "const r = document.createRange(); r.selectNodeContents(arguments[0]); const rects = Array.from(r.getClientRects());"
                "const top = Math.min(...rects.map(x => x.top)); return Math.max(...rects.filter(x => x.top < top + 4).map(x => x.right));",
                code,
            )
            assert first_line_right <= button["x"] + 1, block.text


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "phone"])
def test_logo_colours_and_meta(browser, base_url, size):
    _at(browser, size, base_url)
    _shot(browser, f"home-{size[0]}")
    assert _page_overflow(browser) <= 0
    logo = browser.find_element(By.CSS_SELECTOR, "link[rel='icon']").get_attribute("href")
    assert logo.endswith("assets/favicon.svg")
    header = browser.find_element(By.CSS_SELECTOR, "header.md-header")
    assert header.value_of_css_property("background-color") == "rgba(15, 110, 110, 1)"  # the project's teal, not the theme's indigo
    description = browser.find_element(By.CSS_SELECTOR, "meta[name='description']").get_attribute("content")
    og = browser.find_element(By.CSS_SELECTOR, "meta[property='og:description']").get_attribute("content")
    assert description == og and "WSO2 BPS" in og
    browser.set_window_size(*DESKTOP)


def test_a_missing_page_gets_the_sites_404(browser, base_url, site):
    # A static server answers 404 with the site's 404.html, as GitHub Pages does.
    browser.get(base_url + "404.html")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "article h1"))
    assert _h1(browser) == "No such page"
    links = {a.text for a in browser.find_elements(By.CSS_SELECTOR, ".bps-404 a")}
    assert links == {"Every rule", "The clustering runbook", "Using bps-lint"}
    # A 404 page is served at any depth, so its links are absolute, below site_url's path (/bps-lint/).
    site_path = DEFAULT_DOCS_URL.split("/", 3)[3]
    for a in browser.find_elements(By.CSS_SELECTOR, ".bps-404 a"):
        assert (site / a.get_attribute("href").removeprefix(base_url).removeprefix(site_path) / "index.html").exists()
