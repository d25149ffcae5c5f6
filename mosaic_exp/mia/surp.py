"""SURP: the mean log-probability of the tokens that surprise a confident model.

Zhang & Wu 2024, "Adaptive Pre-training Data Detection for Large Language
Models via Surprising Tokens" (arXiv:2407.21248). A token is *surprising*
when the model was sure of its next token (low entropy of the next-token
distribution) yet gave the true token a low probability. On a text seen in
training those surprises are fewer and milder, so the mean log-probability of
the surprising tokens is higher for members.

Thresholds as in the SoK benchmark (computationalprivacy/mia_llms_benchmark,
``surp_40_2``): the low-probability tokens are the ``floor(fraction · n)`` tokens
of lowest log-probability (``fraction`` = 0.4), the confident ones those whose
next-token entropy is below ``max_entropy`` = 2.0 nats. A text without any
surprising token scores :data:`NO_SURPRISE` (the SoK's value), the lowest of all.

It needs nothing beyond the shared forward pass: the entropy of the
next-token distribution is −E_p[log p], the negated ``mean`` of
:class:`~mosaic_exp.mia.forward.TokenScores` computed with ``moments=True``.
"""

from __future__ import annotations

import torch

from mosaic_exp.mia.forward import TokenScores

# The score of a text with no surprising token (the SoK benchmark's replacement of the empty mean).
NO_SURPRISE = -100.0


def surprising(target: TokenScores, fraction: float = 0.4, max_entropy: float = 2.0) -> torch.Tensor:
    """The mask of surprising tokens: among the ``floor(fraction · n)`` least likely and of entropy < ``max_entropy``."""
    if target.mean.numel() == 0:
        raise ValueError("surp needs token scores computed with moments=True (the entropy of each prediction)")
    lp = target.logprobs
    lowest = torch.zeros(len(lp), dtype=torch.bool)
    count = min(len(lp), int(fraction * len(lp)))
    if count:
        lowest[lp.topk(count, largest=False).indices] = True
    return lowest & (-target.mean < max_entropy)


def surp(target: TokenScores, fraction: float = 0.4, max_entropy: float = 2.0) -> float:
    """Mean log-probability of the surprising tokens; :data:`NO_SURPRISE` when there is none."""
    mask = surprising(target, fraction, max_entropy)
    return float(target.logprobs[mask].mean()) if mask.any() else NO_SURPRISE
