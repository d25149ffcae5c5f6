"""task=train end to end on the smoke world: outputs, schema, the MIA and held-out loss
histories, extraction, and the saved model scored again by task=mia."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import compose_config

from mosaic_exp.mia.attacks import ATTACKS
from mosaic_exp.tasks.mia import mia
from mosaic_exp.tasks.train import train

SETTING = [
    "experiment=smoke",
    "R=2",
    "mia.every_n_steps=10",
    "mia.extraction=true",
    "mia.extraction_prefix_length=16",
    "mia.extraction_suffix_length=12",
]


@pytest.fixture(scope="module")
def run(smoke_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """One fine-tuning run that saves its model; its results and output folder."""
    out = tmp_path_factory.mktemp("train_run")
    cfg = compose_config(
        [*SETTING, "task=train", "save_model=true", f"paths.output_dir={out}", "trainer.enable_progress_bar=false"],
        root=smoke_root,
    )
    return train(cfg), out


def _scores(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "scores.jsonl").read_text().splitlines()]


def test_train_writes_results_and_scores(run: tuple[dict, Path]) -> None:
    results, out = run
    cfg = compose_config(SETTING)
    saved = json.loads((out / "results.json").read_text())
    assert saved["attacks"] == results["attacks"]
    assert set(saved) >= {"config", "model", "seed", "perturbation", "artifacts", "train", "mia_history", "attacks"}
    assert saved["config"]["R"] == 2 and saved["perturbation"]["R"] == 2
    assert saved["train"]["processes"] == 1
    assert set(saved["attacks"]) == set(ATTACKS)
    for metrics in saved["attacks"].values():
        assert set(metrics) == {"auc", "auc_std", "auc_ci_low", "auc_ci_high", "tpr@0.1%fpr", "tpr@1%fpr", "tpr@10%fpr"}
        assert all(0.0 <= v <= 1.0 for v in metrics.values())
    history = saved["mia_history"]
    assert history[0]["step"] == 0 and history[-1]["step"] == saved["train"]["steps"] > 0
    rows = _scores(out)
    assert len(rows) == cfg.canaries.n_members + cfg.canaries.n_non_members
    assert sum(r["member"] for r in rows) == cfg.canaries.n_members
    logged = list(csv.DictReader((out / "csv" / "version_0" / "metrics.csv").open()))
    assert any(r.get("mia/auc_loss") for r in logged) and any(r.get("train/loss") for r in logged)


def test_validation_loss_on_the_held_out_pretraining_rows(run: tuple[dict, Path], smoke_world: dict) -> None:
    results, out = run
    validation = results["validation"]
    steps = [h["step"] for h in validation["history"]]
    assert steps == [h["step"] for h in results["mia_history"]]
    assert validation["loss"] == validation["history"][-1]["loss"]
    # Before fine-tuning, the loss is the tiny target's own validation loss from pretraining:
    # the held-out text is exactly the rows the tiny world held out.
    pretrained = json.loads((smoke_world["causal_lm"].path / "metrics.json").read_text())
    assert validation["history"][0]["loss"] == pytest.approx(pretrained["val/loss"], abs=1e-4)
    logged = list(csv.DictReader((out / "csv" / "version_0" / "metrics.csv").open()))
    assert [(int(r["step"]), float(r["val/loss"])) for r in logged if r.get("val/loss")] == [
        (h["step"], pytest.approx(h["loss"])) for h in validation["history"]
    ]


def test_extraction_per_canary_and_per_group(run: tuple[dict, Path]) -> None:
    results, out = run
    rows = _scores(out)
    extraction = results["extraction"]
    assert extraction["prefix_length"] == 16 and extraction["suffix_length"] == 12
    for row in rows:
        values = row["extraction"]
        assert len(values["continuation"]) <= 12
        assert 0.0 <= values["bleu"] <= 1.0 and 0.0 <= values["edit_similarity"] <= 1.0
    for group, member in (("members", True), ("non_members", False)):
        chosen = [r["extraction"]["edit_similarity"] for r in rows if r["member"] == member]
        assert extraction[group]["edit_similarity"] == pytest.approx(sum(chosen) / len(chosen))


def test_saved_model_scored_by_task_mia_gives_the_same_scores(run: tuple[dict, Path], smoke_root: Path, tmp_path: Path) -> None:
    results, out = run
    cfg = compose_config([*SETTING, "task=mia", f"mia.model_path={out / 'model'}", f"paths.output_dir={tmp_path}"], root=smoke_root)
    again = mia(cfg)
    assert (tmp_path / "scores.jsonl").read_text() == (out / "scores.jsonl").read_text()
    assert again["attacks"] == results["attacks"] and again["extraction"] == results["extraction"]
    assert again["model_path"] == str((out / "model").resolve())
    assert again["model"] == results["model"] and again["perturbation"] == results["perturbation"]


def test_task_mia_refuses_a_model_fine_tuned_on_another_setting(run: tuple[dict, Path], smoke_root: Path, tmp_path: Path) -> None:
    _, out = run
    cfg = compose_config([*SETTING, "R=3", "task=mia", f"mia.model_path={out / 'model'}", f"paths.output_dir={tmp_path}"], root=smoke_root)
    with pytest.raises(ValueError, match="other perturbation"):
        mia(cfg)
