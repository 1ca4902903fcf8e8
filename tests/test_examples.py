"""The shipped example clusters: the correct one is clean, the broken one shows the classic mistakes."""

from __future__ import annotations

from tests.helpers import BROKEN_FINDINGS, REPO, lint


def test_correct_cluster_has_no_findings():
    result = lint(REPO / "examples" / "cluster")
    assert result.findings == [] and (result.nodes, result.clusters, result.files) == (3, 1, 39)


def test_broken_cluster_reports_each_planted_mistake():
    result = lint(REPO / "examples" / "broken-cluster")
    found = {(f.rule, f.node, f.loc.path.split("/repository/conf/")[-1].split("/bin/")[-1], f.loc.line) for f in result.findings}
    assert found == BROKEN_FINDINGS
