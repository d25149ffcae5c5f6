"""The metric logger of a fine-tuning run (the ``logger`` group)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hydra.utils import instantiate
from lightning.pytorch.loggers import Logger, WandbLogger
from omegaconf import DictConfig


def build_logger(logger_cfg: DictConfig | None) -> Logger | bool:
    """The configured Lightning logger, or False for ``logger=null``.

    Its folder is made first: W&B silently falls back to the system's temp
    folder when ``save_dir`` does not exist yet.
    """
    if not logger_cfg:
        return False
    Path(logger_cfg.save_dir).mkdir(parents=True, exist_ok=True)
    return instantiate(logger_cfg)


def finish_loggers(loggers: Iterable[Logger]) -> None:
    """Closes what outlives ``Trainer.fit``.

    A W&B run stays open (and the next ``WandbLogger`` of the process would
    write into it) until ``wandb.finish``; its files are only complete once the
    W&B service process has shut down, which ``wandb.teardown`` waits for.
    """
    if any(isinstance(logger, WandbLogger) for logger in loggers):
        import wandb

        wandb.finish()
        wandb.teardown()
