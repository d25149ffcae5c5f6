"""Fuzzy duplicates that permute n-gram blocks to a target token-level Kendall-tau distance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mosaic_exp.distance import kendall_tau_between
from mosaic_exp.errors import UserError
from mosaic_exp.perturb.base import PerturbationBase, PerturbEnv, Variation

# How far from its target a shuffle may land: the paper's notebook keeps a
# permutation whose distance d has floor(100 d) / 100 == target.
TOLERANCE = 0.01


def permutation_with_inversions(n: int, k: int, rng: np.random.Generator) -> list[int]:
    """A random permutation of ``range(n)`` with exactly ``k`` inversions.

    Its Lehmer code (``c[i]`` = later elements smaller than the i-th) sums to
    the inversion count; we spread ``k`` random units over the code's slots,
    where slot ``i`` holds at most ``n - 1 - i``, then decode.
    """
    if not 0 <= k <= n * (n - 1) // 2:
        raise UserError(f"a permutation of {n} has between 0 and {n * (n - 1) // 2} inversions, not {k}")
    units = np.repeat(np.arange(n), np.arange(n - 1, -1, -1))
    code = np.bincount(rng.permutation(units)[:k], minlength=n)
    remaining = list(range(n))
    return [remaining.pop(int(c)) for c in code]


def token_positions(order: Sequence[int], sizes: Sequence[int]) -> list[int]:
    """The original position of the token standing at each place once the blocks
    (of lengths ``sizes``) are laid out in ``order``."""
    starts = np.cumsum([0, *sizes])
    return [int(p) for b in order for p in range(starts[b], starts[b] + sizes[b])]


def inversion_splits(m: int, block: int, last: int) -> np.ndarray:
    """Token-level normalized Kendall-tau distance of every block order, by its split.

    Entry ``[k_full, k_last]`` is the distance of an order of ``m`` blocks
    (``m - 1`` of ``block`` tokens, the last of ``last <= block``) that has
    ``k_full`` inversions among the full blocks and ``k_last`` full blocks
    placed after the last one. Token pairs inside a block never change order,
    so an inverted pair of blocks costs the product of their sizes.
    """
    n = (m - 1) * block + last
    k_full = np.arange((m - 1) * (m - 2) // 2 + 1)[:, None]
    k_last = np.arange(m)[None, :]
    return (block * block * k_full + block * last * k_last) / (n * (n - 1) / 2)


class Shuffle(PerturbationBase):
    """Cut the canary into ``block``-token blocks and reorder them.

    The target is the normalized Kendall-tau distance between the TOKEN
    positions of the copy and of the canary, not between block orders: that is
    what the paper measures (notebooks/kendall_tau.ipynb). Each variation takes
    the achievable distance nearest the target, which moves in steps of about
    ``block^2 / (n (n - 1) / 2)`` for ``n`` tokens and stays below 1 (pairs
    inside a block keep their order): e.g. at most 90/99 for 100 tokens in
    blocks of 10. A target farther than 0.01 from every achievable distance is
    an error.
    """

    def __init__(self, block: int, kendall_tau: float, **common: Any) -> None:
        super().__init__(**common)
        if block < 1 or not 0.0 <= kendall_tau <= 1.0:
            raise UserError(f"perturbation.block must be >= 1 and kendall_tau in [0, 1], got {block}, {kendall_tau}")
        self.block = block
        self.kendall_tau = kendall_tau

    def nearest_splits(self, n_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """The distance table of ``inversion_splits`` for a canary of ``n_tokens``,
        and the ``(k_full, k_last)`` splits whose distance is nearest the target."""
        m = -(-n_tokens // self.block)
        if m < 2:
            raise UserError(f"a canary of {n_tokens} tokens has fewer than 2 blocks of {self.block}")
        last = n_tokens - (m - 1) * self.block
        distance = inversion_splits(m, self.block, last)
        error = np.abs(distance - self.kendall_tau)
        best = error.min()
        if best > TOLERANCE + 1e-9:
            step = self.block * last / (n_tokens * (n_tokens - 1) / 2)
            raise UserError(
                f"shuffle: a token-level Kendall-tau of {self.kendall_tau} is out of reach for {n_tokens} tokens in "
                f"blocks of {self.block}: achievable distances run from 0 to {distance.max():.4f} in steps of about "
                f"{step:.4f}, the nearest being {distance.flat[error.argmin()]:.4f}. "
                f"Use a smaller perturbation.block (finer steps, reaching closer to 1) or a kendall_tau within "
                f"{TOLERANCE} of an achievable distance."
            )
        # Splits tied for nearest are all fair draws: keep every one of them.
        return distance, np.argwhere(error <= best + 1e-12)

    def generate(self, references: list[list[int]], env: PerturbEnv) -> list[list[Variation]]:
        """``n_variations`` block orders of every reference, each at the achievable distance nearest the target."""
        rng = self.rng()
        out = []
        for ref in self.each(references):
            distance, splits = self.nearest_splits(len(ref))
            blocks = [list(ref[i : i + self.block]) for i in range(0, len(ref), self.block)]
            m = len(blocks)
            variations = []
            for _ in range(self.n_variations):
                k_full, k_last = (int(k) for k in splits[rng.integers(len(splits))])
                # The last block may be short, so its inversions weigh less: order the
                # full blocks with k_full inversions, then put the last block k_last
                # places from the end (it outranks every block after it).
                order = permutation_with_inversions(m - 1, k_full, rng)
                order.insert(m - 1 - k_last, m - 1)
                tokens = [t for b in order for t in blocks[b]]
                positions = token_positions(order, [len(b) for b in blocks])
                tau = kendall_tau_between(range(len(ref)), positions)
                assert abs(tau - distance[k_full, k_last]) < 1e-9, "the split and the measured distance disagree"
                moved = [i for i, (a, b) in enumerate(zip(tokens, ref)) if a != b]
                variations.append(Variation.of(ref, tokens, edited_positions=moved, kendall_tau=tau, block_order=order))
            out.append(variations)
        return out
