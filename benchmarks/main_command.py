"""Wall time of the main command, `python run.py experiment=fuzzy_mlm topk=10`, on a cached tiny world.

Runs the command once untimed (it builds whatever the cache lacks), then
`--repeats` times timed, each a fresh process as a user would start it.
Target: the median within the 3-minute budget (budget / measured >= 1.0).
Run outputs go to the `outputs/` folder of MOSAIC_ROOT; point it at a copy of
a cache you want to keep untouched.

    MOSAIC_ROOT=... python benchmarks/main_command.py [--repeats 3] [--threads N] [extra overrides ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET_S = 180.0
COMMAND = ["run.py", "experiment=fuzzy_mlm", "topk=10"]


def timed_run(overrides: list[str], threads: int | None) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *COMMAND, *overrides], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS of the command (default: unset)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    print(f"MOSAIC_ROOT={os.environ.get('MOSAIC_ROOT', REPO)}; warming the cache ...", flush=True)
    warm = timed_run(args.overrides, args.threads)
    times = []
    for repeat in range(args.repeats):
        times.append(timed_run(args.overrides, args.threads))
        print(f"  run {repeat + 1}: {times[-1]:.1f} s, load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\n`python {' '.join(COMMAND)}`, load averages {os.getloadavg()}")
    print(f"{'run':<16} {'seconds':>8} {'budget':>7} {'budget/measured':>16}")
    print(f"{'first (warm-up)':<16} {warm:>8.1f} {'':>7} {'':>16}")
    for name, seconds in [(f"run {i + 1}", t) for i, t in enumerate(times)] + [("median", statistics.median(times))]:
        print(f"{name:<16} {seconds:>8.1f} {BUDGET_S:>7.0f} {BUDGET_S / seconds:>16.2f}")
    print(f"target median <= {BUDGET_S:.0f} s: {'PASS' if statistics.median(times) <= BUDGET_S else 'FAIL'}")


if __name__ == "__main__":
    main()
