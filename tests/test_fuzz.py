"""A short sample of the fuzz run (the full one: ``python -m tests.fuzz``, see README): mutated trees
from examples/ and the corpus, every format, exit 0/1, valid output, no secret, no control character."""

from __future__ import annotations

import os

from tests.fuzz.harness import run_cases

SAMPLE = int(os.environ.get("BPS_LINT_FUZZ_SAMPLE", "200"))


def test_fuzz_sample():
    failures, figures = run_cases(seed=20261126, numbers=range(SAMPLE))
    assert figures["cases"] == SAMPLE
    assert not failures, "\n".join(f"case {f.case} (python -m tests.fuzz --seed 20261126 --first {f.case} --cases 1): {f.what}" for f in failures[:20])
