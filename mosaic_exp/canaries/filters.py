"""The rules that accept or reject a sampled canary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from transformers import PreTrainedTokenizerBase

from mosaic_exp.inject.fidelity import measure_text_copies
from mosaic_exp.inject.inject import Piece, inject_book

# Rejection reasons, in the order they are checked.
EOS = "eos"
TOO_SHORT = "too_short"
ROUNDTRIP = "roundtrip"
JACCARD = "jaccard"
REASONS = (EOS, TOO_SHORT, ROUNDTRIP, JACCARD)

# The word a sample follows while its target tokens are read off, and the
# words of the book its copy is written into to check it: any common word does.
CONTEXT = "the"


def jaccard(a: set[int], b: set[int]) -> float:
    """Jaccard similarity of two token sets."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def tokens_in_book(text: str, tokenizer: PreTrainedTokenizerBase) -> list[int] | None:
    """The target tokens of ``text`` where it follows a word of a book; None when they cannot be told apart.

    A word-initial token differs from a text-initial one for most tokenizers
    (GPT-2's ``" The"`` vs ``"The"``), and an injected copy always follows a
    word, so a canary takes the mid-text form.
    """
    context = tokenizer.encode(CONTEXT, add_special_tokens=False)
    ids = tokenizer.encode(f"{CONTEXT} {text}", add_special_tokens=False)
    if ids[: len(context)] != context:
        return None
    return ids[len(context) :]


def survives_injection(tokens: Sequence[int], tokenizer: PreTrainedTokenizerBase) -> bool:
    """Whether the canary's text, written into a book as injection writes it, tokenizes back to exactly ``tokens``.

    The check runs the injection code itself on a two-word book, so what it
    accepts is token-exact between any two words. A truncated last word, a
    lone UTF-8 byte or a merge across the copy's edges fails. Decoding and
    re-encoding one token at a time (the original scripts' rule) cannot serve
    SentencePiece tokenizers: a mid-word piece comes back with a word-start
    marker, so every sample would be rejected.
    """
    piece = Piece(tokenizer.decode(list(tokens)), list(tokens), canary=0, kind="reference")
    book, insertions = inject_book(f"{CONTEXT} {CONTEXT}", [piece], np.random.default_rng(0), book=0, book_id="check")
    measure_text_copies(book, insertions, tokenizer)
    return bool(insertions[0].token_exact)


class CanaryFilter:
    """Applies the rejection rules and remembers accepted canaries' token sets."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, length: int, max_jaccard: float) -> None:
        self.tokenizer = tokenizer
        self.length = length
        self.max_jaccard = max_jaccard
        self.accepted: list[set[int]] = []
        self.rejected: Counter[str] = Counter()

    def check(self, text: str, contains_eos: bool) -> tuple[list[int] | None, str | None]:
        """Returns ``(tokens, None)`` for an accepted sample or ``(None, reason)``."""
        if contains_eos:
            return None, EOS
        # Injection supplies the separator before a copy.
        tokens = tokens_in_book(text.lstrip(), self.tokenizer)
        if tokens is None:
            return None, ROUNDTRIP
        if len(tokens) < self.length:
            return None, TOO_SHORT
        tokens = tokens[: self.length]
        if not survives_injection(tokens, self.tokenizer):
            return None, ROUNDTRIP
        token_set = set(tokens)
        if any(jaccard(token_set, seen) > self.max_jaccard for seen in self.accepted):
            return None, JACCARD
        return tokens, None

    def offer(self, text: str, contains_eos: bool) -> list[int] | None:
        """Checks a sample; records it as accepted or counts why it was not."""
        tokens, reason = self.check(text, contains_eos)
        if reason is not None:
            self.rejected[reason] += 1
            return None
        self.accepted.append(set(tokens))
        return tokens

    def add_existing(self, canaries: Iterable[Sequence[int]]) -> None:
        """Canaries accepted before (the other set) that new ones must differ from."""
        self.accepted.extend(set(c) for c in canaries)
