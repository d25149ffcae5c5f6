"""Fitting a language model on packed token rows with Lightning."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader
from transformers import PreTrainedModel

from mosaic_exp.errors import UserError
from mosaic_exp.training.module import LanguageModelModule
from mosaic_exp.training.progress import TrainingProgressBar
from mosaic_exp.world.config import PretrainConfig

log = logging.getLogger(__name__)

Collate = Callable[[list[torch.Tensor]], dict[str, torch.Tensor]]


def causal_collate(rows: list[torch.Tensor]) -> dict[str, torch.Tensor]:
    """Full rows, every position predicted: labels are the inputs (HF shifts them)."""
    input_ids = torch.stack(rows)
    return {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids), "labels": input_ids.clone()}


def split_rows(rows: torch.Tensor, val_fraction: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The last ``val_fraction`` of rows (at least one) are held out."""
    n_val = max(1, int(round(len(rows) * val_fraction)))
    if len(rows) - n_val < 1:
        raise UserError(f"{len(rows)} training rows are too few to hold out {n_val} for validation")
    return rows[:-n_val], rows[-n_val:]


def fit_language_model(
    model: PreTrainedModel,
    rows: torch.Tensor,
    collate: Collate,
    cfg: PretrainConfig,
    seed: int,
    log_dir: Path,
    causal: bool,
    progress_bar: bool = True,
) -> dict[str, float]:
    """Trains ``model`` in place for ``cfg.max_steps`` steps; returns validation metrics."""
    train_rows, val_rows = split_rows(rows, cfg.val_fraction)
    L.seed_everything(seed, workers=True, verbose=False)
    train = DataLoader(
        train_rows,
        batch_size=min(cfg.batch_size, len(train_rows)),
        shuffle=True,
        drop_last=True,
        collate_fn=collate,
        generator=torch.Generator().manual_seed(seed),
    )
    val = DataLoader(val_rows, batch_size=cfg.batch_size, collate_fn=collate)
    module = LanguageModelModule(
        model,
        lr=cfg.lr,
        weight_decay=cfg.weight_decay,
        warmup_steps=cfg.warmup_steps,
        total_steps=cfg.max_steps,
        causal=causal,
    )
    trainer = L.Trainer(
        accelerator=cfg.accelerator,
        devices=1,
        max_steps=cfg.max_steps,
        max_epochs=-1,
        logger=CSVLogger(str(log_dir), name="", version=""),
        enable_checkpointing=False,
        enable_progress_bar=progress_bar,
        callbacks=[TrainingProgressBar()] if progress_bar else [],
        enable_model_summary=False,
        num_sanity_val_steps=0,
        log_every_n_steps=max(1, min(10, cfg.max_steps)),
    )
    log.info(
        "training %s (%.2fM parameters) for %d steps on %d rows of %d tokens",
        type(model).__name__,
        model.num_parameters() / 1e6,
        cfg.max_steps,
        len(train_rows),
        rows.shape[1],
    )
    trainer.fit(module, train)
    (metrics,) = trainer.validate(module, val, verbose=False)
    model.cpu().eval()
    return {k: float(v) for k, v in metrics.items()}
