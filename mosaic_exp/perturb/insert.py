"""Insertions of random tokens, and the scattered n-gram baseline."""

from __future__ import annotations

from typing import Any

from mosaic_exp.errors import UserError
from mosaic_exp.perturb.base import TOKENIZER, PerturbationBase, PerturbEnv, Variation


class Insert(PerturbationBase):
    """After every ``every`` tokens insert ``n_insert`` random tokens (never after the last)."""

    # Random tokens come from the target's vocabulary.
    needs = frozenset({TOKENIZER})

    def __init__(self, every: int, n_insert: int, **common: Any) -> None:
        super().__init__(**common)
        if every < 1 or n_insert < 1:
            raise UserError(f"perturbation.every and n_insert must be >= 1, got {every} and {n_insert}")
        self.every = every
        self.n_insert = n_insert

    def generate(self, references: list[list[int]], env: PerturbEnv) -> list[list[Variation]]:
        """``n_variations`` copies of every reference, each with its own random insertions."""
        rng = self.rng()
        out = []
        for ref in self.each(references):
            variations = []
            for _ in range(self.n_variations):
                tokens: list[int] = []
                inserted: list[int] = []
                for start in range(0, len(ref), self.every):
                    tokens.extend(ref[start : start + self.every])
                    if start + self.every < len(ref):
                        inserted.extend(range(len(tokens), len(tokens) + self.n_insert))
                        tokens.extend(env.random_ids(rng, self.n_insert))
                variations.append(Variation.of(ref, tokens, edited_positions=inserted))
            out.append(variations)
        return out


class Scattered(PerturbationBase):
    """The canary's consecutive ``ngram``-grams, each injected at its own random place.

    Every variation is the full set of fragments; the injection stage puts
    each fragment separately into the book, so the model sees the canary's
    n-grams without their order or adjacency.
    """

    def __init__(self, ngram: int, **common: Any) -> None:
        super().__init__(**common)
        if ngram < 1:
            raise UserError(f"perturbation.ngram must be >= 1, got {ngram}")
        self.ngram = ngram

    def generate(self, references: list[list[int]], env: PerturbEnv) -> list[list[Variation]]:
        """``n_variations`` copies of every reference, each as its list of n-gram fragments."""
        out = []
        for ref in self.each(references):
            fragments = [list(ref[i : i + self.ngram]) for i in range(0, len(ref), self.ngram)]
            out.append([Variation.of(ref, list(ref), fragments=fragments) for _ in range(self.n_variations)])
        return out
