"""ROC AUC and TPR at fixed FPR for membership scores (member = positive, higher = member).

torchmetrics treats predictions outside [0, 1] as logits and applies a
sigmoid, which saturates: scores like -NLL * 40 collapse into ties and the
AUC drops. Scores are therefore replaced by their dense ranks scaled into
[0, 1] first; ranks keep the order and the ties exactly, so the AUC and the
ROC curve are those of the raw scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchmetrics.functional.classification import binary_auroc, binary_roc

from mosaic_exp.metrics.bootstrap import bootstrap_summary

# The FPRs of the TPR@FPR fields: 0.1% is where the attacks of the literature are compared (Carlini et al. 2022).
FPRS = {"tpr@0.1%fpr": 0.001, "tpr@1%fpr": 0.01, "tpr@10%fpr": 0.10}


def _as_rank_probabilities(scores: Sequence[float] | torch.Tensor) -> torch.Tensor:
    values = torch.as_tensor(scores, dtype=torch.float64).flatten()
    if torch.isnan(values).any():
        raise ValueError("membership scores contain NaN")
    _, dense = torch.unique(values, sorted=True, return_inverse=True)
    top = int(dense.max()) if len(dense) else 0
    return dense.double() / top if top > 0 else torch.full_like(values, 0.5)


def _labels(labels: Sequence[int] | torch.Tensor, n: int) -> torch.Tensor:
    target = torch.as_tensor(labels).flatten().long()
    if len(target) != n:
        raise ValueError(f"{n} scores but {len(target)} labels")
    if not ((target == 0) | (target == 1)).all() or target.min() == target.max():
        raise ValueError("labels must be 0 (non-member) and 1 (member), with both present")
    return target


def roc_auc(scores: Sequence[float] | torch.Tensor, labels: Sequence[int] | torch.Tensor) -> float:
    """Exact ROC AUC: P(member score > non-member score) + 0.5 P(tie)."""
    preds = _as_rank_probabilities(scores)
    return float(binary_auroc(preds, _labels(labels, len(preds)), thresholds=None))


def _roc(scores: Sequence[float] | torch.Tensor, labels: Sequence[int] | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    preds = _as_rank_probabilities(scores)
    fprs, tprs, _ = binary_roc(preds, _labels(labels, len(preds)), thresholds=None)
    return fprs, tprs


def _tpr_at(fprs: torch.Tensor, tprs: torch.Tensor, fpr: float) -> float:
    allowed = fprs <= fpr + 1e-12
    return float(tprs[allowed].max()) if allowed.any() else 0.0


def tpr_at_fpr(scores: Sequence[float] | torch.Tensor, labels: Sequence[int] | torch.Tensor, fpr: float) -> float:
    """Highest TPR among thresholds whose FPR is at most ``fpr`` (no interpolation)."""
    return _tpr_at(*_roc(scores, labels), fpr)


def roc_summary(
    scores: Sequence[float] | torch.Tensor, labels: Sequence[int] | torch.Tensor, bootstrap: int = 1000, seed: int = 0
) -> dict[str, float | None]:
    """The numbers every result table reports: the AUC, its bootstrap spread and 95% interval, TPR at 0.1%, 1%, 10% FPR.

    ``bootstrap`` stratified resamples seeded by ``seed`` give ``auc_std``,
    ``auc_ci_low`` and ``auc_ci_high`` (see :mod:`mosaic_exp.metrics.bootstrap`);
    with ``bootstrap=0`` those three are ``None``.
    """
    fprs, tprs = _roc(scores, labels)
    values = torch.as_tensor(scores, dtype=torch.float64).flatten().numpy()
    target = torch.as_tensor(labels).flatten().numpy()
    return {
        "auc": roc_auc(scores, labels),
        **bootstrap_summary(values, target, bootstrap, seed),
        **{name: _tpr_at(fprs, tprs, fpr) for name, fpr in FPRS.items()},
    }
