"""Releases: the sdist and the wheel install and run from a clean environment, twine accepts them, the workflows pass
actionlint, the changelog keeps every released rule id, and the site deploys per version with mike."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from linter import __version__
from linter.evaluate.engine import DEFAULT_DOCS_URL, Engine, docs_version
from linter.evaluate.policy import load_rules
from tests.helpers import REPO, lint, policies

BIN = Path(sys.executable).parent  # build, twine, mike, jactionlint and shellcheck come with the test extra
CHANGELOG = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
WORKFLOWS = REPO / ".github" / "workflows"


def _run(args, cwd=REPO, env=None, timeout=600):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})}
    env.pop("PYTHONPATH", None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """``python -m build``: the sdist, then the wheel built from the unpacked sdist (so the sdist is complete)."""
    out = tmp_path_factory.mktemp("dist")
    result = _run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return out


def _one(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def test_the_wheel_carries_the_policies_and_schemas(dist):
    wheel = _one(dist, f"bps_lint-{__version__}-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    bundled = {Path(n).name for n in names if n.startswith("linter/_data/policies/")}
    assert bundled == {p.name for p in (REPO / "policies").glob("*.toml")}
    assert {Path(n).name for n in names if n.startswith("linter/_data/schemas/")} == {p.name for p in (REPO / "schemas").glob("*.json")}
    entry_points = zipfile.ZipFile(wheel).read(f"bps_lint-{__version__}.dist-info/entry_points.txt").decode()
    assert "bps-lint = linter.cli:main" in entry_points
    assert not any(n.startswith(("tests/", "docs/", "policies/")) for n in names)


def test_the_pypi_page_has_no_link_that_only_works_in_the_repository(dist):
    wheel = _one(dist, "*.whl")
    metadata = zipfile.ZipFile(wheel).read(f"bps_lint-{__version__}.dist-info/METADATA").decode()
    description = metadata.split("\n\n", 1)[1]
    assert "## Quick start" in description
    links = re.findall(r"\]\(([^)]+)\)", description)
    assert links and all(link.startswith(("https://", "#")) for link in links), links


def test_the_sdist_carries_what_rebuilds_and_tests_it(dist):
    sdist = _one(dist, f"bps_lint-{__version__}.tar.gz")
    top = f"bps_lint-{__version__}/"
    names = {n[len(top) :] for n in tarfile.open(sdist).getnames()}
    for needed in ("pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE", "mkdocs.yml", "policies/BPS207.toml", "schemas/policy.schema.json"):
        assert needed in names, needed
    assert "tests/test_release.py" in names and "examples/cluster/manager/repository/conf/carbon.xml" in names


def test_twine_check_passes(dist):
    result = _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_the_wheel_installs_in_a_clean_venv_and_lints_from_another_folder(dist, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(_one(dist, "*.whl"))])
    assert pip.returncode == 0, pip.stdout[-2000:] + pip.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"BPS_LINT_CACHE_DIR": str(tmp_path / "cache"), "BPS_LINT_DOCS_URL": ""}
    bps_lint = str(venv / "bin" / "bps-lint")

    where = _run([str(venv / "bin" / "python"), "-c", "import linter.resources as r; print(r.policies_dir())"], cwd=elsewhere, env=env)
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr  # the installed copy, not this checkout
    assert _run([bps_lint, "--version"], cwd=elsewhere, env=env).stdout == f"bps-lint {__version__}\n"
    clean = _run([bps_lint, str(REPO / "examples" / "cluster")], cwd=elsewhere, env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    broken = _run([bps_lint, str(REPO / "examples" / "broken-cluster"), "--format", "json"], cwd=elsewhere, env=env)
    assert broken.returncode == 1, broken.stderr
    findings = json.loads(broken.stdout)["findings"]
    assert {f["rule"] for f in findings} >= {"BPS101", "BPS207"}
    assert all(f["help_url"] == f"{DEFAULT_DOCS_URL}{docs_version()}/rules/{f['rule']}/" for f in findings)
    rules = _run([bps_lint, "rules", "--format", "json"], cwd=elsewhere, env=env)
    assert len(json.loads(rules.stdout)) == len(policies())
    verify = _run([bps_lint, "verify", "-q"], cwd=elsewhere, env=env)  # the examples' cluster ships in the wheel
    assert verify.returncode == 0 and verify.stdout.endswith("behave as they say\n"), verify.stdout + verify.stderr


@pytest.mark.skipif(not os.environ.get("RELEASE_TAG"), reason="only when the release workflow runs on a tag")
def test_the_tag_names_this_version():
    assert os.environ["RELEASE_TAG"] == f"v{__version__}"
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", CHANGELOG, re.M), "the release has no dated changelog entry"


# The changelog: Keep a Changelog, with every rule ever released.

VERSION_HEADING = re.compile(r"^## \[(?P<version>\d+\.\d+\.\d+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.M)
RULE_ENTRY = re.compile(r"^ *- `(?P<id>[A-Z]+\d{3})` `(?P<name>[a-z0-9-]+)`", re.M)


def test_the_changelog_keeps_a_changelog():
    assert CHANGELOG.startswith("# Changelog\n")
    headings = re.findall(r"^## .*$", CHANGELOG, re.M)
    assert headings[0] == "## [Unreleased]"
    versions = [m["version"] for m in VERSION_HEADING.finditer(CHANGELOG)]
    assert len(versions) == len(headings) - 1, "every other section is '## [X.Y.Z] - YYYY-MM-DD'"
    assert versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    assert __version__ in versions or "dev" in __version__, f"no changelog entry for {__version__}"
    for label in ["Unreleased", *versions]:
        assert re.search(rf"^\[{re.escape(label)}\]: https://", CHANGELOG, re.M), f"no link for [{label}]"
    for section in re.findall(r"^### (.+)$", CHANGELOG, re.M):
        assert section in {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, section


def test_every_rule_ever_released_keeps_its_id_and_name():
    rules = load_rules()
    known = {p.id: p.name for p in [*rules.live, *rules.removed]}
    entries = {m["id"]: m["name"] for m in RULE_ENTRY.finditer(CHANGELOG)}
    for rule_id, name in entries.items():
        assert rule_id in known, f"{rule_id} was released: removing it needs a removed-rule policy file, never a deletion"
        assert known[rule_id] == name, f"{rule_id} was released as '{name}', now '{known[rule_id]}'"
    for policy in rules.live:
        assert policy.id in entries, (
            f"{policy.id} is not in CHANGELOG.md: add '- `{policy.id}` `{policy.name}` ({policy.severity}): {policy.title}' under [Unreleased] > Added"
        )


# The published site: one copy per version, and help_url pointing into it.


@pytest.mark.parametrize(
    "version,folder", [("0.1.0", "0.1"), ("0.2.3", "0.2"), ("1.10.0", "1.10"), ("0.2.0.dev0", "dev"), ("1.0.0rc1", "dev"), ("0.3.0+local", "dev")]
)
def test_docs_version(version, folder):
    assert docs_version(version) == folder


def test_help_url_names_the_version_on_the_published_site_only():
    policy = next(p for p in policies() if p.id == "BPS207")
    assert Engine(policies()).help_url(policy) == f"https://bps-lint.github.io/bps-lint/{docs_version()}/rules/BPS207/"
    assert Engine(policies(), "https://bps-lint.github.io/bps-lint").help_url(policy).endswith(f"/bps-lint/{docs_version()}/rules/BPS207/")
    assert Engine(policies(), "https://docs.example.org/lint/0.1").help_url(policy) == "https://docs.example.org/lint/0.1/rules/BPS207/"


def test_mkdocs_uses_mike_and_shows_the_changelog():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["extra"]["version"] == {"provider": "mike", "default": "latest", "alias": True}
    assert (REPO / "docs" / "changelog.md").read_text(encoding="utf-8").rstrip().endswith('--8<-- "CHANGELOG.md"')


@pytest.fixture(scope="module")
def gh_pages(tmp_path_factory):
    """``mike deploy`` of a copy of this checkout, with one rule removed, as the docs workflow runs it on a release."""
    repo = tmp_path_factory.mktemp("site-repo")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("linter", "policies", "schemas", "docs", "examples"):
        shutil.copytree(REPO / folder, repo / folder, ignore=skip)
    for name in ("mkdocs.yml", "CHANGELOG.md"):
        shutil.copy(REPO / name, repo / name)
    (repo / "policies" / "BPS998.toml").write_text(
        'id = "BPS998"\nname = "old-autocommit-check"\ntitle = "BPS_DS auto-commit (the first check)"\nstatus = "removed"\n'
        'removed_in = "0.1.0"\nreason = "It read only the manager\'s datasources file."\nreplaced_by = ["BPS101"]\n'
    )
    git = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for args in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "docs"]):
        subprocess.run(args, cwd=repo, check=True, capture_output=True, env={**os.environ, **git})
    env = {**git, "NO_MKDOCS_2_WARNING": "1"}
    for args in (["deploy", "--update-aliases", docs_version(), "latest"], ["set-default", "latest"]):
        result = _run([str(BIN / "mike"), *args], cwd=repo, env=env)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", "gh-pages"], cwd=repo, capture_output=True, text=True, check=True).stdout.split()

    def show(path):
        return subprocess.run(["git", "show", f"gh-pages:{path}"], cwd=repo, capture_output=True, text=True, check=True).stdout

    return set(files), show


def test_mike_publishes_this_version_with_a_latest_alias(gh_pages):
    files, show = gh_pages
    assert json.loads(show("versions.json")) == [{"version": docs_version(), "title": docs_version(), "aliases": ["latest"]}]
    assert "latest/" in show("index.html")  # the site's root goes to the newest release
    assert '"provider": "mike"' in show(f"{docs_version()}/index.html").replace('":"', '": "')  # the version selector
    assert f"{__version__}" in show(f"{docs_version()}/changelog/index.html")


def test_every_help_url_lands_on_a_page_of_its_version(gh_pages):
    files, _ = gh_pages
    for finding in lint(REPO / "examples" / "broken-cluster").findings:
        assert finding.help_url.startswith(f"{DEFAULT_DOCS_URL}{docs_version()}/")
        assert finding.help_url[len(DEFAULT_DOCS_URL) :] + "index.html" in files, finding.help_url


def test_a_removed_rule_keeps_its_page(gh_pages):
    files, show = gh_pages
    page = show(f"{docs_version()}/rules/BPS998/index.html")
    assert "Removed in 0.1.0" in page and "It read only the manager" in page and 'href="../BPS101/"' in page
    assert 'href="BPS998/"' in show(f"{docs_version()}/rules/index.html")


# The workflows.


def _actionlint(folder: Path):
    return _run([str(BIN / "jactionlint"), "--profile", "correctness", "--strict-exit", "--no-online", "--no-color"], cwd=folder)


def test_the_workflows_pass_actionlint():
    result = _actionlint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "shellcheck was not found" not in result.stdout + result.stderr  # run: scripts are checked too


def test_actionlint_catches_a_broken_workflow(tmp_path):
    shutil.copytree(WORKFLOWS, tmp_path / ".github" / "workflows")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    docs = tmp_path / ".github" / "workflows" / "docs.yml"
    docs.write_text(docs.read_text().replace("${{ inputs.release }}", "${{ inputs.relase }}"))
    result = _actionlint(tmp_path)
    assert result.returncode == 1 and 'property "relase" is not defined' in result.stdout


def test_a_tag_builds_publishes_with_trusted_publishing_and_deploys_the_site():
    release = yaml.safe_load((WORKFLOWS / "release.yml").read_text())
    assert release[True]["push"] == {"tags": ["v*"]}  # YAML 1.1 reads the key 'on' as true
    jobs = release["jobs"]
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"} and publish["environment"]["name"] == "pypi"
    assert any(step.get("uses", "").startswith("pypa/gh-action-pypi-publish@") for step in publish["steps"])
    assert not any("password" in step.get("with", {}) for job in jobs.values() for step in job.get("steps", []))  # no API token
    assert any("tests/test_release.py" in step.get("run", "") for step in jobs["build"]["steps"])
    assert jobs["docs"]["uses"] == "./.github/workflows/docs.yml" and jobs["docs"]["needs"] == "publish"
    deploy = "\n".join(step.get("run", "") for step in yaml.safe_load((WORKFLOWS / "docs.yml").read_text())["jobs"]["deploy"]["steps"])
    assert 'mike deploy --push --update-aliases "$version" latest' in deploy and "mike deploy --push dev" in deploy
