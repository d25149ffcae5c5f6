"""The training progress bar: Lightning's Rich bar, counting epochs as the run will have them.

Lightning's bar names epochs ``Epoch <index>/<max_epochs - 1>``: "Epoch 0/0"
for a one-epoch fine-tuning, and "Epoch 1/-2" for a run bounded by
``max_steps`` (``max_epochs=-1``, as the tiny world's pretraining), and an
epoch's bar counts every batch even when ``max_steps`` ends training first.
"""

from __future__ import annotations

import math

import lightning as L
from lightning.pytorch.callbacks import RichProgressBar


def planned_epochs(trainer: L.Trainer) -> int | None:
    """Epochs the run will train: ``max_epochs``, or fewer when ``max_steps`` ends it first.

    None when neither bounds it (or an epoch's length is unknown).
    """
    epochs = trainer.max_epochs if trainer.max_epochs is not None and trainer.max_epochs > 0 else None
    batches = trainer.num_training_batches
    if trainer.max_steps > 0 and 0 < batches < math.inf:
        # The last batch of an epoch steps the optimizer even when it ends an incomplete accumulation.
        steps_per_epoch = math.ceil(batches / trainer.accumulate_grad_batches)
        by_steps = math.ceil(trainer.max_steps / steps_per_epoch)
        epochs = by_steps if epochs is None else min(epochs, by_steps)
    return epochs


class TrainingProgressBar(RichProgressBar):
    """Rich's bar described ``Epoch <n>/<planned epochs>`` (from 1), each epoch's total
    the batches it will really train."""

    @property
    def total_train_batches(self) -> int | float:
        total = self.trainer.num_training_batches
        if self.trainer.max_steps > 0:
            remaining = (self.trainer.max_steps - self.trainer.global_step) * self.trainer.accumulate_grad_batches
            total = min(total, remaining)
        return total

    def describe(self, trainer: L.Trainer) -> str:
        """The bar's description for the current epoch."""
        planned = planned_epochs(trainer)
        text = f"Epoch {trainer.current_epoch + 1}" + (f"/{planned}" if planned else "")
        # As Lightning pads it: a description shorter than "Validation" makes the bar flicker.
        return f"{text:{len(self.validation_description)}}"

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_train_epoch_start(trainer, pl_module)
        if self.progress is not None and self.train_progress_bar_id is not None:
            description = self.describe(trainer)
            styled = f"[{self.theme.description}]{description}" if self.theme.description else description
            self.progress.update(self.train_progress_bar_id, description=styled)
            self.refresh()

    def get_metrics(self, trainer: L.Trainer, pl_module: L.LightningModule) -> dict[str, int | str | float | dict[str, float]]:
        """The logged metrics without Lightning's ``v_num`` (the logger's version, not a measurement)."""
        metrics = super().get_metrics(trainer, pl_module)
        metrics.pop("v_num", None)
        return metrics
