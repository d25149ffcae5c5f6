"""Runs the task a composed config selects."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from hydra.utils import get_method
from omegaconf import DictConfig, OmegaConf

from mosaic_exp.rerun import finished_results

log = logging.getLogger(__name__)


class _DropTips(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Tip:" not in record.getMessage()


def quiet_libraries() -> None:
    """One log format for everything, and no advice or noise from libraries.

    Lightning installs its own console handler, which doubles every line under
    Hydra's logging; its records still reach Hydra's handlers through the root.
    """
    import datasets
    import lightning.pytorch  # noqa: F401  (imported first so its console handler exists to be removed)
    import transformers

    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(_DropTips())
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    warnings.filterwarnings("ignore", message=".*isinstance\\(treespec, LeafSpec\\).*")
    warnings.filterwarnings("ignore", message=".*defined a `validation_step` but have no `val_dataloader`.*")


def run_task(cfg: DictConfig) -> Any:
    """Calls ``cfg.task._target_`` with the whole config and returns its result.

    Resolving the config first makes every interpolation error (a missing
    environment variable, a typo in `${...}`) surface before work starts. A
    run whose output folder already holds the results of this same config is
    skipped (see :mod:`mosaic_exp.rerun`), which makes re-submitted sweeps resume.
    """
    OmegaConf.resolve(cfg)
    previous = finished_results(cfg)
    if previous is not None:
        log.info("%s already holds the results of this config: skipped (force=true reruns it)", cfg.paths.output_dir)
        return previous
    quiet_libraries()
    task = get_method(cfg.task._target_)
    log.info("task %s", cfg.task.name)
    return task(cfg)
