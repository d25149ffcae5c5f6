"""neighborhood: the score by hand, how neighbours are built, and the batched end-to-end scores."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM, PreTrainedTokenizerFast, RobertaConfig, RobertaForMaskedLM

from mosaic_exp.mia.forward import TokenScores, token_scores
from mosaic_exp.mia.neighborhood import canary_rng, draw_swaps, make_neighbours, neighborhood_scores, neighbourhood_score
from mosaic_exp.perturb.mlm_candidates import replacement_candidates

WORDS = [f"w{i}" for i in range(40)]
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<mask>"]


def _scores(logprobs: list[float]) -> TokenScores:
    return TokenScores(logprobs=torch.tensor(logprobs), mean=torch.empty(0), var=torch.empty(0))


def test_score_by_hand() -> None:
    own = _scores([-1.0, -2.0, -3.0])  # NLL 2.0
    neighbours = [_scores([-3.0, -5.0]), _scores([-2.0, -2.0, -2.0, -2.0])]  # NLL 4.0 and 2.0
    # mean neighbour NLL 3.0 minus own NLL 2.0
    assert neighbourhood_score(own, neighbours) == pytest.approx(1.0)
    # A text easier than its neighbours would have scored higher, a harder one lower.
    assert neighbourhood_score(_scores([-0.5]), neighbours) == pytest.approx(2.5)
    assert neighbourhood_score(_scores([-4.0]), neighbours) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="at least one neighbour"):
        neighbourhood_score(own, [])


@pytest.mark.parametrize("n_replaced", [1, 2, 3])
def test_neighbours_differ_in_exactly_n_replaced_positions(n_replaced: int) -> None:
    tokens = [10, 11, 12, 13, 14, 15]
    candidates = {p: [[100 + p], [200 + p]] for p in range(len(tokens))}
    candidates[2] = []  # every proposal was the original token: never picked
    neighbours = make_neighbours(tokens, candidates, 20, n_replaced, np.random.default_rng(0))
    assert len(neighbours) == 20
    for n in neighbours:
        assert len(n) == len(tokens)
        changed = [p for p in range(len(tokens)) if n[p] != tokens[p]]
        assert len(changed) == n_replaced and 2 not in changed
        assert all(n[p] in (100 + p, 200 + p) for p in changed)
    # Seeded: the same generator seed gives the same neighbours.
    assert neighbours == make_neighbours(tokens, candidates, 20, n_replaced, np.random.default_rng(0))


def test_multi_token_proposals_and_too_few_positions() -> None:
    (n,) = make_neighbours([1, 2, 3], {0: [], 1: [[7, 8]], 2: []}, 1, 1, np.random.default_rng(0))
    assert n == [1, 7, 8, 3]
    with pytest.raises(ValueError, match="fewer than n_replaced=2"):
        make_neighbours([1, 2, 3], {0: [], 1: [[7, 8]], 2: []}, 1, 2, np.random.default_rng(0))


def _tokenizer() -> PreTrainedTokenizerFast:
    vocab = {tok: i for i, tok in enumerate(SPECIALS + WORDS)}
    backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        mask_token="<mask>",
        model_max_length=60,
    )


@pytest.fixture(scope="module")
def tiny() -> dict:
    torch.manual_seed(0)
    tok = _tokenizer()
    vocab = len(SPECIALS) + len(WORDS)
    target = GPTNeoXForCausalLM(
        GPTNeoXConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    ).eval()
    mlm = RobertaForMaskedLM(
        RobertaConfig(
            vocab_size=vocab,
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
            pad_token_id=0,
            bos_token_id=1,
            eos_token_id=2,
        )
    ).eval()
    rng = np.random.default_rng(1)
    canaries = [[int(t) + len(SPECIALS) for t in rng.integers(len(WORDS), size=n)] for n in (6, 9, 7)]
    return {"tok": tok, "target": target, "mlm": mlm, "canaries": canaries}


def test_end_to_end_batched_equals_alone(tiny: dict) -> None:
    target, tok, mlm, canaries = tiny["target"], tiny["tok"], tiny["mlm"], tiny["canaries"]
    own = token_scores(target, canaries, batch_size=8)
    kwargs = {"n_neighbours": 5, "n_replaced": 2, "top_k": 10, "seed": 3}
    batched = neighborhood_scores(target, tok, canaries, own, mlm, tok, batch_size=4, **kwargs)
    alone = [neighborhood_scores(target, tok, [c], [o], mlm, tok, batch_size=1, **kwargs)[0] for c, o in zip(canaries, own)]
    assert len(batched) == len(canaries)
    assert batched == pytest.approx(alone, abs=1e-5)
    assert all(np.isfinite(batched))
    # Another seed draws other neighbours.
    assert neighborhood_scores(target, tok, canaries, own, mlm, tok, **{**kwargs, "seed": 4}) != pytest.approx(batched)
    # By hand for canary 2: its neighbours rebuilt from the MLM candidates and scored one at a time.
    c = canaries[2]
    (options,) = replacement_candidates([c], [list(range(len(c)))], tok, mlm, tok, 10, 64)
    neighbours = make_neighbours(c, options, 5, 2, canary_rng(3, c))
    assert all(sum(a != b for a, b in zip(n, c)) == 2 for n in neighbours)  # single-token words here
    one_by_one = [token_scores(target, [n], batch_size=1)[0] for n in neighbours]
    assert batched[2] == pytest.approx(neighbourhood_score(own[2], one_by_one), abs=1e-5)


def test_draws_ask_only_for_the_positions_they_reach() -> None:
    tokens = list(range(10, 40))
    everything = {p: [[100 + p], [200 + p]] for p in range(len(tokens))}
    everything[4] = []
    full, _ = draw_swaps(tokens, everything, 5, 1, canary_rng(0, tokens))
    # Knowing nothing: the draw stops short and names positions to look up.
    drawn, missing = draw_swaps(tokens, {}, 5, 1, canary_rng(0, tokens), expected_options=2)
    assert drawn is None and 0 < len(missing) <= 5
    # Rounds of lookups reach the draw that full knowledge gives, without asking for every position.
    known: dict[int, list[list[int]]] = {}
    while True:
        drawn, missing = draw_swaps(tokens, known, 5, 1, canary_rng(0, tokens), expected_options=2)
        if drawn is not None:
            break
        known.update({p: everything[p] for p in missing})
    assert drawn == full and len(known) < len(tokens)
