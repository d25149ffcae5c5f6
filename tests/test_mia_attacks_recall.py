"""ReCaLL and Con-ReCall: the formulas by hand, the held-out shots, and the prefixed log-probs on a tiny model."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

from mosaic_exp.mia.forward import TokenScores, token_scores
from mosaic_exp.mia.recall import build_prefix, choose_shots, con_recall, prefixed_logprobs, recall, recall_scores

MEMBERS = [True] * 6 + [False] * 6


@pytest.fixture(scope="module")
def model() -> GPTNeoXForCausalLM:
    torch.manual_seed(0)
    config = GPTNeoXConfig(vocab_size=64, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    return GPTNeoXForCausalLM(config).eval()


def _canaries(n: int = 12, seed: int = 1) -> list[list[int]]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(1, 64, (int(torch.randint(3, 9, (1,), generator=g)),), generator=g).tolist() for _ in range(n)]


def _by_hand(model: GPTNeoXForCausalLM, prefix: list[int], x: list[int]) -> torch.Tensor:
    """log p(x_j | prefix, x_<j) for j = 1..n−1, from the logits of one unpadded sequence."""
    ids = torch.tensor([prefix + x])
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits[0].double(), dim=-1)
    start = len(prefix)
    # The logit at position p predicts token p + 1.
    return torch.tensor([logp[start + j - 1, x[j]] for j in range(1, len(x))])


def test_formulas_by_hand() -> None:
    # LL(x) = −2, LL(x | P_non) = −3: the non-member prefix lowers it by half, ratio 1.5.
    assert recall(-2.0, -3.0) == 1.5
    # (−3 − 1 · (−1.5)) / −2 = 0.75; with γ = 0.5: (−3 + 0.75) / −2 = 1.125.
    assert con_recall(-2.0, -3.0, -1.5) == 0.75
    assert con_recall(-2.0, -3.0, -1.5, gamma=0.5) == 1.125
    # A member-like text (larger drop after non-members, rise after members) outranks a non-member-like one.
    assert recall(-2.0, -3.0) > recall(-2.0, -2.1)
    assert con_recall(-2.0, -3.0, -1.5) > con_recall(-2.0, -2.1, -2.0)
    # LL(x) = 0 (every token certain) is clamped: finite, and a large score.
    assert math.isfinite(recall(0.0, -1.0)) and recall(0.0, -1.0) > 1e6


def test_shots_seeded_from_the_right_classes() -> None:
    non, mem = choose_shots(MEMBERS, 3, seed=7)
    assert len(non) == len(set(non)) == 3 and len(mem) == len(set(mem)) == 3
    assert not any(MEMBERS[i] for i in non) and all(MEMBERS[i] for i in mem)
    assert choose_shots(MEMBERS, 3, seed=7) == (non, mem)
    assert any(choose_shots(MEMBERS, 3, seed=s) != (non, mem) for s in range(8, 12))
    with pytest.raises(ValueError, match="7 non-members as shots, there are 6"):
        choose_shots(MEMBERS, 7)
    with pytest.raises(ValueError, match="3 members as shots, there are 2"):
        choose_shots([True] * 2 + [False] * 6, 3)


def test_prefix_joins_shots_and_drops_the_earliest_to_fit() -> None:
    assert build_prefix([[1, 2], [3]], separator=[9]) == [1, 2, 9, 3, 9]
    assert build_prefix([[1, 2], [3]]) == [1, 2, 3]
    assert build_prefix([[1, 2], [3], [4, 5]], max_tokens=4) == [3, 4, 5]


def test_prefixed_logprobs_score_the_same_tokens_as_by_hand(model: GPTNeoXForCausalLM) -> None:
    prefix = [5, 6, 7, 8]
    texts = _canaries(5)
    got = prefixed_logprobs(model, prefix, texts, batch_size=2)
    for x, lp in zip(texts, got):
        assert len(lp) == len(x) - 1  # x's first token, predicted from the prefix, is dropped: like with like
        torch.testing.assert_close(lp.double(), _by_hand(model, prefix, x), atol=1e-5, rtol=1e-5)


def test_recall_scores_by_hand_with_held_out_shots(model: GPTNeoXForCausalLM) -> None:
    texts = _canaries()
    own = token_scores(model, texts)
    scores = recall_scores(model, texts, MEMBERS, own, n_shots=2, seed=3, separator=[1])
    non, mem = choose_shots(MEMBERS, 2, seed=3)
    held = set(non) | set(mem)
    assert len(scores["recall"]) == len(scores["con_recall"]) == len(texts)
    for i, x in enumerate(texts):
        if i in held:
            assert scores["recall"][i] is None and scores["con_recall"][i] is None
            continue
        ll = float(own[i].logprobs.mean())
        ll_non = float(_by_hand(model, build_prefix([texts[s] for s in non], [1]), x).mean())
        ll_mem = float(_by_hand(model, build_prefix([texts[s] for s in mem], [1]), x).mean())
        assert scores["recall"][i] == pytest.approx(ll_non / ll, rel=1e-5)
        assert scores["con_recall"][i] == pytest.approx((ll_non - ll_mem) / ll, rel=1e-4, abs=1e-6)


def test_batching_gives_the_same_scores(model: GPTNeoXForCausalLM) -> None:
    texts = _canaries(seed=2)
    own = token_scores(model, texts)
    together = recall_scores(model, texts, MEMBERS, own, n_shots=2, batch_size=32)
    alone = recall_scores(model, texts, MEMBERS, own, n_shots=2, batch_size=1)
    for name in ("recall", "con_recall"):
        for a, b in zip(together[name], alone[name]):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-5, abs=1e-6)


def test_recall_scores_checks_its_inputs(model: GPTNeoXForCausalLM) -> None:
    texts = _canaries()
    own = [TokenScores(logprobs=torch.zeros(len(x)), mean=torch.empty(0), var=torch.empty(0)) for x in texts]
    with pytest.raises(ValueError, match="tokens 1..n-1"):
        recall_scores(model, texts, MEMBERS, own, n_shots=2)
    with pytest.raises(ValueError, match="one entry per canary"):
        recall_scores(model, texts, MEMBERS[:-1], token_scores(model, texts), n_shots=2)
