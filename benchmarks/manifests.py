"""A manifest stream of N workloads against N plain node folders holding the same files: the cost per node.

    python benchmarks/manifests.py [--workloads 100] [--repeat 5] [--stock DIR]

Each workload is a StatefulSet (one replica, its own namespace, so each is a one-node cluster as each folder
is) mounting a ConfigMap that holds the stock BPS 3.6.0 files bps-lint reads, as block scalars. The folder
fleet holds the same files on disk. Both are linted by a fresh ``bps-lint`` process (the stream through
``bps-lint -``); medians are printed and written to benchmarks/out/manifests.json.
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
        mounts = "".join(
            f"            - name: {folder or 'top'}\n              mountPath: /home/wso2carbon/wso2bps-3.6.0/repository/conf{'/' + folder if folder else ''}\n"
            for folder in sorted({os.path.dirname(f) for f in REQUIRED_FILES})
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


def folders(stock: str, count: int, dest: str) -> None:
    conf = os.path.join(stock, "repository", "conf")
    for i in range(count):
        node = os.path.join(dest, f"c{i:04d}", "bps", "repository", "conf")
        for rel in REQUIRED_FILES:
            os.makedirs(os.path.dirname(os.path.join(node, rel)), exist_ok=True)
            shutil.copyfile(os.path.join(conf, rel), os.path.join(node, rel))


def timed(args: list[str], stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "linter", *args], input=stdin, capture_output=True, cwd=REPO, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stock", default=os.path.join(REPO, "..", "shared", "corpus", "bps-3.6.0-stock"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = stream(args.stock, args.workloads).encode("utf-8")
        folders(args.stock, args.workloads, os.path.join(tmp, "fleet"))
        manifests_dir = os.path.join(tmp, "k8s")
        os.makedirs(manifests_dir)
        with open(os.path.join(manifests_dir, "manifests.yaml"), "wb") as handle:
            handle.write(data)
        runs = {"stdin": [], "manifest folder": [], "plain folders": []}
        for _ in range(args.repeat + 1):  # the first round warms the caches and is dropped
            runs["stdin"].append(timed(["--jobs", "1", "-"], data))
            runs["manifest folder"].append(timed(["--jobs", "1", manifests_dir]))
            runs["plain folders"].append(timed(["--jobs", "1", os.path.join(tmp, "fleet")]))
        results = {name: statistics.median(times[1:]) for name, times in runs.items()}
    for name, seconds in results.items():
        print(f"{name:16} {seconds:6.2f} s   {seconds / args.workloads * 1000:6.1f} ms per node")
    os.makedirs(os.path.join(REPO, "benchmarks", "out"), exist_ok=True)
    with open(os.path.join(REPO, "benchmarks", "out", "manifests.json"), "w", encoding="utf-8") as handle:
        json.dump({"workloads": args.workloads, "megabytes": round(len(data) / 1e6, 1), "seconds": results}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
