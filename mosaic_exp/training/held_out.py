"""Validation loss on held-out text while the target is fine-tuned.

The held-out text is the tail of the corpus's ``pretrain`` split, packed the
way the tiny world packs it for pretraining: books joined by EOS, cut into
rows of the fine-tuning chunk length, the last ``fraction`` of rows held out.
No fine-tuning book is in that split, and for the tiny world's causal LM these
are exactly the rows it held out when it was pretrained, so the text is unseen
by both trainings (and, when ``max_rows`` keeps them all, the loss at step 0
equals the ``val/loss`` of its ``metrics.json``).

The rows are Lightning's validation set (:func:`held_out_loader`), scored by
``LanguageModelModule.validation_step``; :class:`ValidationSchedule` makes
Lightning validate at the start, every ``every_n_steps`` optimizer steps and
at the end of training, like the membership callback measures.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import lightning as L
import torch
from lightning.pytorch.trainer.states import TrainerFn
from torch.utils.data import DataLoader, DistributedSampler

from mosaic_exp.training.fit import causal_collate, split_rows
from mosaic_exp.training.packing import pack

log = logging.getLogger(__name__)


def held_out_rows(token_lists: Sequence[Sequence[int]], length: int, separator: int, fraction: float, max_rows: int) -> torch.Tensor:
    """The first ``max_rows`` of the held-out tail of the packed ``token_lists``."""
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    _, held_out = split_rows(pack(token_lists, length, separator), fraction)
    return held_out[:max_rows]


def held_out_loader(rows: torch.Tensor, batch_size: int) -> DataLoader:
    """The validation DataLoader of ``rows``: every position of every row is predicted.

    Every process of a DDP run scores all the rows, as a single process does,
    so ``val/loss`` does not depend on the number of processes: a one-replica
    ``DistributedSampler`` keeps Lightning from splitting the rows (it would
    pad the shares with repeated rows).
    """
    if len(rows) == 0:
        raise ValueError("validation needs at least one held-out row")
    sampler = DistributedSampler(rows, num_replicas=1, rank=0, shuffle=False)
    return DataLoader(list(rows), batch_size=batch_size, sampler=sampler, collate_fn=causal_collate)


def _last_batch(trainer: L.Trainer, batch_idx: int) -> bool:
    """Whether training ends after this batch (its step budget or its last epoch is used up)."""
    if 0 <= trainer.max_steps <= trainer.global_step:
        return True
    epochs = trainer.max_epochs
    return epochs is not None and 0 < epochs <= trainer.current_epoch + 1 and batch_idx + 1 >= trainer.num_training_batches


class ValidationSchedule(L.Callback):
    """Validation at the start of training, every ``every_n_steps`` optimizer steps and at the end.

    It sets Lightning's own schedule when fitting starts: the sanity check
    runs every validation batch (``num_sanity_val_steps=-1``), and that is the
    step-0 measurement; ``val_check_interval`` is ``every_n_steps`` optimizer
    steps in training batches, counted across epochs
    (``check_val_every_n_epoch=None``); and after the last batch it sets
    ``trainer.should_stop``, on which Lightning validates once more (once per
    step: a last step on the interval validates once). ``history`` holds
    ``(step, val/loss)`` pairs, read from the module's ``validation_metrics()``
    (:class:`~mosaic_exp.training.module.LanguageModelModule`).
    """

    def __init__(self, every_n_steps: int = 50) -> None:
        if every_n_steps < 0:
            raise ValueError(f"every_n_steps must be 0 (start and end only) or positive, got {every_n_steps}")
        self.every_n_steps = every_n_steps
        self.history: list[tuple[int, float]] = []

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        if stage != TrainerFn.FITTING:
            return
        trainer.num_sanity_val_steps = float("inf")
        trainer.check_val_every_n_epoch = None
        # Lightning counts the interval in training batches; an optimizer step takes accumulate_grad_batches of
        # them. With every_n_steps=0 no batch count is ever a multiple of sys.maxsize: start and end only.
        trainer.val_check_interval = self.every_n_steps * trainer.accumulate_grad_batches or sys.maxsize

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: object, batch: object, batch_idx: int) -> None:
        if trainer.enable_validation and _last_batch(trainer, batch_idx):
            trainer.should_stop = True

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.state.fn != TrainerFn.FITTING:
            return
        step, metrics = trainer.global_step, pl_module.validation_metrics()
        if trainer.sanity_checking:
            # Lightning logs nothing of its sanity check; here it is the step-0 measurement.
            for logger in trainer.loggers:
                logger.log_metrics(metrics, step=step)
        self.history.append((step, metrics["val/loss"]))
        log.info("step %d: val/loss %.4f", step, metrics["val/loss"])
