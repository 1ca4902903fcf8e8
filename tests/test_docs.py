"""Docs as code: the site builds strictly, its snippets lint as they claim, runbook and rules link both ways, and every help_url lands on a page."""

from __future__ import annotations

import re

import pytest
import yaml

from linter.evaluate.engine import DEFAULT_DOCS_URL, docs_version
from tests.helpers import EXAMPLE_CLUSTER, REPO, engine, lint, materialize, node_file, policies

RUNBOOK = REPO / "docs" / "runbook"
ANNOTATION = re.compile(r"<!-- bps-lint: (?P<args>[^>]*?) -->\s*\n```xml\n(?P<body>.*?)\n```", re.S)
RULE_LINK = re.compile(r"\]\(\.\./rules/(BPS\d{3})\.md\)")


def _snippets():
    for page in sorted(RUNBOOK.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in ANNOTATION.finditer(text):
            args = dict(part.split("=", 1) if "=" in part else (part, "yes") for part in match["args"].split())
            line = text.count("\n", 0, match.start()) + 1
            yield pytest.param(page.name, args, match["body"], id=f"{page.stem}:{line}")


SNIPPETS = list(_snippets())


def test_every_runbook_xml_snippet_is_annotated():
    fences = sum(page.read_text(encoding="utf-8").count("```xml") for page in RUNBOOK.glob("*.md"))
    assert fences == len(SNIPPETS) > 10


@pytest.mark.parametrize("page,args,body", SNIPPETS)
def test_runbook_snippet(page, args, body, tmp_path):
    nodes = args["nodes"].split(",")
    if "excerpt" in args:
        wanted = [line.strip() for line in body.splitlines()]
        for node in nodes:
            lines = [line.strip() for line in node_file(EXAMPLE_CLUSTER, node, args["file"]).read_bytes().decode("latin-1").splitlines()]
            assert any(lines[i : i + len(wanted)] == wanted for i in range(len(lines))), f"{page}: excerpt not found in {node}/{args['file']}"
        return
    cluster = materialize({"files": [{"nodes": nodes, "file": args["file"], "xml": body + "\n"}]}, tmp_path)
    result = lint(cluster)
    if "wrong" in args:
        assert args["wrong"] in {f.rule for f in result.findings}
    else:
        assert [f for f in result.findings if f.severity == "error"] == [], [f"{f.rule} {f.message}" for f in result.findings]


def test_every_rule_names_a_runbook_step_that_links_back(site):
    for policy in policies():
        page, _, anchor = policy.runbook.partition("#")
        source = RUNBOOK / f"{page}.md"
        assert source.is_file(), f"{policy.id}: no runbook page {page}"
        html = (site / "runbook" / page / "index.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in html, f"{policy.id}: no step #{anchor} on {page}"
        assert policy.id in RULE_LINK.findall(source.read_text(encoding="utf-8")), f"{policy.id}: {page}.md does not link back"
        rule_html = (site / "rules" / policy.id / "index.html").read_text(encoding="utf-8")
        assert f'href="../../runbook/{page}/#{anchor}"' in rule_html


def test_every_runbook_page_links_a_rule():
    for page in RUNBOOK.glob("*.md"):
        assert RULE_LINK.search(page.read_text(encoding="utf-8")), f"{page.name} links no rule"


def test_rule_pages_are_generated_from_the_policies(site):
    for policy in policies():
        html = (site / "rules" / policy.id / "index.html").read_text(encoding="utf-8")
        assert f'>{policy.id} {policy.name}<a class="headerlink"' in html
        assert policy.title in html
        with_body = sum(1 for e in policy.examples for f in e["files"] if "state" not in f)
        assert html.count('<span class="filename">') == with_body  # one highlighted block per example file
    index = (site / "rules" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{p.id}/"' in index for p in policies())


def test_help_urls_land_on_built_pages(site):
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    assert config["site_url"] == DEFAULT_DOCS_URL
    versioned = f"{DEFAULT_DOCS_URL}{docs_version()}/"  # mike publishes this build under the version's folder
    for policy in policies():
        url = engine().help_url(policy)
        assert url.startswith(versioned)
        assert (site / url[len(versioned) :] / "index.html").is_file(), url
    for finding in lint(REPO / "examples" / "broken-cluster").findings:
        assert (site / finding.help_url[len(versioned) :] / "index.html").is_file()


def test_usage_page_documents_every_subcommand_and_exit_code():
    text = (REPO / "docs" / "usage.md").read_text(encoding="utf-8")
    for needle in (
        "bps-lint rules",
        "bps-lint explain",
        "bps-lint model",
        "--format json",
        "--docs-url",
        "| 0 |",
        "| 1 |",
        "| 2 |",
        "bps-lint.toml",
        "pre-commit",
    ):
        assert needle in text, needle


def _toml_blocks(page):
    return re.findall(r"```toml\n(.*?)\n```", (REPO / "docs" / page).read_text(encoding="utf-8"), re.S)


def test_documented_config_and_policy_examples_are_valid(tmp_path):
    from linter.config import apply_settings, load_settings
    from linter.evaluate.policy import load_policies

    (config,) = [b for b in _toml_blocks("usage.md") if b.startswith("# Which rules")]
    (policy,) = [b for b in _toml_blocks("usage.md") if b.startswith("# lint-policies/ORG001.toml")]
    (tmp_path / "lint-policies").mkdir()
    (tmp_path / "lint-policies" / "ORG001.toml").write_text(policy)
    (tmp_path / "bps-lint.toml").write_text(config)
    settings = load_settings([str(tmp_path)])
    chosen = apply_settings(load_policies(settings.extra_policies), settings)
    assert "ORG001" not in {p.id for p in chosen}  # select = ["BPS"] leaves it out
    assert {p.id: p.severity for p in chosen}["BPS705"] == "error"
    assert settings.per_path_ignores == {"envs/dev/**": ["BPS705", "BPS706"]}
