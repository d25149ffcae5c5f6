"""The authors' HF `Trainer` as the benchmarks run it: their arguments, the chunks in book order.

Their `Trainer` shuffles; reading the chunks in order lets a benchmark give it
exactly the batches our path trains on, so both do provably the same work.
"""

from __future__ import annotations

import torch
from torch.utils.data import SequentialSampler
from transformers import Trainer


class InBookOrder(Trainer):
    """The authors' Trainer, reading the chunks in order, keeping each step's loss
    (what it would log with logging_steps=1, without changing its arguments)."""

    losses: list[torch.Tensor]

    def _get_train_sampler(self, *args, **kwargs):
        return SequentialSampler(self.train_dataset)

    def training_step(self, *args, **kwargs):
        loss = super().training_step(*args, **kwargs)
        self.losses.append(loss.detach())
        return loss
