"""``python -m tests.fuzz --cases 10000 --jobs 2``: the full fuzz run (see tests/fuzz/harness.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from tests.fuzz.harness import bases, run_cases


def _slice(args):
    seed, numbers = args
    return run_cases(seed, numbers)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description="Fuzz bps-lint with mutated trees from examples/ and the corpus.")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0, help="number of the first case (to reproduce one: --first N --cases 1)")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    print(f"bases: {', '.join(name for name, _, _ in bases())}", file=sys.stderr)
    numbers = list(range(args.first, args.first + args.cases))
    slices = [(args.seed, numbers[i :: args.jobs]) for i in range(args.jobs)]
    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(_slice, slices))
    failures = sorted(f for failed, _ in outcomes for f in failed)
    figures = {
        "seed": args.seed,
        "cases": sum(f["cases"] for _, f in outcomes),
        "formats": "text, json, sarif, github, junit and model, per case",
        "failures": len(failures),
        "failed_cases": len({f.case for f in failures}),
        "slowest_case_s": max(f["slowest_case_s"] for _, f in outcomes),
        "peak_rss_mb": max(f["peak_rss_mb"] for _, f in outcomes),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    for failure in failures[:200]:
        print(f"case {failure.case}: {failure.what}")
    print(json.dumps(figures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
