"""Profile one fleet run in one process with cProfile, and print where the time goes.

    python benchmarks/profile_fleet.py [--clusters 100] [--top 25] [--sort tottime]

One process (--jobs 1) so that every cluster's work shows up in the profile; the fleet is the
benchmark's (benchmarks/generate.py). cProfile adds its own overhead per call, so read the shares,
not the absolute times; benchmarks/run.py gives those.
"""

from __future__ import annotations

import argparse
import cProfile
import contextlib
import io
import os
import pstats
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from generate import DEFAULT_STOCK, generate  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--stock", default=DEFAULT_STOCK)
    args = parser.parse_args(argv)
    from linter.cli import main as bps_lint

    with tempfile.TemporaryDirectory(prefix="bps-lint-profile-") as tmp:
        fleet = os.path.join(tmp, "fleet")
        generate(fleet, args.clusters, args.stock)
        profiler = cProfile.Profile()
        with contextlib.redirect_stdout(io.StringIO()):
            bps_lint(["--jobs", "1", os.path.join(fleet, "cluster0000")])  # imports and policy cache out of the profile
            profiler.runcall(bps_lint, ["--jobs", "1", fleet])
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
