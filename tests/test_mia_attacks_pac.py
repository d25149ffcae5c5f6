"""pac: the polarized distance and the score by hand, the swap augmentation, the batched end-to-end scores."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

from mosaic_exp.mia.forward import TokenScores, token_scores
from mosaic_exp.mia.neighborhood import canary_rng
from mosaic_exp.mia.pac import augment, pac_score, pac_scores, polarized_distance, random_swaps


def _scores(logprobs: list[float]) -> TokenScores:
    return TokenScores(logprobs=torch.tensor(logprobs), mean=torch.empty(0), var=torch.empty(0))


# Ten token log-probabilities; sorted: -6 -5 -4 -3 -2.5 -2 -1.5 -1 -0.5 -0.1
TEN = [-1.0, -6.0, -0.1, -2.0, -5.0, -0.5, -3.0, -1.5, -4.0, -2.5]


def test_polarized_distance_by_hand() -> None:
    # k_max 0.2 of 10 = 2 highest: (-0.1 - 0.5) / 2 = -0.3; k_min 0.3 = 3 lowest: (-6 - 5 - 4) / 3 = -5.0
    assert polarized_distance(_scores(TEN), k_min=0.3, k_max=0.2) == pytest.approx(-0.3 + 5.0)
    # Defaults: floor(0.05 * 10) = 0 -> at least 1 highest (-0.1); 3 lowest (-5.0).
    assert polarized_distance(_scores(TEN)) == pytest.approx(-0.1 + 5.0)
    # One token: highest and lowest are the same token.
    assert polarized_distance(_scores([-2.0])) == 0.0


def test_pac_score_by_hand() -> None:
    own = _scores([-1.0, -2.0, -4.0])  # 1 highest (-1) minus 1 lowest (-4): PD 3
    copies = [_scores([-0.5, -3.0, -5.5]), _scores([-1.0, -1.0, -8.0])]  # PD 5 and 7
    # Members have a smaller gap than their shuffled copies: mean 6 - 3
    assert pac_score(own, copies, k_min=0.3, k_max=0.05) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="at least one augmented copy"):
        pac_score(own, [])


@pytest.mark.parametrize("swap_ratio", [0.0, 0.3, 1.0])
def test_swaps_keep_the_multiset_of_tokens(swap_ratio: float) -> None:
    tokens = [5, 3, 3, 9, 1, 7, 7, 7, 2, 8]
    copies = augment(tokens, 12, swap_ratio, np.random.default_rng(0))
    assert len(copies) == 12
    assert all(Counter(c) == Counter(tokens) and len(c) == len(tokens) for c in copies)
    assert any(c != tokens for c in copies)
    assert copies == augment(tokens, 12, swap_ratio, np.random.default_rng(0))


def test_one_swap_moves_exactly_two_positions() -> None:
    tokens = list(range(10))
    for seed in range(20):
        # swap_ratio 0.1 of 10 tokens: exactly one swap of two distinct positions
        copy = random_swaps(tokens, 0.1, np.random.default_rng(seed))
        moved = [p for p in range(10) if copy[p] != tokens[p]]
        assert len(moved) == 2 and copy[moved[0]] == moved[1] and copy[moved[1]] == moved[0]
    assert random_swaps([4], 0.5, np.random.default_rng(0)) == [4]


def test_end_to_end_batched_equals_alone() -> None:
    torch.manual_seed(0)
    target = GPTNeoXForCausalLM(
        GPTNeoXConfig(vocab_size=64, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    ).eval()
    rng = np.random.default_rng(1)
    canaries = [rng.integers(1, 64, size=n).tolist() for n in (8, 13, 5, 21)]
    own = token_scores(target, canaries, batch_size=8)
    kwargs = {"num_augmentations": 6, "swap_ratio": 0.3, "seed": 2}
    batched = pac_scores(target, canaries, own, batch_size=5, **kwargs)
    alone = [pac_scores(target, [c], [o], batch_size=1, **kwargs)[0] for c, o in zip(canaries, own)]
    assert len(batched) == len(canaries) and all(np.isfinite(batched))
    assert batched == pytest.approx(alone, abs=1e-5)
    # By hand from the same copies: the copies of canary 1 scored one at a time.
    copies = augment(canaries[1], 6, 0.3, canary_rng(2, canaries[1]))
    one_by_one = [token_scores(target, [c], batch_size=1)[0] for c in copies]
    assert batched[1] == pytest.approx(pac_score(own[1], one_by_one), abs=1e-5)
