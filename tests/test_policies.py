"""Policies are data validated by a schema; a broken one is a clear error naming the file and the field."""

from __future__ import annotations

import marshal
import os
import re
import time
import zlib

import pytest

from linter.evaluate.checks import CHECKS
from linter.evaluate.conditions import CONDITIONS
from linter.evaluate.engine import BUILTIN_RULES, PROBLEM_RULES
from linter.evaluate.policy import PolicyError, load_policies
from tests.helpers import REPO, policies

CONSTRAINTS = REPO.parent / "shared" / "docs" / "wso2-bps-constraints.md"


def test_ids_and_names_are_unique_and_stable():
    ids = [p.id for p in policies()]
    assert len(ids) == len(set(ids)) == len(list((REPO / "policies").glob("*.toml")))
    for policy in policies():
        assert policy.source.endswith(f"/{policy.id}.toml")


def test_every_check_function_is_used_by_exactly_one_policy_named_like_it():
    used = [p.name for p in policies() if p.check.get("kind") == "function"]
    assert sorted(used) == sorted(CHECKS)
    for name, function in CHECKS.items():
        assert function.__name__ == name.replace("-", "_")


def test_builtin_rules_cover_every_file_problem_and_suppressions():
    builtin = {p.name: p.check["builtin"] for p in policies() if "builtin" in p.check}
    assert builtin == {name: stage for name, (stage, _) in BUILTIN_RULES.items()}
    assert set(PROBLEM_RULES.values()) <= set(builtin)


def test_declarative_conditions_exist():
    for policy in policies():
        for name in policy.check.get("when", ()):
            assert name in CONDITIONS


# The guide constraints of the shared domain notes (their labels are ours and never shown to users) and
# the rule that enforces each.
GUIDE_CONSTRAINT_RULES = {
    "K1": "BPS101", "K2": "BPS201", "K3": "BPS502", "K4": "BPS602", "K5": "BPS102",
    "K6": "BPS401", "K7": "BPS305", "K8": "BPS207", "K9": "BPS108", "K10": "BPS404",
}  # fmt: skip


@pytest.mark.skipif(not CONSTRAINTS.is_file(), reason="shared docs not beside the repository")
def test_every_guide_constraint_has_a_rule_that_cites_the_guide():
    labels = set(re.findall(r"^\| (K\d+) \|", CONSTRAINTS.read_text(), re.M))
    assert labels == set(GUIDE_CONSTRAINT_RULES)
    by_id = {p.id: p for p in policies()}
    for rule in GUIDE_CONSTRAINT_RULES.values():
        assert by_id[rule].guide, rule


def test_no_internal_constraint_label_reaches_a_user():
    from linter.docsgen import rule_page
    from linter.explain import render_policy

    label = re.compile(r"\b[KX]\d{1,2}\b")
    for policy in policies():
        shown = rule_page(policy, {}) + render_policy(policy, "https://example.invalid/") + str(policy.check.get("message", ""))
        assert not label.search(shown), (policy.id, label.search(shown).group())


def _extra(tmp_path, text, name="ORG001.toml"):
    folder = tmp_path / "org-policies"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


def _valid_text():
    return (
        (REPO / "policies" / "BPS101.toml")
        .read_text()
        .replace('id = "BPS101"', 'id = "ORG101"')
        .replace('name = "bps-ds-autocommit"', 'name = "org-autocommit"')
    )


def test_an_extra_policy_folder_loads(tmp_path):
    loaded = load_policies([str(_extra(tmp_path, _valid_text()))])
    assert "ORG101" in {p.id for p in loaded}


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda t: t.replace('severity = "error"', 'severity = "fatal"'), "invalid policy at 'severity'"),
        (lambda t: t.replace('name = "org-autocommit"', 'name = "Org_AutoCommit"'), "invalid policy at 'name'"),
        (lambda t: t.replace('title = "BPS_DS must have defaultAutoCommit set to true"\n', ""), "'title' is a required property"),
        (lambda t: t.replace('field = "bps_datasource.default_auto_commit"', 'kind = "function"\nfield = "x"'), "invalid policy at 'check'"),
        (
            lambda t: t.replace('field = "bps_datasource.default_auto_commit"', 'kind = "same"\nfield = "x"'),
            "invalid policy at 'check.kind': 'same' is not one of",
        ),
        (lambda t: t.replace("[check]\n", '[check]\nbuiltin = "suppress"\n'), "invalid policy at 'check'"),
        (lambda t: t.replace('id = "ORG101"', 'id = "BPS101"'), "'BPS101' is already used"),
        (lambda t: t.replace("[check]", "[check"), "not valid TOML"),
    ],
)
def test_broken_policy_names_file_and_field(tmp_path, mutate, message):
    folder = _extra(tmp_path, mutate(_valid_text()))
    with pytest.raises(PolicyError) as info:
        load_policies([str(folder)])
    assert str(folder / "ORG001.toml") in str(info.value)
    assert message in str(info.value)


def test_unknown_check_function_is_named(tmp_path):
    text = re.sub(r"\[check\]\n(.*\n)*?message = .*\n", '[check]\nkind = "function"\n', _valid_text())
    with pytest.raises(PolicyError, match="at 'check.kind': no check function named 'org_autocommit'"):
        load_policies([str(_extra(tmp_path, text))])


def test_a_builtin_rule_the_pipeline_does_not_report_is_refused(tmp_path):
    text = re.sub(r"\[check\]\n(.*\n)*?message = .*\n", '[check]\nbuiltin = "suppress"\n', _valid_text())
    with pytest.raises(PolicyError, match="at 'check.builtin': bps-lint's suppress stage reports no rule named 'org-autocommit'"):
        load_policies([str(_extra(tmp_path, text))])


@pytest.fixture
def policy_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("BPS_LINT_CACHE_DIR", str(folder))
    return folder


def _org_policy(folder, rule_id="ORG001", name="org-rule"):
    folder.mkdir(exist_ok=True)
    text = (REPO / "policies" / "BPS301.toml").read_text()
    text = text.replace('id = "BPS301"', f'id = "{rule_id}"').replace('name = "clustering-enabled"', f'name = "{name}"')
    (folder / f"{rule_id}.toml").write_text(text)
    return folder / f"{rule_id}.toml"


def test_a_second_load_skips_validation(policy_cache, monkeypatch):
    from linter.evaluate import policy as policy_module

    first = load_policies()
    assert len(list(policy_cache.glob("policies-*"))) == 1

    def no_validation():
        raise AssertionError("validated again although nothing changed")

    monkeypatch.setattr(policy_module, "_validator", no_validation)
    assert load_policies() == first


def test_a_changed_policy_is_validated_again(policy_cache, tmp_path):
    path = _org_policy(tmp_path / "org")
    assert "ORG001" in {p.id for p in load_policies([str(tmp_path / "org")])}
    path.write_text(path.read_text().replace('severity = "error"', 'severity = "fatal"'))
    with pytest.raises(PolicyError, match=r"ORG001\.toml: invalid policy at 'severity'"):
        load_policies([str(tmp_path / "org")])


def test_an_edit_of_an_older_file_is_seen_by_its_time(policy_cache, tmp_path):
    """Files older than two seconds count by size, time and inode, not content: an edit changes the time."""
    path = _org_policy(tmp_path / "org")
    long_ago = time.time() - 3600
    os.utime(path, (long_ago, long_ago))
    assert "ORG001" in {p.id for p in load_policies([str(tmp_path / "org")])}
    path.write_text(path.read_text().replace('severity = "error"', 'severity = "fatal"'))  # the same size
    os.utime(path, (long_ago + 60, long_ago + 60))
    with pytest.raises(PolicyError, match=r"ORG001\.toml: invalid policy at 'severity'"):
        load_policies([str(tmp_path / "org")])


def test_a_damaged_cache_file_is_ignored(policy_cache):
    expected = load_policies()
    (cache_file,) = policy_cache.glob("policies-*")
    good = cache_file.read_bytes()
    shapes = ([["elsewhere.toml", {}]], [["x"]], {}, 7)  # checksummed, but not what a run wrote
    damages = [b"", b"not marshal", good[:-9], good[:4] + b"\x00" + good[5:], *(_checksummed(marshal.dumps(s)) for s in shapes)]
    for damage in damages:
        cache_file.write_bytes(damage)
        assert load_policies() == expected


def _checksummed(payload: bytes) -> bytes:
    return zlib.crc32(payload).to_bytes(4, "big") + payload


def test_the_cache_keeps_only_recent_entries(policy_cache, tmp_path):
    from linter.evaluate import policy_cache as cache

    for index in range(cache.FILES_KEPT + 3):
        load_policies([str(_org_policy(tmp_path / f"org{index}", f"ORG{index:03d}", f"org-rule-{index}").parent)])
    assert len(list(policy_cache.glob("policies-*"))) == cache.FILES_KEPT
