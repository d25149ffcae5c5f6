"""Turning token sequences of different lengths into padded batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch


def pad_right(sequences: Sequence[Sequence[int]], pad_id: int, width: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``[n, width]`` token ids padded on the right with ``pad_id``, and the attention mask."""
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    longest = int(lengths.max())
    width = width or longest
    if longest > width:
        raise ValueError(f"a sequence of {longest} tokens does not fit a width of {width}")
    mask = torch.arange(width) < lengths[:, None]
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    # One scatter of every token instead of a copy per row: batches hold thousands of rows.
    ids[mask] = torch.from_numpy(np.concatenate([np.asarray(s, dtype=np.int64).reshape(-1) for s in sequences]))
    return ids, mask.long()


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices in batches of similar length, so little of each batch is padding."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]
