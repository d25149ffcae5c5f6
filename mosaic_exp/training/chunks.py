"""Cutting books into fine-tuning examples that never cross a book boundary."""

from __future__ import annotations

from typing import Sequence

import torch


def book_chunks(books: Sequence[Sequence[int]], length: int, pad_id: int) -> dict[str, torch.Tensor]:
    """Consecutive ``length``-token chunks of each book; a book's last chunk is padded.

    Returns ``input_ids``, ``attention_mask`` and ``labels`` (``-100`` on
    padding, so padded positions are neither attended to nor predicted).
    """
    if length < 2:
        raise ValueError(f"the chunk length must be at least 2, got {length}")
    rows: list[list[int]] = []
    for tokens in books:
        rows.extend(list(tokens[i : i + length]) for i in range(0, len(tokens), length))
    rows = [r for r in rows if len(r) >= 2]
    if not rows:
        raise ValueError("the books hold no chunk of 2 or more tokens")
    ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = torch.as_tensor(row)
        mask[r, : len(row)] = 1
    labels = ids.masked_fill(mask == 0, -100)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
