"""Linting a fleet in several processes gives exactly what one process gives, and a failing worker is reported."""

from __future__ import annotations

import io
import os
import shutil
import sys
import time

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
def test_findings_kept_for_the_report_share_their_messages_and_element_paths(fleet):
    # A fleet's findings repeat a few hundred messages thousands of times and are all kept until the report is sorted:
    # each process keeps one copy of a message or an element path, however many findings carry it.
    result = lint_paths([str(fleet)], engine(), jobs=2)
    for field in (lambda f: f.message, lambda f: f.loc.element):
        values = [field(f) for f in result.findings if field(f)]
        assert len(values) > 2 * len(set(values))  # the three broken clusters' findings say the same things
        assert len({id(v) for v in values}) <= 2 * len(set(values))  # at most one copy in each process


def _slow_pid(n):
    time.sleep(0.05)  # long enough that every process gets items from the queue
    return n, os.getpid()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_results_come_back_in_order_from_every_process():
    results = workers.map_in_processes(_slow_pid, list(range(9)), jobs=3)
    assert [n for n, _ in results] == list(range(9))
    assert len({pid for _, pid in results}) == 3  # the parent and two children took items from the queue


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_failing_worker_is_an_error_in_the_parent():
    parent = os.getpid()

    def fail_in_child(n):
        time.sleep(0.05)
        if os.getpid() != parent:
            raise ValueError(f"item {n} failed in a worker")
        return n

    with pytest.raises(workers.WorkerError, match=r"ValueError: item \d+ failed in a worker"):
        workers.map_in_processes(fail_in_child, list(range(6)), jobs=2)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_queue_larger_than_its_records_hands_out_chunks(monkeypatch):
    monkeypatch.setattr(workers, "_QUEUE_RECORDS", 4)  # 10 items: chunks of 3
    assert [n for n, _ in workers.map_in_processes(_slow_pid, list(range(10)), jobs=2)] == list(range(10))


def test_small_runs_stay_in_one_process(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    assert workers.choose_jobs(0, 1) == 1
    assert workers.choose_jobs(0, workers.MIN_ITEMS_TO_FORK - 1) == 1
    assert workers.choose_jobs(0, 100) == (2 if hasattr(os, "fork") else 1)
    assert workers.choose_jobs(8, 3) == (3 if hasattr(os, "fork") else 1)  # never more processes than clusters
    assert workers.choose_jobs(1, 100) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_refused_fork_leaves_the_work_to_this_process(monkeypatch):
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    results = workers.map_in_processes(_slow_pid, list(range(4)), jobs=2)
    assert results == [(n, os.getpid()) for n in range(4)]


_COPY = (REPO / "docs" / "sources" / "examples" / "manifests.yaml").read_text().count("\n") + 1  # lines of one copy and its "---"


def _namespaces(count: int, between: bytes = b"") -> bytes:
    """docs/sources/examples/manifests.yaml's cluster in ``count`` namespaces, one stream; ``between`` goes in the middle."""
    docs = [(REPO / "docs" / "sources" / "examples" / "manifests.yaml").read_bytes().replace(b"namespace: wso2", b"namespace: ns%d" % i) for i in range(count)]
    return b"---\n".join(docs[: count // 2] + ([between] if between else []) + docs[count // 2 :])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize(
    "between, clusters, problem",
    [
        (b"", 8, None),
        (b"kind: ConfigMap\nkey: [unclosed\n", 4, (_COPY * 4 + 3, "not valid YAML: did not find expected ',' or ']'")),
        (b'kind: ConfigMap\nkey: "open\n', 4, (_COPY * 4 + 3, "not valid YAML: found unexpected document indicator")),
    ],
)
def test_a_stream_linted_by_two_processes_reports_what_one_reports(monkeypatch, between, clusters, problem):
    """``helm template | bps-lint -``: one cluster per namespace, spread over the processes; lines stay those of the
    whole stream, and invalid YAML stops the reading there (the documents before it are checked)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_namespaces(8, between))))
    one, two = lint_paths(["-"], engine(), jobs=1), lint_paths(["-"], engine(), jobs=2)
    assert _report(two) == _report(one)
    assert one.clusters == clusters
    # the fourth copy's BPS401, three copies after the first's
    assert ("<stdin>", 14 + _COPY * 3, "BPS401") in [(f.loc.path, f.loc.line, f.rule) for f in two.findings if f.cluster == "namespace ns3"]
    if problem:
        assert [(f.loc.line, f.message) for f in two.findings if f.rule == "BPS003"] == [problem]
