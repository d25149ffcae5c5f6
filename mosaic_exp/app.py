"""Runs the task a composed config selects."""

from __future__ import annotations

import logging
import os
import socket
import warnings
from typing import Any

from hydra.errors import CompactHydraException
from hydra.utils import get_method
from omegaconf import DictConfig, OmegaConf

from mosaic_exp.config.ranges import check_ranges
from mosaic_exp.errors import UserError
from mosaic_exp.rerun import finished_results

log = logging.getLogger(__name__)


def quiet_libraries(verbose: bool = False) -> None:
    """One log format for everything; libraries' advice only with ``verbose``.

    Lightning installs its own console handler, which doubles every line under
    Hydra's logging; its records still reach Hydra's handlers through the root.
    Its INFO lines (accelerators found, tips, why fit stopped) say nothing a run of
    ours does not, so by default only its warnings show. Hugging Face's download
    bars stay on: a user fetching a 7B model wants to see it move.
    """
    import lightning.pytorch  # noqa: F401  (imported first so its console handler exists to be removed)
    import transformers

    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.INFO if verbose else logging.WARNING)
    if verbose:
        logging.getLogger("mosaic_exp").setLevel(logging.DEBUG)
        transformers.utils.logging.set_verbosity_info()
        return
    warnings.filterwarnings("ignore", message=".*isinstance\\(treespec, LeafSpec\\).*")
    warnings.filterwarnings("ignore", message=".*defined a `validation_step` but have no `val_dataloader`.*")
    # Short runs log at their last step anyway; the advice to lower log_every_n_steps is noise.
    warnings.filterwarnings("ignore", message=".*smaller than the logging interval.*")


def run_task(cfg: DictConfig) -> Any:
    """Calls ``cfg.task._target_`` with the whole config and returns its result.

    Resolving the config first makes every interpolation error (a missing
    environment variable, a typo in `${...}`) surface before work starts, and
    so does every numeric setting outside its schema's range. A
    run whose output folder already holds the results of this same config is
    skipped (see :mod:`mosaic_exp.rerun`), which makes re-submitted sweeps resume.
    """
    OmegaConf.resolve(cfg)
    check_ranges(cfg)
    previous = finished_results(cfg)
    if previous is not None:
        log.info("%s already holds the results of this config: skipped (force=true reruns it)", cfg.paths.output_dir)
        return previous
    quiet_libraries(cfg.verbose)
    task = get_method(cfg.task._target_)
    # A rerun of a failed job appends to the same log: say where this attempt begins.
    log.info("task %s: attempt started on %s (pid %d)", cfg.task.name, socket.gethostname(), os.getpid())
    result = task(cfg)
    log.info("done: this run's config, log and results are in %s; cached artifacts in %s", cfg.paths.output_dir, cfg.paths.cache_dir)
    return result


class TaskStopped(CompactHydraException):
    """A task stopped on a :class:`UserError` that is already logged: Hydra exits 1 and prints no traceback."""


def run_cli(cfg: DictConfig) -> Any:
    """:func:`run_task` for ``run.py``: a :class:`UserError` becomes one logged line and exit status 1.

    ``HYDRA_FULL_ERROR=1`` keeps the traceback (Hydra says so). In a multirun the failed job
    is reported and the other jobs still run, as for any failing job.
    """
    try:
        return run_task(cfg)
    except UserError as err:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        log.error("%s", err)
        raise TaskStopped("stopped on the error above") from None
