"""Times `python run.py task=prepare` cold (fresh cache) and warm (cached).

Target: the default tiny world builds offline on a 2-core CPU in at most
5 minutes, and a cached rerun takes seconds. Prints a table with the ratio
budget / measured (>= 1.0 meets the target).

    python benchmarks/prepare_tiny_world.py [extra overrides ...]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLD_BUDGET_S = 300.0
WARM_BUDGET_S = 30.0


def timed_prepare(root: Path, overrides: list[str]) -> float:
    env = {**os.environ, "MOSAIC_ROOT": str(root), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "run.py", "task=prepare", "tiny_world.progress_bar=false", *overrides],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    overrides = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-") as tmp:
        cold = timed_prepare(Path(tmp), overrides)
        warm = timed_prepare(Path(tmp), overrides)
    print(f"{'run':<6} {'seconds':>9} {'budget':>8} {'budget/measured':>16}")
    for name, seconds, budget in [("cold", cold, COLD_BUDGET_S), ("warm", warm, WARM_BUDGET_S)]:
        print(f"{name:<6} {seconds:>9.1f} {budget:>8.0f} {budget / seconds:>16.2f}")


if __name__ == "__main__":
    main()
