"""Fuzzy duplicates that permute n-gram blocks to a target Kendall-tau distance."""

from __future__ import annotations

from typing import Any

import numpy as np

from mosaic_exp.perturb.base import PerturbationBase, PerturbEnv, Variation
from mosaic_exp.distance import kendall_tau_distance


def permutation_with_inversions(n: int, k: int, rng: np.random.Generator) -> list[int]:
    """A random permutation of ``range(n)`` with exactly ``k`` inversions.

    Its Lehmer code (``c[i]`` = later elements smaller than the i-th) sums to
    the inversion count; we spread ``k`` random units over the code's slots,
    where slot ``i`` holds at most ``n - 1 - i``, then decode.
    """
    if not 0 <= k <= n * (n - 1) // 2:
        raise ValueError(f"a permutation of {n} has between 0 and {n * (n - 1) // 2} inversions, not {k}")
    units = np.repeat(np.arange(n), np.arange(n - 1, -1, -1))
    code = np.bincount(rng.permutation(units)[:k], minlength=n)
    remaining = list(range(n))
    return [remaining.pop(int(c)) for c in code]


class Shuffle(PerturbationBase):
    """Cut the canary into ``block``-token blocks and reorder them.

    The achieved distance is the nearest the block count allows: with ``m``
    blocks it moves in steps of ``1 / (m (m - 1) / 2)``.
    """

    def __init__(self, block: int, kendall_tau: float, **common: Any) -> None:
        super().__init__(**common)
        if block < 1 or not 0.0 <= kendall_tau <= 1.0:
            raise ValueError(f"perturbation.block must be >= 1 and kendall_tau in [0, 1], got {block}, {kendall_tau}")
        self.block = block
        self.kendall_tau = kendall_tau

    def generate(self, references: list[list[int]], env: PerturbEnv) -> list[list[Variation]]:
        rng = self.rng()
        out = []
        for ref in references:
            blocks = [list(ref[i : i + self.block]) for i in range(0, len(ref), self.block)]
            m = len(blocks)
            if m < 2:
                raise ValueError(f"a canary of {len(ref)} tokens has fewer than 2 blocks of {self.block}")
            k = int(round(self.kendall_tau * m * (m - 1) / 2))
            variations = []
            for _ in range(self.n_variations):
                order = permutation_with_inversions(m, k, rng)
                tokens = [t for b in order for t in blocks[b]]
                moved = [i for i, (a, b) in enumerate(zip(tokens, ref)) if a != b]
                variations.append(
                    Variation.of(
                        ref, tokens, edited_positions=moved, kendall_tau=kendall_tau_distance(order), block_order=order
                    )
                )
            out.append(variations)
        return out
