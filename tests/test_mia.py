"""Token scoring (one pass per model, batched by length) and the attack formulas."""

from __future__ import annotations

import math
import zlib

import pytest
import torch
from conftest import compose_config

from mosaic_exp.mia.attacks import all_scores, loss, lowercase, min_k, min_k_plus, ratio, zlib_score
from mosaic_exp.mia.forward import TokenScores, token_scores
from mosaic_exp.models.loading import load_causal_lm


@pytest.fixture(scope="module")
def model(smoke_models):
    model, _ = load_causal_lm(compose_config(["experiment=smoke"]).model, smoke_models)
    return model


SEQUENCES = [[5, 9, 30, 41, 7], [12, 3], [8, 8, 8, 100, 200, 6, 7, 9], [44, 45, 46]]


def test_batched_scores_equal_one_at_a_time(model) -> None:
    batched = token_scores(model, SEQUENCES, batch_size=3, moments=True)
    for seq, scores in zip(SEQUENCES, batched):
        (alone,) = token_scores(model, [seq], batch_size=1, moments=True)
        assert len(scores.logprobs) == len(seq) - 1
        assert torch.allclose(scores.logprobs, alone.logprobs, atol=1e-5)
        assert torch.allclose(scores.mean, alone.mean, atol=1e-5)


def test_logprobs_and_moments_by_hand(model) -> None:
    seq = SEQUENCES[2]
    (scores,) = token_scores(model, [seq], moments=True)
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([seq])).logits[0, :-1].double(), dim=-1)
    assert torch.allclose(scores.logprobs.double(), logp[torch.arange(len(seq) - 1), seq[1:]], atol=1e-5)
    p = logp.exp()
    mean = (p * logp).sum(-1)
    assert torch.allclose(scores.mean.double(), mean, atol=1e-4)
    assert torch.allclose(scores.var.double(), (p * (logp - mean[:, None]) ** 2).sum(-1), atol=1e-3)


def test_too_short_sequences_are_rejected(model) -> None:
    with pytest.raises(ValueError, match="at least 2 tokens"):
        token_scores(model, [[1]])


def _scores(logprobs, mean=(), var=()) -> TokenScores:
    return TokenScores(torch.tensor(logprobs), torch.tensor(mean), torch.tensor(var))


def test_zlib_divides_by_characters_as_the_authors_code() -> None:
    # compute_mia_auc.py: score = log(ppl) / (len(zlib.compress(x.encode())) / len(x)), lower = member;
    # len(x) counts characters, which differ from UTF-8 bytes in non-ASCII text.
    text = "Ærøskøbing får én fæstning, ünïcödé þorn " * 3
    nll = 3.0
    authors = math.log(math.exp(nll)) / (len(zlib.compress(text.encode())) / len(text))
    assert len(text) != len(text.encode())
    assert zlib_score(_scores([-nll, -nll]), text) == pytest.approx(-authors)


def test_attack_formulas() -> None:
    target = _scores([-1.0, -2.0, -6.0, -3.0], mean=[-2.0, -2.0, -2.0, -2.0], var=[4.0, 1.0, 4.0, 1.0])
    reference = _scores([-2.0, -2.0, -2.0, -2.0])
    lowered = _scores([-4.0, -4.0])
    assert loss(target) == -3.0
    assert ratio(target, reference) == -1.0
    assert lowercase(target, lowered) == 1.0
    text = "abc abc abc abc"
    assert zlib_score(target, text) == pytest.approx(-3.0 * len(text) / len(zlib.compress(text.encode())))
    assert min_k(target, k=2) == -4.5
    assert min_k(target, k=0.5) == -4.5
    assert min_k(target, k=100) == -3.0
    # z = (lp - mu) / sigma = [0.5, 0.0, -2.0, -1.0]; two lowest: -2, -1.
    assert min_k_plus(target, k=2) == -1.5
    scores = all_scores(target, text, reference=reference, lowered=lowered, k=2)
    assert set(scores) == {"loss", "ratio", "lowercase", "zlib", "min_k", "min_k_plus"}


def test_min_k_plus_needs_moments() -> None:
    with pytest.raises(ValueError, match="moments=True"):
        min_k_plus(_scores([-1.0, -2.0]))
    assert set(all_scores(_scores([-1.0, -2.0]), "ab")) == {"loss", "zlib", "min_k"}
