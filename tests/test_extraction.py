"""Extraction: greedy continuation of canary prefixes (batched, left-padded) and its metrics."""

from __future__ import annotations

import pytest
import torch
from conftest import compose_config

from mosaic_exp.mia.extraction import (
    bleu,
    edit_similarity,
    extract,
    greedy_continuations,
    mean_by_group,
    pad_left,
    split_canary,
)
from mosaic_exp.models.loading import load_causal_lm


@pytest.fixture(scope="module")
def model(smoke_models):
    model, _ = load_causal_lm(compose_config(["experiment=smoke"]).model, smoke_models)
    return model


def _greedy_by_hand(model, prefix: list[int], n: int) -> list[int]:
    sequence = list(prefix)
    with torch.no_grad():
        for _ in range(n):
            sequence.append(int(model(torch.tensor([sequence])).logits[0, -1].argmax()))
    return sequence[len(prefix) :]


def test_pad_left_aligns_the_ends() -> None:
    ids, mask = pad_left([[1, 2, 3], [4], [5, 6]], pad_id=0)
    assert ids.tolist() == [[1, 2, 3], [0, 0, 4], [0, 5, 6]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1], [0, 1, 1]]


def test_batched_left_padded_generation_is_greedy_decoding(model) -> None:
    prefixes = [[5, 9, 30, 41, 7, 12], [12, 3], [8, 8, 100, 200], [44]]
    batched = greedy_continuations(model, prefixes, new_tokens=6, batch_size=3, pad_id=1)
    assert batched == [_greedy_by_hand(model, p, 6) for p in prefixes]


def test_generation_stops_at_eos(model) -> None:
    prefix = [5, 9, 30, 41]
    full = _greedy_by_hand(model, prefix, 8)
    eos = full[3]
    (stopped,) = greedy_continuations(model, [prefix], new_tokens=8, pad_id=1, eos_id=eos)
    assert stopped == full[: full.index(eos)]


def test_bleu_and_edit_similarity() -> None:
    suffix = [1, 2, 3, 4, 5, 6, 7, 8]
    assert bleu(suffix, suffix) == pytest.approx(1.0)
    assert bleu([9] * 8, suffix) == 0.0
    assert bleu([], suffix) == 0.0
    # One wrong token in the middle: 7/8 unigrams, 5/7 bigrams, 3/6 trigrams, 1/5 4-grams match.
    one_off = [1, 2, 3, 4, 0, 6, 7, 8]
    assert bleu(one_off, suffix) == pytest.approx((7 / 8 * 5 / 7 * 3 / 6 * 1 / 5) ** 0.25)
    assert edit_similarity(suffix, suffix) == 1.0
    assert edit_similarity(one_off, suffix) == 1 - 1 / 8
    # A continuation cut short by EOS: 4 deletions over the longer length.
    assert edit_similarity(suffix[:4], suffix) == 0.5
    assert edit_similarity([], []) == 1.0


def test_split_canary_checks_the_lengths() -> None:
    assert split_canary(list(range(10)), 4, 3) == ([0, 1, 2, 3], [4, 5, 6])
    with pytest.raises(ValueError, match="extraction_prefix_length"):
        split_canary(list(range(10)), 6, 5)
    with pytest.raises(ValueError, match="at least one token"):
        split_canary(list(range(10)), 0, 5)


def test_extract_scores_a_memorized_suffix_as_extracted(model) -> None:
    prefix = [5, 9, 30, 41, 7, 12]
    memorized = prefix + _greedy_by_hand(model, prefix, 5)
    other = prefix + [w + 1 for w in memorized[6:]]
    rows = extract(model, [memorized, other], prefix_length=6, suffix_length=5, pad_id=1)
    assert rows[0]["continuation"] == memorized[6:] and rows[0]["edit_similarity"] == 1.0
    assert rows[0]["bleu"] == pytest.approx(1.0)
    assert rows[1]["edit_similarity"] == 0.0 and rows[1]["bleu"] == 0.0
    means = mean_by_group(rows, ["members", "non_members"])
    assert means == {"members": {"bleu": pytest.approx(1.0), "edit_similarity": 1.0}, "non_members": {"bleu": 0.0, "edit_similarity": 0.0}}
