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

Cost: one MLM query per position of every canary (all in large batches) and
one batched target pass over all neighbours of all canaries; the canary's
own loss comes from the shared pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.mia.forward import TokenScores, token_scores
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


def make_neighbours(
    tokens: Sequence[int],
    candidates: dict[int, list[list[int]]],
    n_neighbours: int,
    n_replaced: int,
    rng: np.random.Generator,
) -> list[list[int]]:
    """``n_neighbours`` copies of ``tokens``, each with ``n_replaced`` distinct positions replaced.

    ``candidates`` maps a position to its proposals (target token lists, none
    equal to the original token); positions without any are never picked.
    """
    if n_neighbours < 1 or n_replaced < 1:
        raise ValueError(f"n_neighbours and n_replaced must be at least 1, got {n_neighbours} and {n_replaced}")
    eligible = sorted(p for p, options in candidates.items() if options)
    if len(eligible) < n_replaced:
        raise ValueError(
            f"a canary of {len(tokens)} tokens has {len(eligible)} positions with an MLM proposal other than "
            f"the original token, fewer than n_replaced={n_replaced}; raise top_k or lower n_replaced"
        )
    neighbours = []
    for _ in range(n_neighbours):
        positions = rng.choice(eligible, size=n_replaced, replace=False)
        swaps = {int(p): candidates[int(p)][int(rng.integers(len(candidates[int(p)])))] for p in positions}
        neighbours.append(apply_replacements(tokens, swaps))
    return neighbours


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
    MLM proposes ``top_k`` tokens at every position of every canary in one
    batched call; all ``n_neighbours`` neighbours of all canaries then go
    through the target in one batched :func:`token_scores` call.
    """
    if len(own) != len(token_lists):
        raise ValueError(f"{len(token_lists)} canaries but {len(own)} own token scores")
    references = [list(map(int, t)) for t in token_lists]
    candidates = replacement_candidates(
        references, [list(range(len(t))) for t in references], target_tokenizer, mlm, mlm_tokenizer, top_k, mlm_batch_size
    )
    flat: list[list[int]] = []
    for tokens, options in zip(references, candidates):
        flat += make_neighbours(tokens, options, n_neighbours, n_replaced, canary_rng(seed, tokens))
    scored = token_scores(target, flat, batch_size, pad_id=pad_id, progress="MIA: neighbours") if flat else []
    return [neighbourhood_score(o, scored[i * n_neighbours : (i + 1) * n_neighbours]) for i, o in enumerate(own)]
