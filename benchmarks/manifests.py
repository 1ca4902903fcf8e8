"""A manifest stream of N workloads against N plain node folders holding the same files: the cost per node.

    python benchmarks/manifests.py [--workloads 100] [--repeat 5] [--jobs 1,0] [--compare DIR] [--stock DIR]

Each workload is a StatefulSet (one replica, its own namespace, so each is a one-node cluster as each folder
is) mounting a ConfigMap that holds the stock BPS 3.6.0 files bps-lint reads, as block scalars. The folder
fleet holds the same files on disk, and the two the image brings that a BPS home holds
(datasources/activiti-datasources.xml, bin/wso2server.sh), so that both read the same files; the three
optional files neither holds (activiti.xml, b4p-coordination-config.xml, tomcat/catalina-server.xml) come from
bps-lint's copy of the pack in both. Each is linted by a fresh ``bps-lint`` process (the stream through
``bps-lint -``) with each ``--jobs`` given (0: one process per core), the runs alternating; the median wall
time and the median CPU time (the process and its workers) are printed and written to
benchmarks/out/manifests.json. ``--compare DIR`` times another checkout's bps-lint too (e.g. the commit before
a change), alternating with this one's. Both are byte-compiled first, as an installed bps-lint is.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from linter.discover.layout import REQUIRED_FILES
from run import _bps_lint  # this folder's run.py: the command and environment that time a checkout's bps-lint

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _block(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else "" for line in text.split("\n"))


def stream(stock: str, count: int) -> str:
    conf = os.path.join(stock, "repository", "conf")
    docs = []
    for i in range(count):
        namespace = f"bps{i:04d}"
        for folder in sorted({os.path.dirname(f) for f in REQUIRED_FILES}):
            keys = [f for f in REQUIRED_FILES if os.path.dirname(f) == folder]
            data = "".join(f"  {os.path.basename(k)}: |2\n{_block(open(os.path.join(conf, k), encoding='utf-8').read(), '    ')}\n" for k in keys)
            docs.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf-{folder or 'top'}\n  namespace: {namespace}\ndata:\n{data}")
        mounts = "".join(  # each file with subPath: a mount over a folder would hide the image's other files there
            f"            - name: {os.path.dirname(f) or 'top'}\n              mountPath: /home/wso2carbon/wso2bps-3.6.0/repository/conf/{f}\n"
            f"              subPath: {os.path.basename(f)}\n"
            for f in REQUIRED_FILES
        )
        volumes = "".join(
            f"        - name: {folder or 'top'}\n          configMap:\n            name: conf-{folder or 'top'}\n"
            for folder in sorted({os.path.dirname(f) for f in REQUIRED_FILES})
        )
        docs.append(
            f"apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: bps\n  namespace: {namespace}\nspec:\n  replicas: 1\n  template:\n    spec:\n"
            f"      containers:\n        - name: bps\n          image: wso2/wso2bps:3.6.0\n          volumeMounts:\n{mounts}      volumes:\n{volumes}"
        )
    return "---\n".join(docs)


# What a node of the stream gets from the image (the product's defaults) and a BPS home holds: the folders get them too.
IMAGE_FILES = ("repository/conf/datasources/activiti-datasources.xml", "bin/wso2server.sh")


def folders(stock: str, count: int, dest: str) -> None:
    for i in range(count):
        home = os.path.join(dest, f"c{i:04d}", "bps")
        for rel in [f"repository/conf/{r}" for r in REQUIRED_FILES] + list(IMAGE_FILES):
            os.makedirs(os.path.dirname(os.path.join(home, rel)), exist_ok=True)
            shutil.copyfile(os.path.join(stock, rel), os.path.join(home, rel))


def timed(bps_lint: tuple[list[str], dict], args: list[str], stdin: bytes | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user and system, of the process and the workers it waited for) of one bps-lint run."""
    command, env = bps_lint
    start = time.perf_counter()
    with tempfile.TemporaryFile() as given:
        given.write(stdin or b"")
        given.seek(0)
        process = subprocess.Popen([*command, *args], stdin=given, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=env)
        _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", default="1,0", help="the --jobs values to run with, comma-separated (0: one process per core)")
    parser.add_argument("--compare", help="also time `python -m linter` from this checkout, alternating with this one's")
    parser.add_argument("--stock", default=os.path.join(REPO, "..", "shared", "corpus", "bps-3.6.0-stock"))
    args = parser.parse_args()
    jobs = args.jobs.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        data = stream(args.stock, args.workloads).encode("utf-8")
        folders(args.stock, args.workloads, os.path.join(tmp, "fleet"))
        manifests_dir = os.path.join(tmp, "k8s")
        os.makedirs(manifests_dir)
        with open(os.path.join(manifests_dir, "manifests.yaml"), "wb") as handle:
            handle.write(data)
        kinds = {"stdin": (["-"], data), "manifest folder": ([manifests_dir], None), "plain folders": ([os.path.join(tmp, "fleet")], None)}
        checkouts = {"": _bps_lint(REPO), **({" (compared)": _bps_lint(args.compare)} if args.compare else {})}
        runs: dict[str, list[tuple[float, float]]] = {f"{kind}, --jobs {j}{c}": [] for j in jobs for kind in kinds for c in checkouts}
        for _ in range(args.repeat + 1):  # the first round warms the caches and is dropped
            for j in jobs:
                for kind, (paths, stdin) in kinds.items():
                    for label, bps_lint in checkouts.items():
                        runs[f"{kind}, --jobs {j}{label}"].append(timed(bps_lint, ["--jobs", j, *paths], stdin))
        results = {
            name: {"wall": statistics.median(wall for wall, _ in times[1:]), "cpu": statistics.median(cpu for _, cpu in times[1:])}
            for name, times in runs.items()
        }
    for name, seconds in results.items():
        wall, cpu = seconds["wall"], seconds["cpu"]
        print(f"{name:39} wall {wall:5.2f} s {wall / args.workloads * 1000:5.1f} ms per node   CPU {cpu:5.2f} s {cpu / args.workloads * 1000:5.1f} ms per node")
    os.makedirs(os.path.join(REPO, "benchmarks", "out"), exist_ok=True)
    with open(os.path.join(REPO, "benchmarks", "out", "manifests.json"), "w", encoding="utf-8") as handle:
        json.dump({"workloads": args.workloads, "megabytes": round(len(data) / 1e6, 1), "compared": args.compare, "seconds": results}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
