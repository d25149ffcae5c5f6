"""Fuzzy duplicates by replacing R tokens (the paper's main family)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mosaic_exp.errors import UserError
from mosaic_exp.perturb.base import MLM, TOKENIZER, PerturbationBase, PerturbEnv, Variation
from mosaic_exp.perturb.config import Strategy
from mosaic_exp.perturb.mlm_candidates import replacement_candidates

# Picks a replacement (target token ids) for (canary index, position).
Picker = Callable[[int, int], list[int]]


def choose_positions(length: int, count: int, rng: np.random.Generator, uniform_spread: bool) -> list[int]:
    """``count`` distinct positions; with ``uniform_spread`` one per equal segment."""
    if uniform_spread:
        segments = np.array_split(np.arange(length), count)
        return sorted(int(rng.choice(seg)) for seg in segments)
    return sorted(int(p) for p in rng.choice(length, size=count, replace=False))


def apply_replacements(reference: Sequence[int], replacements: dict[int, list[int]]) -> list[int]:
    """Replaces single tokens by token lists; right to left so positions stay valid."""
    tokens = list(reference)
    for position in sorted(replacements, reverse=True):
        tokens[position : position + 1] = replacements[position]
    return tokens


class Replace(PerturbationBase):
    """Replace ``R`` tokens of each variation with MLM top-k proposals or random tokens."""

    def __init__(
        self,
        R: int,
        strategy: Strategy | str = Strategy.mlm,
        topk: int = 10,
        same_indices: bool = False,
        uniform_spread: bool = False,
        mlm_batch_size: int = 64,
        **common: Any,
    ) -> None:
        super().__init__(**common)
        self.R = R
        self.strategy = Strategy(getattr(strategy, "value", strategy))
        self.topk = topk
        self.same_indices = same_indices
        self.uniform_spread = uniform_spread
        self.mlm_batch_size = mlm_batch_size
        # Random tokens come from the target's vocabulary; the other strategies draw on the MLM too.
        self.needs = frozenset({TOKENIZER} if self.strategy is Strategy.random else {TOKENIZER, MLM})
        if R < 1:
            raise UserError(f"R must be at least 1, got {R}")
        if self.strategy is Strategy.mlm and topk < 1:
            raise UserError(f"topk must be at least 1 with strategy=mlm, got {topk}")

    def positions(self, references: list[list[int]], rng: np.random.Generator) -> list[list[list[int]]]:
        """Edited positions of every variation of every canary."""
        plans = []
        for ref in references:
            if self.R > len(ref):
                raise UserError(f"R={self.R} is larger than the canary length {len(ref)}")
            fixed = choose_positions(len(ref), self.R, rng, self.uniform_spread) if self.same_indices else None
            plans.append([fixed or choose_positions(len(ref), self.R, rng, self.uniform_spread) for _ in range(self.n_variations)])
        return plans

    def _picker(self, references: list[list[int]], plans: list[list[list[int]]], env: PerturbEnv, rng: np.random.Generator) -> Picker:
        if self.strategy is Strategy.random:
            return lambda c, p: env.random_ids(rng, 1, exclude=[references[c][p]])
        model, mlm_tok = env.load_mlm()
        if self.strategy is Strategy.mlm_random:
            banned = set(mlm_tok.all_special_ids)

            def pick_random_mlm(c: int, p: int) -> list[int]:
                while True:
                    tok = int(rng.integers(len(mlm_tok)))
                    if tok in banned:
                        continue
                    ids = env.tokenizer.encode(mlm_tok.decode([tok]), add_special_tokens=False)
                    if ids and ids != [references[c][p]]:
                        return ids

            return pick_random_mlm
        needed = [[p for variation in plan for p in variation] for plan in plans]
        candidates = replacement_candidates(references, needed, env.tokenizer, model, mlm_tok, self.topk, self.mlm_batch_size)

        def pick_topk(c: int, p: int) -> list[int]:
            options = candidates[c][p]
            if not options:
                raise UserError(f"canary {c}, position {p}: every top-{self.topk} MLM proposal is the original token; raise topk")
            return options[int(rng.integers(len(options)))]

        return pick_topk

    def generate(self, references: list[list[int]], env: PerturbEnv) -> list[list[Variation]]:
        """``n_variations`` copies of every reference with ``R`` tokens replaced."""
        rng = self.rng()
        plans = self.positions(references, rng)
        pick = self._picker(references, plans, env, rng)
        out = []
        for c, (ref, plan) in enumerate(zip(self.each(references), plans)):
            variations = []
            for positions in plan:
                tokens = apply_replacements(ref, {p: pick(c, p) for p in positions})
                variations.append(Variation.of(ref, tokens, edited_positions=positions))
            out.append(variations)
        return out
