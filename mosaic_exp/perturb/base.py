"""What every perturbation produces, and the models it may draw on."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm
from transformers import PreTrainedTokenizerBase

from mosaic_exp.distance import hamming, levenshtein
from mosaic_exp.errors import UserError


@dataclass
class Variation:
    """One fuzzy duplicate of a reference canary.

    ``fragments`` is set when the copy is injected as separate pieces (the
    scattered n-gram baseline); ``tokens`` is then their concatenation.
    """

    tokens: list[int]
    edited_positions: list[int] = field(default_factory=list)
    hamming: int | None = None
    levenshtein: int = 0
    kendall_tau: float | None = None
    # Shuffles: which reference block stands at each place.
    block_order: list[int] | None = None
    fragments: list[list[int]] | None = None

    @classmethod
    def of(cls, reference: Sequence[int], tokens: list[int], **extra: Any) -> Variation:
        """A variation with its distances to ``reference`` filled in."""
        return cls(tokens=tokens, hamming=hamming(reference, tokens), levenshtein=levenshtein(reference, tokens), **extra)


# What a family may ask the stage for in ``needs``.
TOKENIZER = "tokenizer"  # the target tokenizer (env.tokenizer): random token draws, decoding canaries
MLM = "mlm"  # the masked LM (env.load_mlm()): replacement proposals
PARAPHRASER = "paraphraser"  # the configured paraphraser (env.load_paraphraser())
NEEDS = frozenset({TOKENIZER, MLM, PARAPHRASER})


@dataclass
class PerturbEnv:
    """What a perturbation may draw on; the stage fills in only what the family ``needs``.

    The masked LM and the paraphraser load only when asked for: they are the
    expensive parts, and a cached stage never asks.
    """

    tokenizer: PreTrainedTokenizerBase | None = None
    load_mlm: Callable[[], tuple[Any, PreTrainedTokenizerBase]] | None = None
    load_paraphraser: Callable[[], Any] | None = None

    _vocabulary: np.ndarray | None = field(default=None, init=False, repr=False)

    def vocabulary(self) -> np.ndarray:
        """Target ids a random draw may use: no special token, and only tokens that
        survive being written as text and read back (a lone UTF-8 byte does not)."""
        if self._vocabulary is None:
            special = set(self.tokenizer.all_special_ids)
            ids = [i for i in range(len(self.tokenizer)) if i not in special]
            texts = self.tokenizer.batch_decode([[i] for i in ids])
            again = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
            self._vocabulary = np.array([i for i, back in zip(ids, again) if back == [i]])
        return self._vocabulary

    def random_ids(self, rng: np.random.Generator, size: int, exclude: Sequence[int] = ()) -> list[int]:
        """Uniform draws from ``vocabulary()``, never one of ``exclude``."""
        vocab = self.vocabulary()
        out: list[int] = []
        while len(out) < size:
            token = int(vocab[rng.integers(len(vocab))])
            if token not in exclude:
                out.append(token)
        return out


class Perturbation(Protocol):
    """A family of fuzzy duplicates, as the variations stage uses it."""

    n_variations: int
    # What the family draws on (a subset of NEEDS); the stage loads nothing else and keys the cache on it.
    needs: frozenset[str]

    def generate(self, references: list[list[int]], env: PerturbEnv) -> list[list[Variation]]:
        """``n_variations`` fuzzy duplicates for every reference, in order."""
        ...


class PerturbationBase:
    """Takes the fields every perturbation config has (see ``PerturbationConfig``).

    A family states what it draws on in ``needs`` (a class attribute, or an
    instance attribute when it depends on the settings), so that the stage
    needs no list of family names.
    """

    needs: frozenset[str] = frozenset()

    def __init__(self, name: str, n_variations: int = 9, seed: int = 0, legacy_variations: str | None = None) -> None:
        if n_variations < 0:
            raise UserError(f"perturbation.n_variations must be >= 0, got {n_variations}")
        self.name = name
        self.n_variations = n_variations
        self.seed = seed

    def rng(self) -> np.random.Generator:
        """A fresh generator seeded with ``perturbation.seed``: the same settings give the same variations."""
        return np.random.default_rng(self.seed)

    def each(self, references: Sequence[list[int]]) -> Iterator[list[int]]:
        """The references in order, with a progress bar on a terminal."""
        yield from tqdm(references, desc=f"variations ({self.name})", unit="canary", disable=None)
