"""Validation loss on held-out text while the target is fine-tuned.

The held-out text is the tail of the corpus's ``pretrain`` split, packed the
way the tiny world packs it for pretraining: books joined by EOS, cut into
rows of the fine-tuning chunk length, the last ``fraction`` of rows held out.
No fine-tuning book is in that split, and for the tiny world's causal LM these
are exactly the rows it held out when it was pretrained, so the text is unseen
by both trainings (and, when ``max_rows`` keeps them all, the loss at step 0
equals the ``val/loss`` of its ``metrics.json``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import PreTrainedModel

from mosaic_exp.training.fit import causal_collate, split_rows
from mosaic_exp.training.packing import pack
from mosaic_exp.training.periodic import PeriodicMetric


def held_out_rows(token_lists: Sequence[Sequence[int]], length: int, separator: int, fraction: float, max_rows: int) -> torch.Tensor:
    """The first ``max_rows`` of the held-out tail of the packed ``token_lists``."""
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    _, held_out = split_rows(pack(token_lists, length, separator), fraction)
    return held_out[:max_rows]


@torch.inference_mode()
def held_out_loss(model: PreTrainedModel, rows: torch.Tensor, batch_size: int) -> float:
    """Mean next-token loss over every predicted token of the rows."""
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for start in range(0, len(rows), batch_size):
        batch = {k: v.to(device) for k, v in causal_collate(list(rows[start : start + batch_size])).items()}
        predicted = batch["input_ids"].shape[0] * (batch["input_ids"].shape[1] - 1)
        total += float(model(**batch).loss) * predicted
        count += predicted
    return total / count


class HeldOutLoss(PeriodicMetric):
    """Logs ``val/loss`` on the held-out rows at the start, every
    ``every_n_steps`` optimizer steps and at the end of training."""

    def __init__(self, rows: torch.Tensor, every_n_steps: int = 50, batch_size: int = 8) -> None:
        super().__init__("val/loss", every_n_steps)
        if len(rows) == 0:
            raise ValueError("the validation callback needs at least one held-out row")
        self.rows = rows
        self.batch_size = batch_size

    @property
    def tokens(self) -> int:
        """Predicted tokens per measurement."""
        return int(self.rows.shape[0] * (self.rows.shape[1] - 1))

    def measure(self, model: PreTrainedModel) -> float:
        return held_out_loss(model, self.rows, self.batch_size)
