"""Monitoring membership inference while the target is fine-tuned."""

from __future__ import annotations

from collections.abc import Sequence

from transformers import PreTrainedModel

from mosaic_exp.metrics.roc import roc_auc
from mosaic_exp.mia.attacks import loss
from mosaic_exp.mia.forward import token_scores
from mosaic_exp.training.periodic import PeriodicMetric


class MembershipAUC(PeriodicMetric):
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
        super().__init__("mia/auc_loss", every_n_steps)
        if not members or not non_members:
            raise ValueError("the membership callback needs members and non-members")
        self.sequences = [list(s) for s in members] + [list(s) for s in non_members]
        self.labels = [1] * len(members) + [0] * len(non_members)
        self.batch_size = batch_size
        self.pad_id = pad_id

    def measure(self, model: PreTrainedModel) -> float:
        scores = token_scores(model, self.sequences, self.batch_size, pad_id=self.pad_id)
        return roc_auc([loss(s) for s in scores], self.labels)
