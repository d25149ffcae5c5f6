"""Configs of fine-tuning (``conf/train/``), Lightning's Trainer (``conf/trainer/``) and the loggers (``conf/logger/``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mosaic_exp.config.ranges import bounded


@dataclass
class TrainConfig:
    """Fine-tuning the target on the injected books.

    The defaults are the paper's recipe: the authors ran the HF ``Trainer``
    with batch 2 (no accumulation), weight decay 0.01 and every other argument
    at its default (AdamW betas 0.9 / 0.999, eps 1e-8, linear decay to 0
    without warm-up; clipping at norm 1.0 is ``trainer.gradient_clip_val``),
    one epoch of 2048-token chunks that never cross books.
    """

    batch_size: int = bounded(2, ge=1)
    # Tokens per chunk; capped by the model's maximum. Chunks never cross books.
    context_length: int = bounded(2048, ge=2)
    weight_decay: float = bounded(0.01, ge=0)
    warmup_steps: int = bounded(0, ge=0)
    adam_beta1: float = bounded(0.9, ge=0, lt=1)
    adam_beta2: float = bounded(0.999, ge=0, lt=1)
    adam_epsilon: float = bounded(1e-8, gt=0)
    # Chunks in a seeded random order (false: in book order, e.g. to compare with another trainer).
    shuffle: bool = True
    # Train the weights in bfloat16 without fp32 master copies (the original scripts' --reduced-precision).
    # Off by default: most lr-2e-5 updates round away in bf16. Mixed precision is trainer.precision.
    reduced_precision: bool = False
    gradient_checkpointing: bool = False
    compile: bool = False
    # val/loss is measured on the last val_fraction of the corpus's pretraining split, packed into chunks
    # (for the tiny world, the very rows its causal LM held out), at most val_max_rows of them; either at 0
    # turns validation off.
    val_fraction: float = bounded(0.05, ge=0, lt=1)
    val_max_rows: int = bounded(64, ge=0)


@dataclass
class TrainerConfig:
    """Arguments of `lightning.pytorch.Trainer` that experiments set."""

    _target_: str = "lightning.pytorch.Trainer"
    accelerator: str = "auto"
    devices: Any = 1
    num_nodes: int = bounded(1, ge=1)
    strategy: str = "auto"
    precision: str | None = "32-true"
    max_epochs: int | None = 1
    max_steps: int = -1
    accumulate_grad_batches: int = bounded(1, ge=1)
    # The HF Trainer's max_grad_norm default, which the paper's runs used.
    gradient_clip_val: float | None = bounded(1.0, ge=0)
    log_every_n_steps: int = bounded(10, ge=1)
    # Lightning's own validation schedule; the `val_loss` callback (conf/callbacks/) replaces it with
    # validation at the start, every mia.every_n_steps optimizer steps and at the end.
    val_check_interval: float | None = None
    enable_progress_bar: bool = True
    # true prints Lightning's table of layers and parameter counts before training.
    enable_model_summary: bool = False
    enable_checkpointing: bool = False
    deterministic: bool = False
    default_root_dir: str = "${paths.output_dir}"


@dataclass
class CSVLoggerConfig:
    """``logger=csv``: ``<run>/csv/version_0/metrics.csv`` and ``hparams.yaml``."""

    _target_: str = "lightning.pytorch.loggers.CSVLogger"
    save_dir: str = "${paths.output_dir}"
    name: str = "csv"


@dataclass
class TensorBoardLoggerConfig:
    """``logger=tensorboard``: event files and ``hparams.yaml`` in ``<run>/tensorboard/version_0/``."""

    _target_: str = "lightning.pytorch.loggers.TensorBoardLogger"
    save_dir: str = "${paths.output_dir}"
    name: str = "tensorboard"


@dataclass
class WandbLoggerConfig:
    """``logger=wandb``: a W&B run in ``<run>/wandb/``, offline unless ``offline=false``."""

    _target_: str = "lightning.pytorch.loggers.WandbLogger"
    save_dir: str = "${paths.output_dir}"
    project: str = "mosaic-exp"
    entity: str | None = None
    # null: the multirun's sweep (a single run has none); job_type null: the experiment (see training/loggers.py).
    group: str | None = None
    job_type: str | None = None
    name: str | None = None
    # true logs locally only (no account needed); `wandb sync` uploads later.
    offline: bool = True
    tags: list[str] = field(default_factory=list)
