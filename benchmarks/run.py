"""Time bps-lint against the parsing floor on equal cores, and one cluster against a bare lxml import.

    python benchmarks/run.py [--clusters 100] [--repeat 7] [--checkout DIR] [--json benchmarks/out/results.json]

On one generated fleet, in one run, alternating and repeated (median of --repeat runs), wall time
and CPU time (user + system of the process and the workers it waited for):
  1. bps-lint on the whole fleet, as a process;
  2. the floor: a bare Python process that imports lxml, forks as many processes as bps-lint uses
     (one per core, this one included) and parses the same XML files, each process its share;
  3. the same floor in one process (what the figures before this floor compared with);
  4. bps-lint on one 3-node cluster (what a pre-commit run does) against `python -c "import lxml.etree"`.
--checkout DIR times `python -m linter` from another checkout (e.g. the commit before a change);
--compare DIR adds that checkout's runs on the fleet and the cluster, alternating with this one's.
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

# argv: the file listing, the number of processes. The files are dealt out in turn, as evenly as
# bps-lint's queue deals clusters; children are forked after the import, as bps-lint's workers are.
FLOOR = """
import os, sys
from lxml import etree
parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
paths = open(sys.argv[1]).read().split("\\n")
jobs = int(sys.argv[2])
share, children = 0, []
for share in range(1, jobs):
    pid = os.fork()
    if pid == 0:
        break
    children.append(pid)
else:
    share = 0
for path in paths[share::jobs]:
    with open(path, "rb") as handle:
        etree.fromstring(handle.read(), parser)
if share:
    os._exit(0)
for pid in children:
    os.waitpid(pid, 0)
"""


def _bps_lint(checkout: str | None = None) -> tuple[list[str], dict]:
    """The command and environment to time: the installed console script, as users run it, else
    (or with ``checkout``) a checkout's module. A checkout is byte-compiled first: with
    PYTHONDONTWRITEBYTECODE set (as on CI machines) every run would otherwise compile bps-lint from source."""
    from shutil import which

    script = which("bps-lint")
    if script and not checkout:
        return [script], dict(os.environ)
    import compileall

    root = os.path.abspath(checkout or REPO)
    compileall.compile_dir(os.path.join(root, "linter"), quiet=1)
    # -P: `python -m` would otherwise put the working directory (this checkout) ahead of PYTHONPATH, and
    # every checkout compared would run this one's code.
    return [sys.executable, "-P", "-m", "linter"], {**os.environ, "PYTHONPATH": root, "BPS_LINT_CACHE_DIR": os.path.join(HERE, "out", "cache")}


def measure(command: list[str], env=None) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, peak RSS in KiB, exit code) of one process. CPU and RSS come from
    wait4, which counts the process and every child it waited for (bps-lint's workers, the floor's)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode


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
            "max_s": max(s[0] for s in runs),
            "cpu_median_s": statistics.median(s[1] for s in runs),
            "peak_rss_kib": max(s[2] for s in runs),
            "exit_codes": sorted({s[3] for s in runs}),
        }
        for name, runs in samples.items()
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--stock", default=DEFAULT_STOCK)
    parser.add_argument("--checkout", help="time `python -m linter` from this checkout instead of the installed bps-lint")
    parser.add_argument("--compare", help="also time `python -m linter` from this checkout, alternating with the runs above")
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
        lint, env = _bps_lint(args.checkout)
        one_cluster = os.path.join(fleet, "cluster0000")
        sys.path.insert(0, args.checkout or REPO)
        from linter.workers import choose_jobs

        jobs = choose_jobs(0, args.clusters)  # what bps-lint picks for this fleet
        other = []
        if args.compare:  # both checkouts as modules, each on its own PYTHONPATH
            other = ["env", f"PYTHONPATH={os.path.abspath(args.compare)}", *_bps_lint(args.compare)[0]]
            lint = ["env", f"PYTHONPATH={env['PYTHONPATH']}", *lint] if "PYTHONPATH" in env else lint
        fleet_runs = median_runs(
            {
                "bps_lint_fleet": [*lint, fleet],
                "parse_floor_equal_processes": [sys.executable, "-c", FLOOR, listing, str(jobs)],
                "parse_floor_one_process": [sys.executable, "-c", FLOOR, listing, "1"],
                **({"compared_fleet": [*other, fleet]} if other else {}),
            },
            args.repeat,
            env,
        )
        cluster_runs = median_runs(
            {
                "bps_lint_one_cluster": [*lint, one_cluster],
                "bare_lxml_import": [sys.executable, "-c", "import lxml.etree"],
                **({"compared_one_cluster": [*other, one_cluster]} if other else {}),
            },
            args.repeat,
            env,
        )
        memory_runs = median_runs(
            {"bps_lint_10_clusters": [*lint, small], "clean_10_clusters": [*lint, clean_small], "clean_fleet": [*lint, clean_fleet]}, 5, env
        )
    results = {
        "bps_lint": lint,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(), "load_average": os.getloadavg()},
        "processes": jobs,
        "fleet": {"clusters": args.clusters, "nodes": 3 * args.clusters, "xml_files": len(files)},
        "runs": {**fleet_runs, **cluster_runs, **memory_runs},
    }
    runs = results["runs"]
    results["compared"] = args.compare
    results["ratios"] = {
        "fleet_vs_equal_process_floor_wall": runs["bps_lint_fleet"]["median_s"] / runs["parse_floor_equal_processes"]["median_s"],
        "fleet_vs_equal_process_floor_cpu": runs["bps_lint_fleet"]["cpu_median_s"] / runs["parse_floor_equal_processes"]["cpu_median_s"],
        "fleet_vs_one_process_floor_wall": runs["bps_lint_fleet"]["median_s"] / runs["parse_floor_one_process"]["median_s"],
        "one_cluster_vs_lxml_import": runs["bps_lint_one_cluster"]["median_s"] / runs["bare_lxml_import"]["median_s"],
        "peak_rss_clean_fleet_vs_10_clusters": runs["clean_fleet"]["peak_rss_kib"] / runs["clean_10_clusters"]["peak_rss_kib"],
        "peak_rss_fleet_vs_10_clusters": runs["bps_lint_fleet"]["peak_rss_kib"] / runs["bps_lint_10_clusters"]["peak_rss_kib"],
    }
    if args.compare:
        results["ratios"]["compared_fleet_vs_equal_process_floor_wall"] = runs["compared_fleet"]["median_s"] / runs["parse_floor_equal_processes"]["median_s"]
        results["ratios"]["compared_fleet_vs_equal_process_floor_cpu"] = (
            runs["compared_fleet"]["cpu_median_s"] / runs["parse_floor_equal_processes"]["cpu_median_s"]
        )
        results["ratios"]["compared_one_cluster_vs_lxml_import"] = runs["compared_one_cluster"]["median_s"] / runs["bare_lxml_import"]["median_s"]
    # Memory: flat where there is nothing to report; with findings, only the report (about 330 bytes a
    # finding, all of them kept until they are sorted; the text is printed as it is made) may grow.
    results["targets"] = {
        "fleet_vs_equal_process_floor_wall": 1.3,
        "fleet_vs_equal_process_floor_cpu": 1.5,
        "fleet_vs_one_process_floor_wall": None,  # shown for comparison with the figures before the equal-process floor
        "one_cluster_vs_lxml_import": 1.5,
        "peak_rss_clean_fleet_vs_10_clusters": 1.05,
        "peak_rss_fleet_vs_10_clusters": 1.25,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump(results, handle, indent=2)
    print(f"bps-lint: {' '.join(lint)}")
    print(f"fleet: {args.clusters} clusters x 3 nodes, {len(files)} XML files, {jobs} processes; median of {args.repeat} alternating runs")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in results['machine']['load_average'])}")
    for name, run in runs.items():
        print(
            f"  {name:<28} wall {run['median_s'] * 1000:7.1f} ms ({run['min_s'] * 1000:.0f}-{run['max_s'] * 1000:.0f})"
            f"   CPU {run['cpu_median_s'] * 1000:7.1f} ms   peak RSS {run['peak_rss_kib'] / 1024:6.1f} MiB   exit {run['exit_codes']}"
        )
    for name, ratio in results["ratios"].items():
        target = results["targets"].get(name)
        verdict = "" if target is None else f"   (target <= {target}x: {'met' if ratio <= target else 'NOT met'})"
        print(f"  {name:<36} {ratio:5.2f}x{verdict}")
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
