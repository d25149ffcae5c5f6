"""The `logger` group: a two-step fine-tuning writes real CSV, TensorBoard and offline W&B files,
each with the resolved config."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from conftest import compose_config
from hydra.utils import instantiate
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.data import DataLoader

from mosaic_exp.models.loading import load_causal_lm
from mosaic_exp.training.chunks import book_chunks, chunk_rows, collate_chunks
from mosaic_exp.training.held_out import ValidationSchedule, held_out_loader
from mosaic_exp.training.loggers import build_logger, finish_loggers, log_config
from mosaic_exp.training.mia_callback import MembershipAUC
from mosaic_exp.training.module import LanguageModelModule

METRICS = ("train/loss", "mia/auc_loss", "val/loss")


def _train_two_steps(overrides: list[str], smoke_models: dict, root: Path) -> Path:
    """Two optimizer steps with the configured logger; returns the run's output folder."""
    cfg = compose_config(
        [
            "experiment=smoke",
            "trainer=cpu",
            "trainer.max_steps=2",
            "trainer.log_every_n_steps=1",
            "trainer.enable_progress_bar=false",
            *overrides,
        ],
        root=root,
    )
    model, tok = load_causal_lm(cfg.model, smoke_models)
    members = [tok.encode(f"Ba shou trai number {i}. Zeal mon drast pou.") for i in range(4)]
    non_members = [tok.encode(f"Fai sta brio lorn {i}. Tha zou mei.") for i in range(4)]
    data = book_chunks([m * 3 for m in members], length=32, pad_id=tok.pad_token_id)
    callbacks = [MembershipAUC(members, non_members, every_n_steps=1, pad_id=tok.pad_token_id), ValidationSchedule(every_n_steps=1)]
    trainer = instantiate(cfg.trainer, logger=build_logger(cfg.logger), callbacks=callbacks)
    log_config(trainer.loggers, cfg)
    loader = DataLoader(chunk_rows(data), batch_size=2, collate_fn=collate_chunks)
    val_loader = held_out_loader(book_chunks(non_members, 16, tok.pad_token_id)["input_ids"], batch_size=8)
    try:
        trainer.fit(LanguageModelModule(model, lr=1e-2), loader, val_loader)
    finally:
        finish_loggers(trainer.loggers)
    return Path(cfg.paths.output_dir)


def test_tensorboard_writes_an_event_file_with_every_metric(smoke_models: dict, tmp_path: Path) -> None:
    out = _train_two_steps(["logger=tensorboard"], smoke_models, tmp_path)
    (events,) = (out / "tensorboard" / "version_0").glob("events.out.tfevents.*")
    accumulator = EventAccumulator(str(events.parent))
    accumulator.Reload()
    assert set(METRICS) <= set(accumulator.Tags()["scalars"])
    assert [e.step for e in accumulator.Scalars("mia/auc_loss")] == [0, 1, 2]
    assert [e.step for e in accumulator.Scalars("val/loss")] == [0, 1, 2]
    # The resolved config, as the run saw it.
    hparams = yaml.safe_load((out / "tensorboard" / "version_0" / "hparams.yaml").read_text())
    assert hparams["train"]["batch_size"] == 2 and hparams["trainer"]["max_steps"] == 2 and hparams["tags"] == ["smoke"]


def test_csv_writes_every_metric_at_its_step_and_the_config(smoke_models: dict, tmp_path: Path) -> None:
    out = _train_two_steps(["logger=csv"], smoke_models, tmp_path)
    rows = list(csv.DictReader((out / "csv" / "version_0" / "metrics.csv").open()))
    for metric in ("mia/auc_loss", "mia/auc_min_k", "mia/auc_min_k_plus", "val/loss"):
        assert [int(r["step"]) for r in rows if r.get(metric)] == [0, 1, 2]
    hparams = yaml.safe_load((out / "csv" / "version_0" / "hparams.yaml").read_text())
    assert hparams["paths"]["output_dir"] == str(out) and hparams["logger"]["_target_"].endswith("CSVLogger")


@pytest.mark.parametrize("offline", ["logger.offline=true", "WANDB_MODE=offline"])
def test_wandb_offline_run_lives_in_the_output_folder(
    offline: str, smoke_models: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No account: no API key, and offline either by the logger option or by the environment.
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.delenv("WANDB_MODE", raising=False)
    overrides = ["logger=wandb"]
    if offline.startswith("WANDB_MODE"):
        monkeypatch.setenv("WANDB_MODE", "offline")
    else:
        overrides.append(offline)
    out = _train_two_steps(overrides, smoke_models, tmp_path)
    (run,) = (out / "wandb").glob("offline-run-*")
    (log,) = run.glob("run-*.wandb")
    records = log.read_bytes()
    assert [m for m in METRICS if m.encode() not in records] == []
    assert (run / "files").is_dir() and (run / "logs" / "debug.log").is_file()
