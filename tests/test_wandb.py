"""logger=wandb: a task=train run of the smoke world, as a multirun job, read back from its offline run file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CONF_DIR, compose_config
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import open_dict
from wandb_records import OfflineRun, read_run

from mosaic_exp.mia.attacks import ATTACKS
from mosaic_exp.tasks.train import train
from mosaic_exp.training.dashboard import FIGURE, TABLE_COLUMNS
from mosaic_exp.training.loggers import wandb_grouping

SWEEP = "2026-01-01_00-00-00"
# The attacks the membership callback scores from one forward pass (ratio and lowercase need other passes).
MONITORED = ("loss", "zlib", "min_k", "min_k_plus")


def _hydra_runtime(root: Path, overrides: list[str], mode: RunMode, sweep_dir: Path) -> None:
    """Makes Hydra's runtime config what a job launched by ``run.py`` (``-m`` for a multirun) sees."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"paths.root_dir={root}", *overrides, f"hydra.sweep.dir={sweep_dir}"], return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.mode = mode
    HydraConfig.instance().set_config(cfg)


@pytest.fixture(scope="module")
def wandb_run(smoke_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, OfflineRun]:
    """One fine-tuning run with logger=wandb (offline by default), as job 0 of a multirun."""
    out = tmp_path_factory.mktemp("wandb_run")
    overrides = ["experiment=smoke", "task=train", "logger=wandb", "mia.every_n_steps=10", "trainer.enable_progress_bar=false"]
    _hydra_runtime(smoke_root, overrides, RunMode.MULTIRUN, out / "multiruns" / SWEEP)
    try:
        results = train(compose_config([*overrides, f"paths.output_dir={out}"], root=smoke_root))
    finally:
        HydraConfig.instance().cfg = None
    (log,) = (out / "wandb").glob("offline-run-*/run-*.wandb")
    return results, out, read_run(log)


def test_the_run_holds_the_resolved_config(wandb_run: tuple[dict, Path, OfflineRun]) -> None:
    results, out, run = wandb_run
    assert {"task", "paths", "model", "train", "trainer", "mia", "logger", "callbacks", "seed", "lr", "tags"} <= set(run.config)
    assert run.config["train"]["batch_size"] == 2 and run.config["mia"]["every_n_steps"] == 10
    assert run.config["paths"]["output_dir"] == str(out) and run.config["tags"] == ["smoke"]
    assert run.config["callbacks"]["val_loss"]["every_n_steps"] == 10


def test_every_monitored_attack_and_val_loss_are_series_over_steps(wandb_run: tuple[dict, Path, OfflineRun]) -> None:
    results, _, run = wandb_run
    steps = [h["step"] for h in results["mia_history"]]
    assert steps[0] == 0 and steps[-1] == results["train"]["steps"] and len(steps) >= 3
    for attack in MONITORED:
        key = f"mia/auc_{attack}"
        assert run.steps[key] == steps
        assert run.history[key] == pytest.approx([h[f"auc_{attack}"] for h in results["mia_history"]])
    validation = results["validation"]["history"]
    assert run.steps["val/loss"] == [h["step"] for h in validation] == steps
    assert run.history["val/loss"] == pytest.approx([h["loss"] for h in validation])
    assert run.steps["val/top1"] == run.steps["val/top10"] == steps
    assert run.history["train/loss"]


def test_the_final_attack_table_figure_and_summary(wandb_run: tuple[dict, Path, OfflineRun]) -> None:
    results, out, run = wandb_run
    (table,) = run.history["mia/attacks"]
    assert table["_type"] == "table-file"
    (table_file,) = (out / "wandb").glob(f"offline-run-*/files/{table['path']}")
    saved = json.loads(table_file.read_text())
    assert saved["columns"] == list(TABLE_COLUMNS)
    assert {row[0]: dict(zip(TABLE_COLUMNS[1:], row[1:])) for row in saved["data"]} == results["attacks"]
    assert set(results["attacks"]) == set(ATTACKS)
    (image,) = run.history["mia/auc_over_steps"]
    assert image["_type"] == "images/separated" and image["count"] == 1
    assert (out / FIGURE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run.summary["final/auc_loss"] == results["attacks"]["loss"]["auc"]


def test_multirun_jobs_share_the_sweep_as_group_and_the_experiment_as_job_type(wandb_run: tuple[dict, Path, OfflineRun]) -> None:
    _, _, run = wandb_run
    assert run.run.run_group == f"smoke-{SWEEP}"
    assert run.run.job_type == "smoke"


def test_a_single_run_has_a_job_type_but_no_group(tmp_path: Path) -> None:
    assert wandb_grouping() == {}
    _hydra_runtime(tmp_path, ["task=train"], RunMode.RUN, tmp_path / "sweep")
    try:
        # Without an experiment, the task names the job.
        assert wandb_grouping() == {"job_type": "train"}
    finally:
        HydraConfig.instance().cfg = None
