"""The paper's Figure 1 on the tiny world: does it show the phenomenon, and how long does it take?

Runs `python run.py -m experiment=figure1` (18 fine-tunings: exact nu = 1..10
and fuzzy_mlm R = 1, 5, 10, 15, 20, 25, 50, 75) as a user would, times the whole
sweep, then reads the analysis that the sweep's end-of-run callback wrote and
checks the issue's criteria on the ratio attack:

* the exact AUC rises with nu (Spearman >= 0.8) and AUC(nu = 10) >= 0.85;
* rho falls with R (Spearman <= -0.8);
* the whole sweep takes at most 30 minutes on the 2-core machine.

    MOSAIC_ROOT=/path/with/a/built/tiny/world python benchmarks/figure1_tiny.py [overrides ...]

Finished runs are skipped when the sweep folder already holds them (delete
`$MOSAIC_ROOT/outputs/figure1` to time a full sweep). Not part of the test suite.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
from torchmetrics.functional import spearman_corrcoef

REPO = Path(__file__).resolve().parents[1]
BUDGET_S = 30 * 60
ATTACK = "ratio"


def spearman(x: list[float], y: list[float]) -> float:
    return float(spearman_corrcoef(torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)))


def read(path: Path) -> list[dict]:
    with path.open() as handle:
        return [row for row in csv.DictReader(handle) if row["attack"] == ATTACK]


def main() -> None:
    root = Path(os.environ.get("MOSAIC_ROOT", REPO)).resolve()
    env = {**os.environ, "MOSAIC_ROOT": str(root), "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "run.py", "-m", "experiment=figure1", *sys.argv[1:]], cwd=REPO, env=env, check=True)
    seconds = time.perf_counter() - start

    analysis = root / "outputs" / "figure1" / "analysis"
    exact = sorted((float(r["setting"]), float(r["auc_mean"])) for r in read(analysis / "auc.csv") if r["family"] == "exact")
    fuzzy = sorted((float(r["setting"]), float(r["auc_mean"])) for r in read(analysis / "auc.csv") if r["family"] != "exact")
    rho = sorted((float(r["setting"]), float(r["rho_mean"])) for r in read(analysis / "rho.csv"))

    print(f"\n{'run':<10} {'ratio AUC':>10} {'rho':>6}")
    for nu, auc in exact:
        print(f"{'nu=' + format(nu, 'g'):<10} {auc:>10.3f}")
    rho_of = dict(rho)
    for r, auc in fuzzy:
        print(f"{'R=' + format(r, 'g'):<10} {auc:>10.3f} {rho_of.get(r, float('nan')):>6.2f}")

    checks = [
        ("Spearman(nu, AUC) >= 0.8", spearman(*zip(*exact)) if len(exact) > 2 else float("nan"), lambda v: v >= 0.8),
        ("AUC(nu=10) >= 0.85", dict(exact).get(10.0, float("nan")), lambda v: v >= 0.85),
        ("Spearman(R, rho) <= -0.8", spearman(*zip(*rho)) if len(rho) > 2 else float("nan"), lambda v: v <= -0.8),
        ("sweep minutes <= 30", seconds / 60, lambda v: v <= BUDGET_S / 60),
    ]
    print(f"\n{'criterion':<28} {'value':>8}  verdict")
    for name, value, ok in checks:
        print(f"{name:<28} {value:>8.3f}  {'PASS' if ok(value) else 'FAIL'}")
    print(f"sweep wall time {seconds:.0f} s = {BUDGET_S / seconds:.2f}x under the 30-minute budget; analysis in {analysis}")


if __name__ == "__main__":
    main()
