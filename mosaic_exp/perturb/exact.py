"""Exact duplicates: the baseline every fuzzy setting is compared to."""

from __future__ import annotations

from typing import Any

from mosaic_exp.errors import UserError
from mosaic_exp.perturb.base import PerturbationBase, PerturbEnv, Variation


class Exact(PerturbationBase):
    """``nrep`` identical copies in all: the reference and ``nrep - 1`` variations."""

    def __init__(self, nrep: int, **common: Any) -> None:
        super().__init__(**common)
        if nrep < 1:
            raise UserError(f"nrep must be at least 1, got {nrep}")
        self.n_variations = nrep - 1

    def generate(self, references: list[list[int]], env: PerturbEnv) -> list[list[Variation]]:
        """``nrep - 1`` copies of every reference, token for token."""
        return [[Variation.of(ref, list(ref)) for _ in range(self.n_variations)] for ref in self.each(references)]
