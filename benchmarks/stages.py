"""Where a fleet run's CPU time goes, stage by stage, without a profiler's distortion.

    python benchmarks/stages.py [--clusters 100] [--repeat 5] [--stock DIR]

One process (--jobs 1) on the benchmark's fleet (benchmarks/generate.py). Each stage's functions are
wrapped with CPU timers that count their own time only (a timed call inside another is taken out of
its caller's), so the stages add up to the run. The wrappers cost about 1 µs a call, a few ms in all;
cProfile (benchmarks/profile_fleet.py) costs far more on Python-heavy code, so use it for the names
of hot functions and this for the shares. Prints the median run of ``--repeat``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from generate import DEFAULT_STOCK, generate  # noqa: E402


def _timers():
    """Wrap each stage's functions; return the table they add to."""
    from linter import run
    from linter.evaluate.engine import Engine
    from linter.model import build, files
    from linter.parse import xmlfile

    spent: dict[str, float] = {}
    callers: list[float] = []
    outside = [0.0]  # what a wrapper costs its caller beyond the time it measures: charged to the wrapper, not the caller

    def timed(stage, function):
        def wrapper(*args, **kwargs):
            start = time.process_time()
            callers.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                took = time.process_time() - start
                inner = callers.pop()
                spent[stage] = spent.get(stage, 0.0) + took - inner
                if callers:
                    callers[-1] += took + outside[0]
                spent["(the timers themselves)"] = spent.get("(the timers themselves)", 0.0) + outside[0]

        return wrapper

    calls = 20_000
    noop = timed("(calibration)", lambda: None)
    start = time.process_time()
    for _ in range(calls):
        noop()
    outside[0] = (time.process_time() - start - spent.pop("(calibration)")) / calls
    spent.clear()

    run.lint_paths = timed("suppressions, redaction, sorting", run.lint_paths)
    run.discover = timed("discovery", run.discover)
    run.build_cluster = timed("model: the rest of building nodes", run.build_cluster)
    build.parse_xml_bytes = xmlfile.parse_xml_bytes = timed("parsing (lxml, DTD and suppression scans)", xmlfile.parse_xml_bytes)
    build.read_bytes = xmlfile.read_bytes = timed("reading files", xmlfile.read_bytes)
    for rel, reader in list(build.READERS.items()):
        wrapped = timed("model: reading values from the trees", reader)
        build.READERS[rel] = wrapped
        setattr(files, reader.__name__, wrapped)  # build_node tells datasources by identity
    files.start_script = timed("start scripts", files.start_script)
    files.start_script_bytes = timed("start scripts", files.start_script_bytes)
    Engine.evaluate = timed("evaluating rules (locating findings too)", Engine.evaluate)
    return spent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stock", default=DEFAULT_STOCK)
    args = parser.parse_args(argv)
    from linter.cli import main as bps_lint

    with tempfile.TemporaryDirectory(prefix="bps-lint-stages-") as tmp:
        fleet = os.path.join(tmp, "fleet")
        generate(fleet, args.clusters, args.stock)
        with contextlib.redirect_stdout(io.StringIO()):
            bps_lint(["--jobs", "1", os.path.join(fleet, "cluster0000")])  # imports and policy cache out of the figures
        spent = _timers()
        runs = []
        for _ in range(max(1, args.repeat)):
            spent.clear()
            start = time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                bps_lint(["--jobs", "1", fleet])
            total = time.process_time() - start
            runs.append((total, {**spent, "reporting and the rest": total - sum(spent.values())}))
    total, stages = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    print(f"{args.clusters} clusters x 3 nodes, one process: {total * 1000:.0f} ms CPU (median of {len(runs)})")
    for stage, seconds in sorted(stages.items(), key=lambda item: -item[1]):
        print(f"  {stage:45s} {seconds * 1000:6.0f} ms  {100 * seconds / total:4.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
