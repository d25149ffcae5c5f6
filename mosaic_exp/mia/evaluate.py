"""Scoring members and non-members with every attack, and summarizing per attack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.canaries.sample import Canary
from mosaic_exp.metrics.roc import roc_summary
from mosaic_exp.mia.attacks import ATTACKS, all_scores
from mosaic_exp.mia.bag_of_words import bag_of_words
from mosaic_exp.mia.config import MIAConfig
from mosaic_exp.mia.dc_pdd import dc_pdd, smoothed_frequencies
from mosaic_exp.mia.extra import extra_scores
from mosaic_exp.mia.forward import token_scores
from mosaic_exp.mia.surp import surp


def _encode(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> list[list[int]]:
    # As the text appears on its own: no BOS, which the canary tokens have not either.
    return tokenizer(list(texts), add_special_tokens=False)["input_ids"]


def score_canaries(
    target: PreTrainedModel,
    target_tokenizer: PreTrainedTokenizerBase,
    members: Sequence[Canary],
    non_members: Sequence[Canary],
    reference: PreTrainedModel | None = None,
    reference_tokenizer: PreTrainedTokenizerBase | None = None,
    k: float = 20,
    batch_size: int = 32,
    token_counts: np.ndarray | None = None,
    settings: MIAConfig | None = None,
    mlm: PreTrainedModel | None = None,
    mlm_tokenizer: PreTrainedTokenizerBase | None = None,
) -> list[dict[str, Any]]:
    """One row per canary: ``canary``, ``member`` and a score per attack.

    Three forward passes per text in all: the target on the canary tokens
    (with the moments of min-k%++ and surp), the target on the lowercased
    text, and the reference on the text in its own tokenization. dc_pdd
    needs ``token_counts``, the reference corpus's counts per token id of
    the target's vocabulary (:func:`~mosaic_exp.mia.dc_pdd.build_token_counts`).
    bag_of_words reads the texts and labels alone (out-of-fold, no model).
    With ``settings`` (``mia``, whose ``k`` and ``batch_size`` then replace the
    arguments), the attacks that need passes of their own run too
    (:mod:`mosaic_exp.mia.extra`), and ``settings.attacks`` selects the attacks:
    an unselected attack costs no pass (None: every attack whose inputs are
    available). Without it, the shared-pass attacks run with their defaults.
    """
    if settings is not None:
        k, batch_size = settings.k, settings.batch_size
    s = settings if settings is not None else MIAConfig()
    attacks = None if s.attacks is None else set(s.attacks)

    def wanted(name: str) -> bool:
        return attacks is None or name in attacks

    canaries = list(members) + list(non_members)
    pad = target_tokenizer.pad_token_id or 0
    main = token_scores(target, [c.tokens for c in canaries], batch_size, moments=True, pad_id=pad, progress="MIA: target")
    lowered: list[Any] = [None] * len(canaries)
    if wanted("lowercase"):
        lowered_ids = _encode(target_tokenizer, [c.text.lower() for c in canaries])
        lowered = token_scores(target, lowered_ids, batch_size, pad_id=pad, progress="MIA: target, lowercased")
    referenced: list[Any] = [None] * len(canaries)
    if reference is not None and reference_tokenizer is not None and wanted("ratio"):
        ref_pad = reference_tokenizer.pad_token_id or 0
        # A canary's text starts with the space that separates it in a book; the reference reads the words
        # alone (a SentencePiece reference would score a lone "▁" piece for that space).
        texts = [c.text.lstrip() for c in canaries]
        referenced = token_scores(reference, _encode(reference_tokenizer, texts), batch_size, pad_id=ref_pad, progress="MIA: reference")
    frequencies = None if token_counts is None else smoothed_frequencies(token_counts)
    rows = []
    for i, canary in enumerate(canaries):
        rows.append(
            {
                "canary": i if i < len(members) else i - len(members),
                "member": i < len(members),
                **all_scores(main[i], canary.text, reference=referenced[i], lowered=lowered[i], k=k),
                "surp": surp(main[i], s.surp_fraction, s.surp_max_entropy),
            }
        )
        if frequencies is not None:
            rows[-1]["dc_pdd"] = dc_pdd(main[i], canary.tokens, frequencies, s.dc_pdd_a)
    if wanted("bag_of_words") and min(len(members), len(non_members)) >= 2:  # cross-validation needs two of each
        blind = bag_of_words([c.text for c in canaries], [r["member"] for r in rows], s.bag_of_words_folds, s.bag_of_words_seed)
        for row, score in zip(rows, blind):
            row["bag_of_words"] = score
    if settings is None:
        return rows
    flags = [r["member"] for r in rows]
    extra = extra_scores(target, target_tokenizer, [c.tokens for c in canaries], flags, main, settings, attacks, mlm, mlm_tokenizer)
    for name, scores in extra.items():
        for row, score in zip(rows, scores):
            row[name] = score
    if attacks is not None:
        rows = [{k: v for k, v in r.items() if k not in ATTACKS or k in attacks} for r in rows]
    return rows


def summarize(rows: Sequence[dict[str, Any]], bootstrap: int = 1000, seed: int = 0) -> dict[str, dict[str, float | None]]:
    """For every attack present in the rows: AUC with its bootstrap std and 95% interval, TPR at 0.1% / 1% / 10% FPR.

    ``bootstrap`` and ``seed`` are ``mia.bootstrap`` and ``mia.bootstrap_seed``;
    every attack resamples the same canaries (same seed), so their intervals
    are comparable. An attack is summarized over the canaries it scored.
    """
    # In the order the rows name them (the printed table's order).
    attacks = [k for k in dict.fromkeys(key for r in rows for key in r) if k in ATTACKS]
    summary = {}
    for attack in attacks:
        # Attacks that hold canaries out (ReCaLL's shots) leave them unscored: None or absent.
        scored = [r for r in rows if r.get(attack) is not None]
        summary[attack] = roc_summary([r[attack] for r in scored], [int(r["member"]) for r in scored], bootstrap, seed)
    return summary
