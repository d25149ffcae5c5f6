"""Cutting tokenized text into fixed-length training examples."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def pack(token_lists: Sequence[Sequence[int]], length: int, separator: int) -> torch.Tensor:
    """Concatenates documents (``separator`` between them) into ``[n, length]`` rows.

    For pretraining only: rows cross document boundaries and the tail that
    does not fill a row is dropped.
    """
    if length < 2:
        raise ValueError(f"context length must be at least 2, got {length}")
    flat: list[int] = []
    for tokens in token_lists:
        flat.extend(tokens)
        flat.append(separator)
    n_rows = len(flat) // length
    if n_rows == 0:
        raise ValueError(f"the corpus has {len(flat)} tokens, fewer than one context of {length}; add books or lower the context length")
    return torch.tensor(flat[: n_rows * length], dtype=torch.long).view(n_rows, length)
