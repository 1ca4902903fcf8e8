"""Every rule's bad example triggers exactly that rule at the stated places; its good example triggers nothing."""

from __future__ import annotations

import os

import pytest

from tests.helpers import lint, materialize, node_file, policies, where

CASES = [pytest.param(policy, example, id=f"{policy.id}-{example['kind']}-{n}") for policy in policies() for n, example in enumerate(policy.examples)]


def test_every_rule_has_a_bad_and_a_good_example():
    for policy in policies():
        kinds = [e["kind"] for e in policy.examples]
        assert "bad" in kinds and "good" in kinds, policy.id
        for example in policy.examples:
            if example["kind"] == "bad":
                assert example.get("expect"), f"{policy.id}: a bad example must say where its findings land"


@pytest.mark.parametrize("policy,example", CASES)
def test_example(policy, example, tmp_path):
    cluster = materialize(example, tmp_path)
    result = lint(cluster)
    if example["kind"] == "good":
        assert result.findings == [], [f"{f.rule} {f.loc} {f.message}" for f in result.findings]
        return
    assert {f.rule for f in result.findings} == {policy.id}, [f"{f.rule} {f.loc} {f.message}" for f in result.findings]
    expected = {(os.path.realpath(node_file(cluster, e["node"], e["file"])), e["line"]) for e in example["expect"]}
    assert {where(f) for f in result.findings} == expected
    for finding in result.findings:
        assert finding.name == policy.name and finding.severity == policy.severity
        assert finding.help_url.endswith(f"/rules/{policy.id}/")
