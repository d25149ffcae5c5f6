"""Cutting books into fine-tuning examples that never cross a book boundary."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from mosaic_exp.batching import pad_right
from mosaic_exp.errors import UserError


def book_chunks(books: Sequence[Sequence[int]], length: int, pad_id: int) -> dict[str, torch.Tensor]:
    """Consecutive ``length``-token chunks of each book; a book's last chunk is padded.

    Returns ``input_ids``, ``attention_mask`` and ``labels`` (``-100`` on
    padding, so padded positions are neither attended to nor predicted).
    """
    if length < 2:
        raise UserError(f"the chunk length must be at least 2, got {length}")
    rows: list[list[int]] = []
    for tokens in books:
        rows.extend(list(tokens[i : i + length]) for i in range(0, len(tokens), length))
    rows = [r for r in rows if len(r) >= 2]
    if not rows:
        raise UserError("the books hold no chunk of 2 or more tokens")
    ids, mask = pad_right(rows, pad_id, width=length)
    labels = ids.masked_fill(mask == 0, -100)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


FIELDS = ("input_ids", "attention_mask", "labels")


def chunk_rows(chunks: dict[str, torch.Tensor]) -> list[tuple[torch.Tensor, ...]]:
    """One ``(input_ids, attention_mask, labels)`` tuple per chunk, for a DataLoader."""
    return list(zip(*(chunks[f] for f in FIELDS)))


def collate_chunks(rows: list[tuple[torch.Tensor, ...]]) -> dict[str, torch.Tensor]:
    """Stacks chunk tuples into the batch a HF model takes."""
    return dict(zip(FIELDS, map(torch.stack, zip(*rows))))
