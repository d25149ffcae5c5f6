"""Extraction: does greedy decoding from a canary's prefix give back its suffix?

Each canary is cut into a prefix and the suffix that follows it; the model
continues the prefix greedily for as many tokens as the suffix has, and the
continuation is compared with the true suffix in target tokens: BLEU-4
(torchmetrics, unsmoothed, token ids as words) and edit similarity
1 − Levenshtein / length.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torchmetrics.functional.text import bleu_score
from tqdm import tqdm
from transformers import PreTrainedModel

from mosaic_exp.batching import pad_right
from mosaic_exp.distance import levenshtein
from mosaic_exp.errors import UserError

METRICS = ("bleu", "edit_similarity")


def pad_left(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``[n, width]`` token ids padded on the left, so that every row ends where generation starts."""
    ids, mask = pad_right([list(reversed(s)) for s in sequences], pad_id)
    return ids.flip(1), mask.flip(1)


@torch.inference_mode()
def greedy_continuations(
    model: PreTrainedModel,
    prefixes: Sequence[Sequence[int]],
    new_tokens: int,
    batch_size: int = 32,
    pad_id: int = 0,
    eos_id: int | None = None,
) -> list[list[int]]:
    """The greedy continuation of every prefix, at most ``new_tokens`` long (it stops at EOS)."""
    if any(len(p) == 0 for p in prefixes):
        raise ValueError("every prefix needs at least one token to continue from")
    device = next(model.parameters()).device
    out: list[list[int]] = []
    for start in tqdm(range(0, len(prefixes), batch_size), desc="extraction", unit="batch", disable=None):
        ids, mask = pad_left(prefixes[start : start + batch_size], pad_id)
        generated = model.generate(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            do_sample=False,
            num_beams=1,
            max_new_tokens=new_tokens,
            min_new_tokens=0,
            pad_token_id=pad_id,
            eos_token_id=eos_id,
        )[:, ids.shape[1] :].tolist()
        for row in generated:
            # Finished rows are filled up with padding after their EOS.
            out.append(row[: row.index(eos_id)] if eos_id is not None and eos_id in row else row)
    return out


def bleu(candidate: Sequence[int], reference: Sequence[int], n_gram: int = 4) -> float:
    """Sentence BLEU of a token sequence against one reference, token ids taken as words."""
    words = lambda tokens: " ".join(map(str, tokens))  # noqa: E731
    return float(bleu_score([words(candidate)], [[words(reference)]], n_gram=n_gram))


def edit_similarity(candidate: Sequence[int], reference: Sequence[int]) -> float:
    """1 − token Levenshtein distance / the longer length (1 for two empty sequences)."""
    longest = max(len(candidate), len(reference))
    return 1.0 if longest == 0 else 1.0 - levenshtein(candidate, reference) / longest


def check_lengths(sequence_length: int, prefix_length: int, suffix_length: int) -> None:
    """Raises unless a sequence of ``sequence_length`` tokens has the prefix and the suffix."""
    if prefix_length < 1 or suffix_length < 1:
        raise UserError(f"prefix and suffix need at least one token, got {prefix_length} and {suffix_length}")
    if prefix_length + suffix_length > sequence_length:
        raise UserError(
            f"a {sequence_length}-token canary has no {prefix_length}-token prefix followed by a {suffix_length}-token "
            "suffix; lower mia.extraction_prefix_length / mia.extraction_suffix_length"
        )


def split_canary(tokens: Sequence[int], prefix_length: int, suffix_length: int) -> tuple[list[int], list[int]]:
    """The first ``prefix_length`` tokens and the ``suffix_length`` tokens after them."""
    check_lengths(len(tokens), prefix_length, suffix_length)
    return list(tokens[:prefix_length]), list(tokens[prefix_length : prefix_length + suffix_length])


def extract(
    model: PreTrainedModel,
    sequences: Sequence[Sequence[int]],
    prefix_length: int,
    suffix_length: int,
    batch_size: int = 32,
    pad_id: int = 0,
    eos_id: int | None = None,
) -> list[dict[str, Any]]:
    """Per sequence: the greedy ``continuation`` of its prefix, its BLEU and edit similarity to the suffix."""
    pairs = [split_canary(s, prefix_length, suffix_length) for s in sequences]
    continuations = greedy_continuations(model, [p for p, _ in pairs], suffix_length, batch_size, pad_id, eos_id)
    return [
        {"continuation": c, "bleu": bleu(c, suffix), "edit_similarity": edit_similarity(c, suffix)}
        for c, (_, suffix) in zip(continuations, pairs)
    ]


def mean_by_group(rows: Sequence[dict[str, Any]], groups: Sequence[str]) -> dict[str, dict[str, float]]:
    """Mean of every extraction metric per group label (e.g. members, non-members)."""
    summary: dict[str, dict[str, float]] = {}
    for group in dict.fromkeys(groups):
        chosen = [r for r, g in zip(rows, groups) if g == group]
        summary[group] = {m: sum(r[m] for r in chosen) / len(chosen) for m in METRICS}
    return summary
