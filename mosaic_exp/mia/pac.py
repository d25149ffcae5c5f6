"""PAC: the polarized distance of a text, calibrated by that of its shuffled copies.

Ye et al. 2024, "Data Contamination Calibration for Black-box LLMs" (Findings
of ACL 2024, arXiv:2405.11930), Polarized Augment Calibration. Training on a
text lifts its least likely tokens most, so the gap between its most and
least likely tokens, the *polarized distance*

    PD(x) = mean of the ⌊k_max · n⌋ highest token log-probabilities
          − mean of the ⌊k_min · n⌋ lowest            (n scored tokens, each count at least 1),

shrinks for members. A text's PD also depends on how hard it is; copies of it
with positions swapped at random (the paper's augmentation, EDA's random
swap) keep its tokens but break what the model memorised, so they calibrate
it. The score

    pac(x) = mean_j PD(x̃_j) − PD(x)

is higher for members. It is the negated calibrated distance PD(x) − mean PD(x̃),
as the SoK benchmark (computationalprivacy/mia_llms_benchmark, ``pac_10``)
orients it for "higher = member".

Defaults as the SoK benchmark runs it: ``k_min`` = 0.3, ``k_max`` = 0.05,
``num_augmentations`` = 10 copies and ``swap_ratio`` (EDA's α) = 0.3, so each
copy makes max(1, ⌊0.3 · n⌋) swaps of two distinct random positions, one after
the other (a position may move more than once).

Where we differ, and why: the paper and the SoK swap whitespace-separated
*words* and re-tokenize; a canary is a token sequence, so we swap *token
positions* of the target's tokenization, which keeps the multiset of tokens
exactly (re-tokenizing swapped words need not). The SoK takes ⌊k · n⌋ tokens,
which is 0 for ``k_max`` = 0.05 below 20 tokens (its slice then averages all
tokens); we take at least one. Each canary's swaps come from a generator seeded
by ``seed`` and its own tokens, so they do not depend on the other canaries.

Cost: one batched target pass over all copies of all canaries; the text's own
log-probabilities come from the shared pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from transformers import PreTrainedModel

from mosaic_exp.mia.forward import TokenScores, token_scores
from mosaic_exp.mia.neighborhood import canary_rng


def _count(fraction: float, n: int) -> int:
    """⌊fraction · n⌋ tokens, at least 1 and at most n."""
    return max(1, min(n, int(fraction * n)))


def polarized_distance(scores: TokenScores, k_min: float = 0.3, k_max: float = 0.05) -> float:
    """Mean of the highest ``k_max`` fraction of token log-probabilities minus mean of the lowest ``k_min``."""
    lp = scores.logprobs.double().sort().values
    n = len(lp)
    if n == 0:
        raise ValueError("the polarized distance needs at least one scored token")
    return float(lp[n - _count(k_max, n) :].mean() - lp[: _count(k_min, n)].mean())


def pac_score(own: TokenScores, augmented: Sequence[TokenScores], k_min: float = 0.3, k_max: float = 0.05) -> float:
    """Mean polarized distance of the augmented copies minus that of the text (higher = member)."""
    if not augmented:
        raise ValueError("pac needs at least one augmented copy")
    calibration = np.mean([polarized_distance(a, k_min, k_max) for a in augmented])
    return float(calibration) - polarized_distance(own, k_min, k_max)


def random_swaps(tokens: Sequence[int], swap_ratio: float, rng: np.random.Generator) -> list[int]:
    """A copy of ``tokens`` after max(1, ⌊swap_ratio · n⌋) swaps of two distinct random positions."""
    out = list(tokens)
    if len(out) < 2:
        return out
    for _ in range(max(1, int(swap_ratio * len(out)))):
        i, j = rng.choice(len(out), size=2, replace=False)
        out[i], out[j] = out[j], out[i]
    return out


def augment(tokens: Sequence[int], num_augmentations: int, swap_ratio: float, rng: np.random.Generator) -> list[list[int]]:
    """``num_augmentations`` independently swapped copies of ``tokens``."""
    if num_augmentations < 1:
        raise ValueError(f"num_augmentations must be at least 1, got {num_augmentations}")
    return [random_swaps(tokens, swap_ratio, rng) for _ in range(num_augmentations)]


def pac_scores(
    target: PreTrainedModel,
    token_lists: Sequence[Sequence[int]],
    own: Sequence[TokenScores],
    *,
    num_augmentations: int = 10,
    swap_ratio: float = 0.3,
    k_min: float = 0.3,
    k_max: float = 0.05,
    seed: int = 0,
    batch_size: int = 32,
    pad_id: int = 0,
) -> list[float]:
    """One PAC score per canary, in order.

    ``own`` are the canaries' token scores from the shared target pass; the
    augmented copies of all canaries go through the target in one batched
    :func:`token_scores` call.
    """
    if len(own) != len(token_lists):
        raise ValueError(f"{len(token_lists)} canaries but {len(own)} own token scores")
    flat: list[list[int]] = []
    for tokens in token_lists:
        tokens = [int(t) for t in tokens]
        flat += augment(tokens, num_augmentations, swap_ratio, canary_rng(seed, tokens))
    scored = token_scores(target, flat, batch_size, pad_id=pad_id, progress="MIA: PAC copies") if flat else []
    n = num_augmentations
    return [pac_score(o, scored[i * n : (i + 1) * n], k_min, k_max) for i, o in enumerate(own)]
