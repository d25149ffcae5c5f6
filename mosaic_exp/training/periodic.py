"""A metric of the model measured during training at a fixed cadence of optimizer steps."""

from __future__ import annotations

import logging

import lightning as L
from transformers import PreTrainedModel

log = logging.getLogger(__name__)


class PeriodicMetric(L.Callback):
    """Measures ``metric`` at the start of training, every ``every_n_steps``
    optimizer steps and at the end (once per step), logs it to the trainer's
    loggers and keeps ``history`` as ``(step, value)`` pairs.

    Under DDP every rank measures the same synchronized weights (so every
    rank's history is the same); Lightning's loggers only write on rank 0.
    """

    def __init__(self, metric: str, every_n_steps: int) -> None:
        if every_n_steps < 0:
            raise ValueError(f"every_n_steps must be 0 (start and end only) or positive, got {every_n_steps}")
        self.metric = metric
        self.every_n_steps = every_n_steps
        self.history: list[tuple[int, float]] = []

    def measure(self, model: PreTrainedModel) -> float:
        """The metric of ``model`` (in eval mode, on its training device)."""
        raise NotImplementedError

    def _measure_once(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        step = trainer.global_step
        if self.history and self.history[-1][0] == step:
            return
        model = pl_module.model
        was_training = model.training
        model.eval()
        try:
            value = self.measure(model)
        finally:
            model.train(was_training)
        self.history.append((step, value))
        for logger in trainer.loggers:
            logger.log_metrics({self.metric: value}, step=step)
        log.info("step %d: %s %.4f", step, self.metric, value)

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._measure_once(trainer, pl_module)

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: object) -> None:
        if self.every_n_steps > 0 and trainer.global_step % self.every_n_steps == 0:
            self._measure_once(trainer, pl_module)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._measure_once(trainer, pl_module)
