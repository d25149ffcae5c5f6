"""task=train end to end on the smoke world: outputs, schema and the MIA history."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from mosaic_exp.mia.attacks import ATTACKS
from mosaic_exp.tasks.train import train

from conftest import compose_config


def test_train_writes_results_and_scores(smoke_root: Path, tmp_path: Path) -> None:
    cfg = compose_config(
        ["experiment=smoke", "task=train", "R=2", "mia.every_n_steps=10", f"paths.output_dir={tmp_path}",
         "trainer.enable_progress_bar=false"],
        root=smoke_root,
    )
    results = train(cfg)
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["attacks"] == results["attacks"]
    assert set(saved) >= {"config", "model", "seed", "perturbation", "artifacts", "train", "mia_history", "attacks"}
    assert saved["config"]["R"] == 2 and saved["perturbation"]["R"] == 2
    assert set(saved["attacks"]) == set(ATTACKS)
    for metrics in saved["attacks"].values():
        assert set(metrics) == {"auc", "tpr@1%fpr", "tpr@10%fpr"}
        assert all(0.0 <= v <= 1.0 for v in metrics.values())
    history = saved["mia_history"]
    assert history[0]["step"] == 0 and history[-1]["step"] == saved["train"]["steps"] > 0
    rows = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert len(rows) == cfg.canaries.n_members + cfg.canaries.n_non_members
    assert sum(r["member"] for r in rows) == cfg.canaries.n_members
    logged = list(csv.DictReader((tmp_path / "csv" / "version_0" / "metrics.csv").open()))
    assert any(r.get("mia/auc_loss") for r in logged) and any(r.get("train/loss") for r in logged)
