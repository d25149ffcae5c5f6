"""Monitoring membership inference while the target is fine-tuned."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import lightning as L
from transformers import PreTrainedModel

from mosaic_exp.metrics.roc import roc_auc
from mosaic_exp.mia.attacks import ATTACKS, loss, min_k, min_k_plus, zlib_score
from mosaic_exp.mia.forward import TokenScores, token_scores

log = logging.getLogger(__name__)


class MembershipAUC(L.Callback):
    """Logs ``mia/auc_<attack>`` (members vs non-members) at the start of training,
    every ``every_n_steps`` optimizer steps and at the end (once per step).

    The attacks are those one forward pass of the target gives: ``loss``,
    ``min_k`` and ``min_k_plus`` (``k`` as ``mia.k``), and ``zlib`` when the
    canaries' texts are given; ``ratio`` and ``lowercase`` need other passes
    and are scored after training only. ``history`` holds
    ``(step, {attack: auc})`` pairs.

    Under DDP every rank measures the same synchronized weights (so every
    rank's history is the same); Lightning's loggers only write on rank 0.
    """

    def __init__(
        self,
        members: Sequence[Sequence[int]],
        non_members: Sequence[Sequence[int]],
        every_n_steps: int = 50,
        batch_size: int = 32,
        pad_id: int = 0,
        k: float = 20,
        member_texts: Sequence[str] | None = None,
        non_member_texts: Sequence[str] | None = None,
    ) -> None:
        if every_n_steps < 0:
            raise ValueError(f"every_n_steps must be 0 (start and end only) or positive, got {every_n_steps}")
        if not members or not non_members:
            raise ValueError("the membership callback needs members and non-members")
        if (member_texts is None) != (non_member_texts is None):
            raise ValueError("give the texts of both members and non-members, or of neither")
        self.every_n_steps = every_n_steps
        self.sequences = [list(s) for s in members] + [list(s) for s in non_members]
        self.labels = [1] * len(members) + [0] * len(non_members)
        self.texts = None if member_texts is None else [*member_texts, *non_member_texts]  # type: ignore[misc]
        if self.texts is not None and len(self.texts) != len(self.sequences):
            raise ValueError("one text per member and non-member is needed")
        self.batch_size = batch_size
        self.pad_id = pad_id
        self.k = k
        self.history: list[tuple[int, dict[str, float]]] = []

    def _scores(self, target: TokenScores, index: int) -> dict[str, float]:
        scores = {"loss": loss(target), "min_k": min_k(target, self.k), "min_k_plus": min_k_plus(target, self.k)}
        if self.texts is not None:
            scores["zlib"] = zlib_score(target, self.texts[index])
        return scores

    def measure(self, model: PreTrainedModel) -> dict[str, float]:
        """AUC of every attack of one forward pass, in the order of ``ATTACKS``."""
        targets = token_scores(model, self.sequences, self.batch_size, moments=True, pad_id=self.pad_id)
        scores = [self._scores(target, i) for i, target in enumerate(targets)]
        return {a: roc_auc([s[a] for s in scores], self.labels) for a in ATTACKS if a in scores[0]}

    def _measure_once(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        step = trainer.global_step
        if self.history and self.history[-1][0] == step:
            return
        model = pl_module.model
        was_training = model.training
        model.eval()
        try:
            aucs = self.measure(model)
        finally:
            model.train(was_training)
        self.history.append((step, aucs))
        for logger in trainer.loggers:
            logger.log_metrics({f"mia/auc_{attack}": auc for attack, auc in aucs.items()}, step=step)
        log.info("step %d: %s", step, ", ".join(f"mia/auc_{a} {v:.4f}" for a, v in aucs.items()))

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._measure_once(trainer, pl_module)

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: object) -> None:
        if self.every_n_steps > 0 and trainer.global_step % self.every_n_steps == 0:
            self._measure_once(trainer, pl_module)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._measure_once(trainer, pl_module)
