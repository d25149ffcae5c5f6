"""Monitoring membership inference while the target is fine-tuned."""

from __future__ import annotations

import logging
from typing import Sequence

import lightning as L

from mosaic_exp.metrics.roc import roc_auc
from mosaic_exp.mia.attacks import loss
from mosaic_exp.mia.forward import token_scores

log = logging.getLogger(__name__)


class MembershipAUC(L.Callback):
    """Logs ``mia/auc_loss`` (loss attack, members vs non-members) at the start,
    every ``every_n_steps`` optimizer steps, and at the end of training."""

    def __init__(
        self,
        members: Sequence[Sequence[int]],
        non_members: Sequence[Sequence[int]],
        every_n_steps: int = 50,
        batch_size: int = 32,
        pad_id: int = 0,
    ) -> None:
        if not members or not non_members:
            raise ValueError("the membership callback needs members and non-members")
        self.sequences = [list(s) for s in members] + [list(s) for s in non_members]
        self.labels = [1] * len(members) + [0] * len(non_members)
        self.every_n_steps = every_n_steps
        self.batch_size = batch_size
        self.pad_id = pad_id
        self.history: list[tuple[int, float]] = []
        self._last_step = -1

    def evaluate(self, trainer: L.Trainer, pl_module: L.LightningModule) -> float:
        model = pl_module.model
        was_training = model.training
        model.eval()
        scores = token_scores(model, self.sequences, self.batch_size, pad_id=self.pad_id)
        model.train(was_training)
        auc = roc_auc([loss(s) for s in scores], self.labels)
        step = trainer.global_step
        self.history.append((step, auc))
        self._last_step = step
        for logger in trainer.loggers:
            logger.log_metrics({"mia/auc_loss": auc}, step=step)
        log.info("step %d: loss-attack AUC %.3f", step, auc)
        return auc

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.evaluate(trainer, pl_module)

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: object) -> None:
        step = trainer.global_step
        if self.every_n_steps > 0 and step % self.every_n_steps == 0 and step != self._last_step:
            self.evaluate(trainer, pl_module)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.global_step != self._last_step:
            self.evaluate(trainer, pl_module)
