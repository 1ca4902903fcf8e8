"""Time bps-lint against the parsing floor, and one cluster against a bare lxml import.

    python benchmarks/run.py [--clusters 100] [--repeat 7] [--json benchmarks/out/results.json]

On one generated fleet, in one run, alternating and repeated (median of --repeat runs):
  1. bps-lint on the whole fleet, as a process;
  2. the floor: a bare Python process that imports lxml and parses the same XML files;
  3. bps-lint on one 3-node cluster (what a pre-commit run does) against `python -c "import lxml.etree"`.
Peak memory (max RSS of the process tree) is measured on clean fleets (copies of
examples/cluster, no findings) of 10 and --clusters clusters, to show that it does not grow with
the number of clusters, and on the faulty fleets, where only the report grows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from generate import DEFAULT_STOCK, generate, generate_clean  # noqa: E402

FLOOR = """
import sys
from lxml import etree
parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
for path in open(sys.argv[1]).read().split("\\n"):
    with open(path, "rb") as handle:
        etree.fromstring(handle.read(), parser)
"""


def _bps_lint() -> tuple[list[str], dict]:
    """The command and environment to time: the installed console script, as users run it, else
    the checkout's module. The checkout is byte-compiled first: with PYTHONDONTWRITEBYTECODE set
    (as on CI machines) every run would otherwise compile bps-lint from source."""
    from shutil import which

    script = which("bps-lint")
    if script:
        return [script], dict(os.environ)
    import compileall

    compileall.compile_dir(os.path.join(REPO, "linter"), quiet=1)
    return [sys.executable, "-m", "linter"], {**os.environ, "PYTHONPATH": REPO}


def measure(command: list[str], env=None) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit code) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, process.returncode


def median_runs(commands: dict[str, list[str]], repeat: int, env) -> dict[str, dict]:
    """Run the commands alternately ``repeat`` times (plus one warm-up each); medians per command."""
    for command in commands.values():
        measure(command, env)  # warm the page cache and any bps-lint cache
    samples = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            samples[name].append(measure(command, env))
    return {
        name: {
            "median_s": statistics.median(s[0] for s in runs),
            "min_s": min(s[0] for s in runs),
            "peak_rss_kib": max(s[1] for s in runs),
            "exit_codes": sorted({s[2] for s in runs}),
        }
        for name, runs in samples.items()
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--stock", default=DEFAULT_STOCK)
    parser.add_argument("--json", default=os.path.join(HERE, "out", "results.json"))
    args = parser.parse_args(argv)
    if args.repeat < 5:
        parser.error("--repeat must be at least 5")
    with tempfile.TemporaryDirectory(prefix="bps-lint-bench-") as tmp:
        fleet = os.path.join(tmp, "fleet")
        small = os.path.join(tmp, "small")
        files = generate(fleet, args.clusters, args.stock)
        generate(small, 10, args.stock)
        clean_small, clean_fleet = os.path.join(tmp, "clean-small"), os.path.join(tmp, "clean-fleet")
        generate_clean(clean_small, 10)
        generate_clean(clean_fleet, args.clusters)
        listing = os.path.join(tmp, "files.txt")
        with open(listing, "w") as handle:
            handle.write("\n".join(files))
        lint, env = _bps_lint()
        one_cluster = os.path.join(fleet, "cluster0000")
        fleet_runs = median_runs({"bps_lint_fleet": [*lint, fleet], "parse_floor": [sys.executable, "-c", FLOOR, listing]}, args.repeat, env)
        cluster_runs = median_runs(
            {"bps_lint_one_cluster": [*lint, one_cluster], "bare_lxml_import": [sys.executable, "-c", "import lxml.etree"]}, args.repeat, env
        )
        memory_runs = median_runs(
            {"bps_lint_10_clusters": [*lint, small], "clean_10_clusters": [*lint, clean_small], "clean_fleet": [*lint, clean_fleet]}, 5, env
        )
    results = {
        "bps_lint": lint,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "fleet": {"clusters": args.clusters, "nodes": 3 * args.clusters, "xml_files": len(files)},
        "runs": {**fleet_runs, **cluster_runs, **memory_runs},
    }
    runs = results["runs"]
    results["ratios"] = {
        "fleet_vs_parse_floor": runs["bps_lint_fleet"]["median_s"] / runs["parse_floor"]["median_s"],
        "one_cluster_vs_lxml_import": runs["bps_lint_one_cluster"]["median_s"] / runs["bare_lxml_import"]["median_s"],
        "peak_rss_clean_fleet_vs_10_clusters": runs["clean_fleet"]["peak_rss_kib"] / runs["clean_10_clusters"]["peak_rss_kib"],
        "peak_rss_fleet_vs_10_clusters": runs["bps_lint_fleet"]["peak_rss_kib"] / runs["bps_lint_10_clusters"]["peak_rss_kib"],
    }
    # Memory: flat where there is nothing to report; with findings, only the report (about 2 KB a
    # finding, all of them sorted before printing) may grow.
    results["targets"] = {
        "fleet_vs_parse_floor": 1.3,
        "one_cluster_vs_lxml_import": 2.5,
        "peak_rss_clean_fleet_vs_10_clusters": 1.05,
        "peak_rss_fleet_vs_10_clusters": 1.25,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump(results, handle, indent=2)
    print(f"bps-lint: {' '.join(lint)}")
    print(f"fleet: {args.clusters} clusters x 3 nodes, {len(files)} XML files; median of {args.repeat} alternating runs")
    for name, run in runs.items():
        print(f"  {name:<24} {run['median_s'] * 1000:8.1f} ms   peak RSS {run['peak_rss_kib'] / 1024:6.1f} MiB   exit {run['exit_codes']}")
    for name, ratio in results["ratios"].items():
        target = results["targets"][name]
        print(f"  {name:<32} {ratio:5.2f}x   (target <= {target}x: {'met' if ratio <= target else 'NOT met'})")
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
