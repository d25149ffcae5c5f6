"""samia: ROUGE-1 by hand, the sampler on fixed scores, seeded and batch-independent sampling, a model that recites."""

from __future__ import annotations

import math
import zlib

import pytest
import torch
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

from mosaic_exp.mia.extraction import greedy_continuations
from mosaic_exp.mia.samia import (
    InverseCdfSampler,
    rouge1_recall,
    samia_score,
    samia_scores,
    sample_suffixes,
    split_point,
    zlib_size,
)

CANARIES = [[1, 5, 9, 2, 7, 3], [3, 4], [8, 8, 8, 1, 2, 3, 60, 11, 12], [10, 20, 30], [63, 0, 5, 5, 5, 5, 6]]


@pytest.fixture(scope="module")
def model() -> GPTNeoXForCausalLM:
    torch.manual_seed(0)
    config = GPTNeoXConfig(vocab_size=64, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    return GPTNeoXForCausalLM(config).eval()


def test_rouge1_recall_by_hand() -> None:
    # Reference 7 7 3 1: candidate 7 3 3 9 shares one 7 and one 3 → 2 / 4.
    assert rouge1_recall([7, 3, 3, 9], [7, 7, 3, 1]) == 0.5
    # Multiset: both 7s are matched by 7 7 1; order does not matter.
    assert rouge1_recall([1, 7, 7], [7, 7, 3, 1]) == 0.75
    assert rouge1_recall([2, 4], [7, 7, 3, 1]) == 0.0
    assert rouge1_recall([7, 7, 3, 1], [7, 7, 3, 1]) == 1.0
    assert rouge1_recall([], [1]) == 0.0 and rouge1_recall([1], []) == 0.0


def test_samia_score_by_hand() -> None:
    suffix = [7, 7, 3, 1]
    samples = [[7, 3, 3, 9], [1, 7, 7, 5], [2, 4, 6, 8]]
    assert samia_score(samples, suffix) == pytest.approx((0.5 + 0.75 + 0.0) / 3)
    zipped = [len(zlib.compress(b"7 3 3 9")), len(zlib.compress(b"1 7 7 5"))]
    assert zlib_size([7, 3, 3, 9]) == zipped[0]
    assert samia_score(samples, suffix, use_zlib=True) == pytest.approx((0.5 * zipped[0] + 0.75 * zipped[1]) / 3)


def test_split_point() -> None:
    assert split_point(6, 0.5) == 3 and split_point(7, 0.5) == 3  # int(), as the paper
    assert split_point(2, 0.1) == 1 and split_point(2, 0.9) == 1  # both parts keep a token


def test_sampler_by_hand() -> None:
    # Probabilities of tokens 0, 1, 2: 1, 3, 0.5 (unnormalised).
    scores = torch.log(torch.tensor([[1.0, 3.0, 0.5]] * 3))
    ids = torch.zeros(3, 4, dtype=torch.long)  # 4 prompt tokens: step 0
    # top-2: tokens 1, 0 with 0.75, 0.25 → cdf 0.75, 1.
    top2 = InverseCdfSampler(torch.tensor([[0.5], [0.8], [0.74]], dtype=torch.float64), 4, 1.0, 2)
    assert top2(ids, scores).argmax(-1).tolist() == [1, 0, 1]
    assert torch.isinf(top2(ids, scores)).sum(-1).tolist() == [2, 2, 2]
    # All tokens: 3, 1, 0.5 over 4.5 → cdf 0.667, 0.889, 1.
    full = InverseCdfSampler(torch.tensor([[0.6], [0.7], [0.95]], dtype=torch.float64), 4, 1.0, None)
    assert full(ids, scores).argmax(-1).tolist() == [1, 0, 2]
    # Temperature 0.5 squares the odds: 9, 1, 0.25 → cdf 0.878, 0.976, 1.
    hot = InverseCdfSampler(torch.tensor([[0.87], [0.9], [0.99]], dtype=torch.float64), 4, 0.5, None)
    assert hot(ids, scores).argmax(-1).tolist() == [1, 0, 2]


def test_top1_sampling_is_greedy(model: GPTNeoXForCausalLM) -> None:
    samples = sample_suffixes(model, CANARIES, n_samples=2, top_k=1, batch_size=2)
    for canary, drawn in zip(CANARIES, samples):
        cut = split_point(len(canary), 0.5)
        greedy = greedy_continuations(model, [canary[:cut]], len(canary) - cut)[0]
        assert drawn == [greedy, greedy]


def test_sampling_is_seeded_and_batch_independent(model: GPTNeoXForCausalLM) -> None:
    alone = [sample_suffixes(model, [c], n_samples=4, seed=3)[0] for c in CANARIES]
    for batch_size in (1, 2, 8):
        assert sample_suffixes(model, CANARIES, n_samples=4, seed=3, batch_size=batch_size) == alone
    # Position in the list does not matter either.
    assert sample_suffixes(model, CANARIES[::-1], n_samples=4, seed=3) == alone[::-1]
    assert sample_suffixes(model, CANARIES, n_samples=4, seed=4) != alone
    for canary, drawn in zip(CANARIES, alone):
        assert [len(s) for s in drawn] == [len(canary) - split_point(len(canary), 0.5)] * 4
        assert len({tuple(s) for s in drawn}) > 1 or len(drawn[0]) == 1  # real sampling: samples differ
    scores = samia_scores(model, CANARIES, n_samples=4, seed=3, batch_size=2)
    assert scores == samia_scores(model, CANARIES, n_samples=4, seed=3, batch_size=32)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_eos_ends_a_sample(model: GPTNeoXForCausalLM) -> None:
    drawn = sample_suffixes(model, CANARIES, n_samples=6, seed=1, batch_size=8)
    first = drawn[2][0][0]  # a token that some sample draws first: make it EOS
    stopped = sample_suffixes(model, CANARIES, n_samples=6, seed=1, batch_size=8, eos_id=first)
    for full, cut in zip(drawn, stopped):
        for f, c in zip(full, cut):
            assert c == (f[: f.index(first)] if first in f else f)


class _Reciter(torch.nn.Module):
    """A fake model whose every continuation is the true suffix of the canary that the prefix opens."""

    def __init__(self, canaries: list[list[int]]):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.canaries = canaries

    def generate(self, input_ids, attention_mask, max_new_tokens, pad_token_id, **_) -> torch.Tensor:
        rows = []
        for ids, mask in zip(input_ids.tolist(), attention_mask.tolist()):
            prefix = [t for t, m in zip(ids, mask) if m]
            canary = next(c for c in self.canaries if c[: len(prefix)] == prefix)
            tail = canary[len(prefix) :][:max_new_tokens]
            rows.append(ids + tail + [pad_token_id] * (max_new_tokens - len(tail)))
        return torch.tensor(rows)


def test_reciting_model_scores_one() -> None:
    canaries = [[1, 5, 9, 2, 7, 3], [3, 4], [8, 8, 1, 2, 60, 11, 12]]
    assert samia_scores(_Reciter(canaries), canaries, batch_size=2) == [1.0, 1.0, 1.0]
    zipped = samia_scores(_Reciter(canaries), canaries, use_zlib=True)
    assert zipped[0] == zlib_size([2, 7, 3]) and zipped[1] == zlib_size([4])


def test_samia_rejects_bad_input(model: GPTNeoXForCausalLM) -> None:
    with pytest.raises(ValueError, match="at least 2 tokens"):
        samia_scores(model, [[1]])
    with pytest.raises(ValueError, match="temperature"):
        samia_scores(model, CANARIES, temperature=0.0)
    assert math.isfinite(samia_scores(model, [[1, 2]], n_samples=1)[0])
