"""pre-commit: changed files map to their whole clusters, and the hook works for real through `pre-commit try-repo`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from linter.discover.layout import HAZELCAST_CONFIGS, OPTIONAL_FILES, REQUIRED_FILES, START_SCRIPTS
from linter.discover.walk import discover
from tests.helpers import EXAMPLE_CLUSTER, REPO, lint, materialize

CARBON = "repository/conf/carbon.xml"


@pytest.fixture
def config_repo(tmp_path):
    """A config repository with a prod cluster (worker1 commits too) and a clean staging cluster."""
    prod = materialize(
        {"files": [{"nodes": ["worker1"], "file": "carbon.xml", "replace": "<AutoCommit>false</AutoCommit>", "with": "<AutoCommit>true</AutoCommit>"}]},
        tmp_path / "work",
    )
    repo = tmp_path / "repo"
    shutil.copytree(prod, repo / "envs" / "prod")
    shutil.copytree(EXAMPLE_CLUSTER, repo / "envs" / "staging")
    (repo / "README.md").write_text("config\n")
    return repo


def test_a_changed_file_checks_its_whole_cluster(config_repo):
    result = lint(config_repo / "envs" / "prod" / "worker1" / CARBON)
    assert result.clusters == 1 and result.nodes == 3
    assert [(f.rule, f.node) for f in result.findings] == [("BPS602", "worker1")]


def test_files_of_one_cluster_lint_it_once(config_repo):
    files = [
        config_repo / "envs/prod/worker1" / CARBON,
        config_repo / "envs/prod/manager/repository/conf/bps.xml",
        config_repo / "envs/prod/worker2/bin/wso2server.sh",
    ]
    result = lint(*files)
    assert result.clusters == 1 and len(result.findings) == 1


def test_a_file_outside_any_node_checks_nothing(config_repo):
    assert discover([str(config_repo / "README.md")]).clusters == []
    result = lint(config_repo / "README.md", config_repo / "envs/staging/worker2" / CARBON)
    assert result.clusters == 1 and result.findings == []


def test_a_changed_manifest_checks_the_clusters_below_it(config_repo):
    (config_repo / "bps-lint.toml").write_text('select = ["BPS6"]\n')
    result = lint(config_repo / "bps-lint.toml")
    assert result.clusters == 2 and [f.rule for f in result.findings] == ["BPS602"]


needs_precommit = pytest.mark.skipif(
    not (shutil.which("pre-commit") and shutil.which("git") and (REPO / ".git").exists()),
    reason="needs pre-commit, git and a git checkout of bps-lint",
)


def _git(repo, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


def _try_repo(repo, pre_commit_home, *args, hook="bps-lint"):
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(["pre-commit", "try-repo", str(REPO), hook, *args], cwd=repo, capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


@needs_precommit
def test_hook_fails_on_a_bad_cluster_and_passes_on_a_good_one(config_repo, pre_commit_home):
    _git(config_repo, "init", "-q")
    _git(config_repo, "add", "-A")
    _git(config_repo, "commit", "-qm", "clusters")
    bad = _try_repo(config_repo, pre_commit_home, "--all-files")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "BPS602 [*] error: AutoCommit is true on worker1" in bad.stdout
    assert bad.stdout.count("BPS602 [*] error") == 1  # the cluster is linted once, not once per file

    carbon = config_repo / "envs/prod/worker1" / CARBON
    carbon.write_text(carbon.read_text(encoding="latin-1").replace("<AutoCommit>true</AutoCommit>", "<AutoCommit>false</AutoCommit>", 1), encoding="latin-1")
    _git(config_repo, "commit", "-qam", "fix")
    good = _try_repo(config_repo, pre_commit_home, "--all-files")
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"^bps-lint\.+Passed$", good.stdout, re.M)


@needs_precommit
def test_fix_hook_fixes_fails_the_commit_that_changed_a_file_and_then_passes(config_repo, pre_commit_home):
    _git(config_repo, "init", "-q")
    _git(config_repo, "add", "-A")
    _git(config_repo, "commit", "-qm", "clusters")
    carbon = config_repo / "envs/prod/worker1" / CARBON
    fixed = _try_repo(config_repo, pre_commit_home, "--all-files", hook="bps-lint-fix")
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout, fixed.stdout + fixed.stderr
    assert "<AutoCommit>false</AutoCommit>" in carbon.read_text(encoding="latin-1")  # the worker stops committing
    _git(config_repo, "commit", "-qam", "fixed")
    again = _try_repo(config_repo, pre_commit_home, "--all-files", hook="bps-lint-fix")
    assert again.returncode == 0, again.stdout + again.stderr


@needs_precommit
def test_hook_on_one_changed_worker_file_still_sees_the_manager(config_repo, pre_commit_home):
    _git(config_repo, "init", "-q")
    _git(config_repo, "add", "-A")
    _git(config_repo, "commit", "-qm", "clusters")
    # Only worker2's carbon.xml changes; the conflict is between worker1 and the manager.
    carbon = config_repo / "envs/prod/worker2" / CARBON
    carbon.write_text(
        carbon.read_text(encoding="latin-1").replace("<HostName>bps.example.com</HostName>", "<HostName>bps.example.org</HostName>"), encoding="latin-1"
    )
    result = _try_repo(config_repo, pre_commit_home, "--files", "envs/prod/worker2/" + CARBON)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BPS602 [*] error: AutoCommit is true on worker1" in result.stdout
    assert "envs/staging" not in result.stdout


def _snippet(text: str) -> dict:
    import yaml

    block = re.search(r"```yaml\n(repos:\n  - repo: https://github.com/bps-lint/bps-lint.*?)```", text, re.S).group(1)
    return yaml.safe_load(block)["repos"][0]


@needs_precommit
def test_the_documented_snippet_works_as_written(config_repo, pre_commit_home, tmp_path):
    """The README's (and usage page's) rev exists, and pre-commit runs the hook at that rev from a clone."""
    readme = _snippet((REPO / "README.md").read_text(encoding="utf-8"))
    usage = _snippet((REPO / "docs" / "usage.md").read_text(encoding="utf-8"))
    assert readme == usage
    rev = readme["rev"]
    assert [hook["id"] for hook in readme["hooks"]] == ["bps-lint"]
    clone = tmp_path / "bps-lint-clone"
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(REPO), str(clone)], check=True, capture_output=True)
    exists = subprocess.run(["git", "-C", str(clone), "cat-file", "-e", f"{rev}^{{commit}}"], capture_output=True)
    assert exists.returncode == 0, f"rev {rev} is not a commit of the repository"
    # the pinned commit has what the README describes: these hooks (their file patterns) and the Action
    pinned = subprocess.run(["git", "-C", str(clone), "show", f"{rev}:.pre-commit-hooks.yaml"], capture_output=True, text=True)
    assert pinned.stdout == (REPO / ".pre-commit-hooks.yaml").read_text(), f"rev {rev} has other hooks than this checkout: pin a newer commit"
    assert subprocess.run(["git", "-C", str(clone), "cat-file", "-e", f"{rev}:action.yml"], capture_output=True).returncode == 0
    for page in (REPO / "README.md", REPO / "docs" / "usage.md"):  # the Action's snippet pins the same commit
        assert set(re.findall(r"uses: bps-lint/bps-lint@(\w+)", page.read_text(encoding="utf-8"))) == {rev}, page
    _git(config_repo, "init", "-q")
    _git(config_repo, "add", "-A")
    _git(config_repo, "commit", "-qm", "clusters")
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never"}
    done = subprocess.run(
        ["pre-commit", "try-repo", str(clone), "bps-lint", "--ref", rev, "--all-files"], cwd=config_repo, capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BPS602 [*] error: AutoCommit is true on worker1" in done.stdout


def test_the_hooks_run_on_bps_sources_not_on_ci_files():
    import re

    import yaml

    for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text()):
        runs = lambda path: bool(re.search(hook["files"], path)) and not re.search(hook.get("exclude", "^$"), path)  # noqa: E731
        assert runs("envs/prod/worker1/repository/conf/axis2/axis2.xml") and runs("k8s/manifests.yaml") and runs("roles/bps/templates/bps.xml.j2")
        assert not runs(".pre-commit-config.yaml") and not runs(".github/workflows/lint.yml") and not runs(".gitlab-ci.yml")
        # every file a rule reads, as it sits in a BPS home or an EI profile
        for rel in REQUIRED_FILES + OPTIONAL_FILES + HAZELCAST_CONFIGS:
            assert runs(f"envs/prod/worker1/repository/conf/{rel}") and runs(f"wso2/business-process/conf/{rel}"), rel
        for script in START_SCRIPTS:
            assert runs(f"envs/prod/worker1/{script}"), script
