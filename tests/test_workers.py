"""Linting a fleet in several processes gives exactly what one process gives, and a failing worker is reported."""

from __future__ import annotations

import os
import shutil

import pytest

from linter import workers
from linter.run import lint_paths
from tests.helpers import EXAMPLE_CLUSTER, REPO, engine

BROKEN_CLUSTER = REPO / "examples" / "broken-cluster"


@pytest.fixture
def fleet(tmp_path):
    """Six clusters, good and broken alternating, so every process gets both kinds."""
    for index in range(6):
        shutil.copytree(BROKEN_CLUSTER if index % 2 else EXAMPLE_CLUSTER, tmp_path / "envs" / f"env{index}")
    return tmp_path / "envs"


def _report(result):
    return [(f.rule, f.loc.path, f.loc.line, f.loc.column, f.message, f.cluster, f.node) for f in result.findings], (
        result.clusters,
        result.nodes,
        result.files,
        result.cluster_names,
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_two_processes_report_what_one_reports(fleet):
    one = lint_paths([str(fleet)], engine(), jobs=1)
    two = lint_paths([str(fleet)], engine(), jobs=2)
    assert _report(two) == _report(one)
    assert one.clusters == 6 and one.nodes == 18
    assert {os.path.basename(f.cluster) for f in one.findings if f.severity == "error"} == {"env1", "env3", "env5"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_results_come_back_in_order_from_every_process():
    results = workers.map_in_processes(lambda n: (n, os.getpid()), list(range(7)), jobs=3)
    assert [n for n, _ in results] == list(range(7))
    assert len({pid for _, pid in results}) == 3  # the parent and two children did the work


def _fail_on_odd(n):
    if n % 2:
        raise ValueError(f"item {n} is odd")
    return n


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_failing_worker_is_an_error_in_the_parent():
    with pytest.raises(workers.WorkerError, match="ValueError: item 1 is odd"):
        workers.map_in_processes(_fail_on_odd, list(range(4)), jobs=2)


def test_small_runs_stay_in_one_process(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    assert workers.choose_jobs(0, 1) == 1
    assert workers.choose_jobs(0, workers.MIN_ITEMS_TO_FORK - 1) == 1
    assert workers.choose_jobs(0, 100) == (2 if hasattr(os, "fork") else 1)
    assert workers.choose_jobs(8, 3) == (3 if hasattr(os, "fork") else 1)  # never more processes than clusters
    assert workers.choose_jobs(1, 100) == 1
