"""ReCaLL and Con-ReCall: how a text's likelihood moves when other texts are put before it.

- ``recall`` (Xie et al. 2024, "ReCaLL: Membership Inference via Relative
  Conditional Log-Likelihoods", arXiv:2406.15968)::

      recall(x) = LL(x | P_non) / LL(x)

  with ``P_non`` the concatenated non-member shots and LL the mean token
  log-likelihood (negative). The paper finds that a non-member prefix lowers
  the likelihood of a member more than that of a non-member, so the ratio of
  two negative numbers is larger for members: higher = member, as the SoK
  benchmark (computationalprivacy/mia_llms_benchmark, ``attacks/recall.py``:
  NLL ratio fed to the ROC as is) and the authors' evaluation (ROC on the score
  as is) use it.
- ``con_recall`` (Wang et al. 2024, "Con-ReCall: Detecting Pre-training Data in
  LLMs via Contrastive Decoding", arXiv:2409.03363)::

      con_recall(x) = (LL(x | P_non) − γ · LL(x | P_mem)) / LL(x)

  A member prefix raises a member's likelihood while a non-member prefix
  lowers it; contrasting the two widens the gap. The authors sweep γ over
  0.1 … 1.0 and report the best; the SoK benchmark (``attacks/conrecall.py``)
  fixes γ = 1, our default, since no labelled data is there to tune it on.
  Higher = member, as in both.

Shots (default ``n_shots`` = 10, the SoK's ``recall``/``conrecall`` setting) are
canaries drawn with ``seed``: ``n_shots`` non-members (``P_non``, shared by both
attacks) and ``n_shots`` members (``P_mem``). They are *held out*: both attacks
give them no score (None), so the two AUCs are over the same canaries and no
text is scored after a prefix that contains itself. The prefix is the shots in
drawn order, each followed by ``separator`` (the SoK joins texts with a space;
our canary tokens already start with theirs, hence no separator by default).
One prefix serves every canary (the SoK's ``fixed_prefix``): it is read once,
and all canaries continue from its cached keys and values in batched passes
(:mod:`~mosaic_exp.mia.prefix_cache`). Where the prefix and the longest canary exceed the model's context, the
earliest shots are dropped, as the authors do.

Like with like: the shared, unprefixed pass cannot predict a text's first
token, so LL(x) is over tokens 1..n−1. The prefixed pass *does* predict token 0
(from the prefix), but that log-probability is dropped, so LL(x | P) is over
the same tokens 1..n−1 and the ratio compares the same predictions, with and
without the prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from transformers import PreTrainedModel

from mosaic_exp.mia.forward import TokenScores
from mosaic_exp.mia.prefix_cache import SuffixRequest, suffix_logprobs

# A denominator LL(x) of exactly 0 (every token certain) is clamped here, so the score stays finite.
_MAX_LL = -1e-12


def recall(ll: float, ll_non: float) -> float:
    """LL(x | P_non) / LL(x), both mean log-likelihoods over the same tokens."""
    return ll_non / min(ll, _MAX_LL)


def con_recall(ll: float, ll_non: float, ll_mem: float, gamma: float = 1.0) -> float:
    """(LL(x | P_non) − γ · LL(x | P_mem)) / LL(x)."""
    return (ll_non - gamma * ll_mem) / min(ll, _MAX_LL)


def choose_shots(members: Sequence[bool], n_shots: int, seed: int = 0) -> tuple[list[int], list[int]]:
    """Indices of ``n_shots`` non-members and ``n_shots`` members, drawn without replacement with ``seed``.

    The order drawn is the order in the prefix.
    """
    rng = np.random.default_rng(seed)
    picked = []
    for label in (False, True):
        pool = [i for i, m in enumerate(members) if bool(m) is label]
        if len(pool) < n_shots:
            kind = "members" if label else "non-members"
            raise ValueError(f"recall needs {n_shots} {kind} as shots, there are {len(pool)}")
        picked.append([pool[j] for j in rng.choice(len(pool), n_shots, replace=False)])
    return picked[0], picked[1]


def build_prefix(shots: Sequence[Sequence[int]], separator: Sequence[int] = (), max_tokens: int | None = None) -> list[int]:
    """The shots in order, each followed by ``separator``; the earliest dropped until at most ``max_tokens`` remain."""
    pieces = [[int(t) for t in shot] + [int(t) for t in separator] for shot in shots]
    if max_tokens is not None:
        while pieces and sum(map(len, pieces)) > max_tokens:
            pieces.pop(0)
    return [t for piece in pieces for t in piece]


def prefixed_logprobs(
    model: PreTrainedModel,
    prefix: Sequence[int],
    token_lists: Sequence[Sequence[int]],
    batch_size: int = 32,
    pad_id: int = 0,
) -> list[torch.Tensor]:
    """log p(x_j | prefix, x_<j) for j = 1..n−1 of every x (x's first token is not returned, see module doc).

    The prefix is read once: every text continues from its cached keys and
    values (:func:`~mosaic_exp.mia.prefix_cache.suffix_logprobs`), so a pass
    costs the text's tokens, not the shots' as well.
    """
    prefix = [int(t) for t in prefix]
    requests = [SuffixRequest(0, len(prefix), prefix + [int(t) for t in x]) for x in token_lists]
    # Each result starts at x's first token, predicted from the prefix alone: dropped, as in the module doc.
    return [s[1:] for s in suffix_logprobs(model, [prefix], requests, batch_size, pad_id=pad_id)]


def recall_scores(
    target: PreTrainedModel,
    token_lists: Sequence[Sequence[int]],
    members: Sequence[bool],
    own: Sequence[TokenScores],
    *,
    n_shots: int = 10,
    seed: int = 0,
    batch_size: int = 32,
    pad_id: int = 0,
    separator: Sequence[int] = (),
    gamma: float = 1.0,
) -> dict[str, list[float | None]]:
    """``{"recall": [...], "con_recall": [...]}``, one entry per canary in order, None for the held-out shots.

    ``own`` are the canaries' scores from the shared unprefixed pass (LL(x) is
    their mean, not recomputed). Two extra passes over the scored canaries: one
    after the non-member prefix, one after the member prefix.
    """
    if not len(token_lists) == len(members) == len(own):
        raise ValueError("token_lists, members and own must have one entry per canary")
    for x, scores in zip(token_lists, own):
        if len(scores.logprobs) != len(x) - 1:
            raise ValueError("own[i] must score tokens 1..n-1 of token_lists[i] (the shared unprefixed pass)")
    non_shots, mem_shots = choose_shots(members, n_shots, seed)
    held_out = set(non_shots) | set(mem_shots)
    scored = [i for i in range(len(token_lists)) if i not in held_out]
    texts = [token_lists[i] for i in scored]
    context = getattr(target.config, "max_position_embeddings", None)
    room = None if context is None or not texts else context - max(map(len, texts))
    out: dict[str, list[float | None]] = {"recall": [None] * len(token_lists), "con_recall": [None] * len(token_lists)}
    if not scored:
        return out
    lls = {}
    for name, shots in (("non", non_shots), ("mem", mem_shots)):
        prefix = build_prefix([token_lists[i] for i in shots], separator, room)
        if not prefix:
            raise ValueError("no shot fits in the model's context before the longest canary")
        lls[name] = [float(lp.mean()) for lp in prefixed_logprobs(target, prefix, texts, batch_size, pad_id)]
    for j, i in enumerate(scored):
        ll = float(own[i].logprobs.mean())
        out["recall"][i] = recall(ll, lls["non"][j])
        out["con_recall"][i] = con_recall(ll, lls["non"][j], lls["mem"][j], gamma)
    return out
