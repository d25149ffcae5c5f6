"""Small, dependency-free distances used to write the planted ground truth.

They run on a few thousand windows at most; the scan itself is rust_sa's.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def levenshtein(a: Sequence[int], b: Sequence[int]) -> int:
    """Edit distance of two token sequences (Myers/Hyyrö bit-vectors on Python ints).

    Python integers are arbitrary-precision, so one integer holds the whole
    column of the dynamic programme whatever the pattern length.
    """
    m = len(a)
    if m == 0:
        return len(b)
    full = (1 << m) - 1
    high = 1 << (m - 1)
    peq: dict[int, int] = {}
    for i, c in enumerate(a):
        peq[int(c)] = peq.get(int(c), 0) | (1 << i)
    pv, mv, score = full, 0, m
    for c in b:
        eq = peq.get(int(c), 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & full) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        # Global alignment: the top row of the table grows by one per text token.
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
    return score


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
