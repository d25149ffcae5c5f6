"""Vectorized window distances used to write the planted ground truth and the analysis.

They run on a few thousand windows at most; the scan itself is rust_sa's.
"""

from __future__ import annotations

import numpy as np


def hamming_windows(body: np.ndarray, target: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Hamming distance of ``target`` to the windows of ``body`` starting at ``offsets``."""
    windows = body[offsets[:, None] + np.arange(len(target))[None, :]]
    return (windows != target[None, :]).sum(axis=1)


def longest_common_substring(windows: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Length of the longest run of tokens each row of ``windows`` shares with ``target``.

    A window shares an n-gram with the target exactly when this is ≥ n, so one
    pass answers the n-gram deduplication question for every n. The dynamic
    programme runs over window positions, vectorized over rows and target positions.
    """
    windows = np.asarray(windows)
    rows, length = windows.shape
    best = np.zeros(rows, dtype=np.int32)
    prev = np.zeros((rows, len(target)), dtype=np.int32)
    for i in range(length):
        eq = windows[:, i, None] == target[None, :]
        cur = np.zeros_like(prev)
        cur[:, 0] = eq[:, 0]
        cur[:, 1:] = (prev[:, :-1] + 1) * eq[:, 1:]
        np.maximum(best, cur.max(axis=1), out=best)
        prev = cur
    return best
