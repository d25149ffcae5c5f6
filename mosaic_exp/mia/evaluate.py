"""Scoring members and non-members with every attack, and summarizing per attack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.canaries.sample import Canary
from mosaic_exp.metrics.roc import roc_summary
from mosaic_exp.mia.attacks import ATTACKS, all_scores
from mosaic_exp.mia.forward import token_scores


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
) -> list[dict[str, Any]]:
    """One row per canary: ``canary``, ``member`` and a score per attack.

    Three forward passes per text in all: the target on the canary tokens
    (with min-k%++ moments), the target on the lowercased text, and the
    reference on the text in its own tokenization.
    """
    canaries = list(members) + list(non_members)
    pad = target_tokenizer.pad_token_id or 0
    main = token_scores(target, [c.tokens for c in canaries], batch_size, moments=True, pad_id=pad, progress="MIA: target")
    lowered_ids = _encode(target_tokenizer, [c.text.lower() for c in canaries])
    lowered = token_scores(target, lowered_ids, batch_size, pad_id=pad, progress="MIA: target, lowercased")
    referenced: list[Any] = [None] * len(canaries)
    if reference is not None and reference_tokenizer is not None:
        ref_pad = reference_tokenizer.pad_token_id or 0
        # A canary's text starts with the space that separates it in a book; the reference reads the words
        # alone (a SentencePiece reference would score a lone "▁" piece for that space).
        texts = [c.text.lstrip() for c in canaries]
        referenced = token_scores(reference, _encode(reference_tokenizer, texts), batch_size, pad_id=ref_pad, progress="MIA: reference")
    rows = []
    for i, canary in enumerate(canaries):
        rows.append(
            {
                "canary": i if i < len(members) else i - len(members),
                "member": i < len(members),
                **all_scores(main[i], canary.text, reference=referenced[i], lowered=lowered[i], k=k),
            }
        )
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """AUC and TPR at 1% / 10% FPR for every attack present in the rows."""
    labels = [int(r["member"]) for r in rows]
    attacks = [k for k in rows[0] if k in ATTACKS]
    return {attack: roc_summary([r[attack] for r in rows], labels) for attack in attacks}
