"""surp on hand-built token scores: which tokens surprise a confident model, and their mean log-probability."""

from __future__ import annotations

import pytest
import torch

from mosaic_exp.mia.forward import TokenScores
from mosaic_exp.mia.surp import NO_SURPRISE, surp, surprising

# Token log-probabilities and the entropy of each prediction (TokenScores.mean is E_p[log p] = −entropy).
LOGPROBS = [-0.5, -3.0, -2.0, -4.0, -1.0]
ENTROPY = [0.5, 1.0, 3.0, 2.5, 0.2]


def _scores(logprobs: list[float], entropy: list[float] | None = None) -> TokenScores:
    mean = torch.tensor([-h for h in entropy]) if entropy is not None else torch.empty(0)
    return TokenScores(logprobs=torch.tensor(logprobs), mean=mean, var=torch.ones(len(mean)) if entropy else torch.empty(0))


def test_surp_by_hand() -> None:
    target = _scores(LOGPROBS, ENTROPY)
    # floor(0.4 * 5) = 2 least likely tokens: #3 (-4.0, entropy 2.5) and #1 (-3.0, entropy 1.0); only #1 is confident.
    assert surprising(target, 0.4, 2.0).tolist() == [False, True, False, False, False]
    assert surp(target, 0.4, 2.0) == -3.0
    # 3 least likely (#3, #1, #2), entropy below 2.6: #1 and #3.
    assert surp(target, 0.6, 2.6) == -3.5
    # All five, entropy below 10: the mean of all.
    assert surp(target, 1.0, 10.0) == pytest.approx(sum(LOGPROBS) / 5)


def test_surp_without_surprising_tokens_scores_lowest() -> None:
    target = _scores(LOGPROBS, ENTROPY)
    assert surp(target, 0.1, 2.0) == NO_SURPRISE  # floor(0.5) = 0 tokens
    assert surp(target, 0.4, 0.9) == NO_SURPRISE  # #1 and #3 are not confident enough


def test_surp_needs_moments() -> None:
    with pytest.raises(ValueError, match="moments=True"):
        surp(_scores(LOGPROBS))
