"""The clustering guide's own snippets, laid over the stock files of two nodes on two machines.

Every finding on a line the guide wrote must be one of the guide's mistakes that the site's runbook
documents; tests/fixtures/guide/README.md says where each snippet comes from.
"""

from __future__ import annotations

import re
import shutil

import pytest

from tests.helpers import REPO, STOCK, lint

GUIDE = REPO / "tests" / "fixtures" / "guide"


def _splice(path, pattern: str, snippet: str) -> None:
    text = path.read_text(encoding="latin-1")
    new, count = re.subn(pattern, lambda _: snippet, text, count=1, flags=re.S)
    assert count == 1, f"{path}: {pattern}"
    path.write_text(new, encoding="latin-1")


@pytest.fixture
def guide_cluster(tmp_path):
    cluster = tmp_path / "guide"
    for number in (1, 2):
        conf = cluster / f"node{number}" / "repository" / "conf"
        shutil.copytree(STOCK, cluster / f"node{number}")
        _splice(conf / "datasources" / "bps-datasources.xml", r"        <datasource>.*?</datasource>\n", (GUIDE / "bps-datasources-BPS_DS.xml").read_text())
        _splice(conf / "datasources" / "master-datasources.xml", r"(?=    </datasources>)", (GUIDE / "master-datasources-registry.xml").read_text())
        _splice(conf / "registry.xml", r"(?<=</dbConfig>\n)", (GUIDE / f"registry-node{number}.xml").read_text())
    (cluster / "bps-lint.toml").write_text('[nodes.node1]\nhost = "10.0.0.1"\n[nodes.node2]\nhost = "10.0.0.2"\n')
    return cluster


@pytest.mark.skipif(not STOCK.is_dir(), reason="the corpus is not beside the repository")
def test_the_guides_snippets_carry_only_the_guides_mistakes(guide_cluster):
    findings = lint(guide_cluster).findings
    on_snippets = {
        (f.rule, f.node, f.loc.path.rsplit("/conf/", 1)[-1])
        for f in findings
        if f.loc.path.endswith(("bps-datasources.xml", "registry.xml")) or "WSO2_REGISTRY_DB" in f.message
    }
    assert on_snippets == {
        # cacheId names REGISTRY_DB (step 1) but the datasource points at WSO2_REGISTRY_DB (step 3)
        ("BPS201", "node1", "registry.xml"),
        ("BPS201", "node2", "registry.xml"),
        # jdbc:mysql://localhost on two machines: each node opens its own database
        ("BPS113", "node1", "datasources/bps-datasources.xml"),
        ("BPS113", "node2", "datasources/bps-datasources.xml"),
        ("BPS113", "node1", "datasources/master-datasources.xml"),
        ("BPS113", "node2", "datasources/master-datasources.xml"),
        # root/root in plaintext (the registry datasource follows the BPS_DS snippet's credentials)
        ("BPS706", "node1", "datasources/bps-datasources.xml"),
        ("BPS706", "node2", "datasources/bps-datasources.xml"),
        ("BPS706", "node1", "datasources/master-datasources.xml"),
        ("BPS706", "node2", "datasources/master-datasources.xml"),
    }
    # The mounts themselves are right: one writable node, every mount resolved, no local database reused.
    assert not {"BPS203", "BPS204", "BPS205", "BPS206", "BPS207", "BPS208", "BPS101", "BPS102"} & {f.rule for f in findings}
