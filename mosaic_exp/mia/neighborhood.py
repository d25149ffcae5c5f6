"""Neighbourhood comparison: the text's loss against the losses of its MLM neighbours.

Mattern et al. 2023, "Membership Inference Attacks against Language Models
via Neighbourhood Comparison" (Findings of ACL 2023, arXiv:2305.18462). A
loss is only low *relative* to how hard the text is; the neighbours, copies
with a word swapped for what a masked LM finds likely there, are about as
hard but were not trained on. A member's loss sits below its neighbours',
so the score

    neighbourhood(x) = mean_j NLL(x̃_j) − NLL(x),   NLL = mean token negative log-likelihood,

is higher for members (the SoK benchmark, computationalprivacy/mia_llms_benchmark,
scores the same difference as log p(x) − mean_j log p(x̃_j)).

Settings, as the paper and the SoK benchmark run it: ``n_neighbours`` = 50
neighbours (SoK ``n_neighbors``; the paper reports 25 to 100), ``n_replaced``
= 1 token replaced per neighbour (the paper swaps a single word "for
computational reasons") and the MLM's ``top_k`` = 10 proposals per position.

Where we differ, and why: the paper ranks every (position, proposal) pair by
the MLM's probability and keeps the ``n_neighbours`` best; we draw the
positions uniformly and a proposal uniformly among the top-k, as our fuzzy
duplicates do (:class:`~mosaic_exp.perturb.replace.Replace`), reusing
:func:`~mosaic_exp.perturb.mlm_candidates.replacement_candidates`. That code
masks the token in the *target's* tokenization, so a neighbour differs from
the canary in exactly ``n_replaced`` target-token positions (a proposal may
re-tokenize to several tokens). Each canary's draws come from a generator
seeded by ``seed`` and its own tokens, so its neighbours do not depend on
which other canaries are scored with it.

Cost: one MLM query per position that some neighbour replaces (about 40 of a
100-token canary's positions for 50 neighbours; all canaries in large
batches), and one batched target pass over every neighbour from its replaced
position on, continuing from its canary's cached prefix; the canary's own loss
comes from the shared pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.mia.forward import TokenScores
from mosaic_exp.mia.prefix_cache import SuffixRequest, suffix_logprobs
from mosaic_exp.perturb.mlm_candidates import replacement_candidates
from mosaic_exp.perturb.replace import apply_replacements


def nll(scores: TokenScores) -> float:
    """Mean negative log-likelihood of the scored tokens."""
    return float(-scores.logprobs.mean())


def neighbourhood_score(own: TokenScores, neighbours: Sequence[TokenScores]) -> float:
    """Mean NLL of the neighbours minus the NLL of the text (higher = member)."""
    if not neighbours:
        raise ValueError("the neighbourhood score needs at least one neighbour")
    return float(np.mean([nll(n) for n in neighbours])) - nll(own)


def canary_rng(seed: int, tokens: Sequence[int]) -> np.random.Generator:
    """A generator that depends on ``seed`` and the canary's tokens only, not on its place in a batch."""
    return np.random.default_rng([seed, len(tokens), *map(int, tokens)])


Candidates = dict[int, list[list[int]]]


def draw_swaps(
    tokens: Sequence[int],
    candidates: Candidates,
    n_neighbours: int,
    n_replaced: int,
    rng: np.random.Generator,
    expected_options: int = 10,
) -> tuple[list[dict[int, list[int]]] | None, set[int]]:
    """The replacements of each neighbour, drawn from ``candidates`` (position → proposals).

    Each neighbour draws ``n_replaced`` distinct positions uniformly among those
    with a proposal (by rejection: a position is drawn uniformly from all and
    redrawn if it has none or was taken), then one proposal uniformly. Positions
    missing from ``candidates`` are not known yet: the draw goes on as if they
    had proposals, and returns None with the missing positions to look up, so
    the MLM is only asked about positions that are drawn (see
    :func:`neighbour_candidates`). With every drawn position known the result
    is the draw itself, whatever else ``candidates`` holds.
    """
    if n_neighbours < 1 or n_replaced < 1:
        raise ValueError(f"n_neighbours and n_replaced must be at least 1, got {n_neighbours} and {n_replaced}")
    eligible = sum(1 for options in candidates.values() if options)
    if len(candidates) == len(tokens) and eligible < n_replaced:
        raise ValueError(
            f"a canary of {len(tokens)} tokens has {eligible} positions with an MLM proposal other than "
            f"the original token, fewer than n_replaced={n_replaced}; raise top_k or lower n_replaced"
        )
    missing: set[int] = set()
    drawn = []
    for _ in range(n_neighbours):
        swaps: dict[int, list[int]] = {}
        while len(swaps) < n_replaced:
            p = int(rng.integers(len(tokens)))
            if p in swaps:
                continue
            options = candidates.get(p)
            if options is None:  # unknown: carry on as if it had proposals; the draw is redone once known
                missing.add(p)
                # Drawing the proposal's index keeps the stream close to the true one
                # (a bounded draw nearly always takes one number whatever the bound).
                swaps[p] = [int(rng.integers(expected_options))]
            elif options:
                swaps[p] = options[int(rng.integers(len(options)))]
        drawn.append(swaps)
    return (None, missing) if missing else (drawn, missing)


def make_neighbours(
    tokens: Sequence[int], candidates: Candidates, n_neighbours: int, n_replaced: int, rng: np.random.Generator
) -> list[list[int]]:
    """``n_neighbours`` copies of ``tokens``, each with ``n_replaced`` distinct positions replaced.

    ``candidates`` maps every position to its proposals (target token lists,
    none equal to the original token); positions without any are never picked.
    """
    if len(candidates) != len(tokens):
        raise ValueError(f"candidates for {len(candidates)} of the canary's {len(tokens)} positions; all are needed")
    drawn, _ = draw_swaps(tokens, candidates, n_neighbours, n_replaced, rng)
    return [apply_replacements(tokens, swaps) for swaps in drawn or []]


def neighbour_candidates(
    references: list[list[int]],
    target_tokenizer: PreTrainedTokenizerBase,
    mlm: PreTrainedModel,
    mlm_tokenizer: PreTrainedTokenizerBase,
    *,
    n_neighbours: int,
    n_replaced: int,
    top_k: int,
    seed: int,
    mlm_batch_size: int,
) -> list[list[dict[int, list[int]]]]:
    """Every canary's drawn replacements, asking the MLM only about the positions drawn.

    Rounds: draw with what is known, query the MLM for all canaries' missing
    positions in one batched call, draw again. Fifty neighbours of a
    100-token canary touch about 40 of its positions, so this is about 2.5×
    cheaper than proposals at every position, and the draws are those that
    proposals at every position would give (:func:`draw_swaps`).
    """
    known: list[Candidates] = [{} for _ in references]
    result: list[list[dict[int, list[int]]] | None] = [None] * len(references)
    while True:
        asked: list[list[int]] = [[] for _ in references]
        for c, tokens in enumerate(references):
            if result[c] is None:
                rng = canary_rng(seed, tokens)
                drawn, missing = draw_swaps(tokens, known[c], n_neighbours, n_replaced, rng, top_k)
                result[c], asked[c] = drawn, sorted(missing)
        if not any(asked):
            return result  # type: ignore[return-value]
        found = replacement_candidates(references, asked, target_tokenizer, mlm, mlm_tokenizer, top_k, mlm_batch_size)
        for c, options in enumerate(found):
            known[c].update(options)


def neighborhood_scores(
    target: PreTrainedModel,
    target_tokenizer: PreTrainedTokenizerBase,
    token_lists: Sequence[Sequence[int]],
    own: Sequence[TokenScores],
    mlm: PreTrainedModel,
    mlm_tokenizer: PreTrainedTokenizerBase,
    *,
    n_neighbours: int = 50,
    n_replaced: int = 1,
    top_k: int = 10,
    seed: int = 0,
    batch_size: int = 32,
    mlm_batch_size: int = 64,
    pad_id: int = 0,
) -> list[float]:
    """One neighbourhood score per canary, in order.

    ``own`` are the canaries' token scores from the shared target pass. The
    MLM proposes ``top_k`` tokens at the positions the neighbours replace
    (:func:`neighbour_candidates`); the target then reads each neighbour only
    from its first replaced position on, continuing from its canary's cached
    prefix (:func:`~mosaic_exp.mia.prefix_cache.suffix_logprobs`): the tokens
    before it score as in ``own``.
    """
    if len(own) != len(token_lists):
        raise ValueError(f"{len(token_lists)} canaries but {len(own)} own token scores")
    references = [list(map(int, t)) for t in token_lists]
    draws = neighbour_candidates(
        references,
        target_tokenizer,
        mlm,
        mlm_tokenizer,
        n_neighbours=n_neighbours,
        n_replaced=n_replaced,
        top_k=top_k,
        seed=seed,
        mlm_batch_size=mlm_batch_size,
    )
    requests = [
        SuffixRequest(c, min(swaps), apply_replacements(tokens, swaps))
        for c, (tokens, canary_draws) in enumerate(zip(references, draws))
        for swaps in canary_draws
    ]
    suffixes = suffix_logprobs(target, references, requests, batch_size, pad_id=pad_id)
    nlls = [neighbour_nll(own[r.base], r.shared, s) for r, s in zip(requests, suffixes)]
    return [float(np.mean(nlls[i * n_neighbours : (i + 1) * n_neighbours])) - nll(o) for i, o in enumerate(own)]


def neighbour_nll(own: TokenScores, shared: int, suffix: torch.Tensor) -> float:
    """Mean NLL of a neighbour equal to its canary before token ``shared``: the canary's scores there, the suffix's after."""
    head = own.logprobs[: max(shared - 1, 0)]
    return float(-(head.sum() + suffix.sum()) / (len(head) + len(suffix)))
