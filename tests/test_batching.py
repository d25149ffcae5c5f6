"""Padding and length-sorted batching of token sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mosaic_exp.batching import length_sorted_batches, pad_right


def test_pad_right_keeps_every_token_in_place_and_masks_the_rest() -> None:
    sequences = [[5, 6, 7], [8], np.array([9, 10]), torch.tensor([11, 12, 13])]
    ids, mask = pad_right(sequences, pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0], [11, 12, 13]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert ids.dtype == mask.dtype == torch.long


def test_pad_right_to_a_fixed_width_and_refuses_longer_rows() -> None:
    ids, mask = pad_right([[1, 2]], pad_id=-1, width=4)
    assert ids.tolist() == [[1, 2, -1, -1]] and mask.tolist() == [[1, 1, 0, 0]]
    with pytest.raises(ValueError, match="does not fit a width of 2"):
        pad_right([[1, 2, 3]], pad_id=0, width=2)


def test_length_sorted_batches_cover_every_index_once_in_length_order() -> None:
    lengths = [5, 1, 4, 1, 3, 2, 9]
    batches = list(length_sorted_batches(lengths, 3))
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(len(b) <= 3 for b in batches)
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(lengths)
