"""The metric logger of a fine-tuning run (the ``logger`` group)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import get_class, instantiate
from lightning.pytorch.loggers import Logger, WandbLogger
from omegaconf import DictConfig, OmegaConf


def wandb_grouping() -> dict[str, str]:
    """W&B's ``job_type`` and ``group`` of this run, from Hydra's runtime.

    ``job_type`` is the experiment (``experiment=...``, else the task), so
    that a project's runs can be told apart by setting; the runs of one
    multirun share a ``group`` named after the sweep: the experiment and the
    sweep folder's name (its time, or the fixed folder a resubmitted sweep
    reuses). A single run has no group; outside Hydra's runtime (tests,
    notebooks) neither is set.
    """
    if not HydraConfig.initialized():
        return {}
    hydra = HydraConfig.get()
    choices = hydra.runtime.choices
    job_type = choices.get("experiment") or choices.get("task")
    fields = {"job_type": job_type} if job_type else {}
    if hydra.mode == RunMode.MULTIRUN:
        fields["group"] = "-".join(filter(None, [job_type, Path(hydra.sweep.dir).name]))
    return fields


def build_logger(logger_cfg: DictConfig | None) -> Logger | bool:
    """The configured Lightning logger, or False for ``logger=null``.

    Its folder is made first: W&B silently falls back to the system's temp
    folder when ``save_dir`` does not exist yet. A W&B run's ``group`` and
    ``job_type`` left unset come from :func:`wandb_grouping`.
    """
    if not logger_cfg:
        return False
    Path(logger_cfg.save_dir).mkdir(parents=True, exist_ok=True)
    extra: dict[str, Any] = {}
    if issubclass(get_class(logger_cfg._target_), WandbLogger):
        extra = {k: v for k, v in wandb_grouping().items() if logger_cfg.get(k) is None}
    return instantiate(logger_cfg, **extra)


def log_config(loggers: Iterable[Logger], cfg: DictConfig) -> None:
    """Gives every logger the resolved config: CSV and TensorBoard write it to their
    ``hparams.yaml`` (TensorBoard also to its HPARAMS tab), W&B makes it the run's config."""
    params = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    for logger in loggers:
        logger.log_hyperparams(params)


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
