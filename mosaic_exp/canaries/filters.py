"""The rules that accept or reject a sampled canary."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Optional, Sequence

from transformers import PreTrainedTokenizerBase

# Rejection reasons, in the order they are checked.
EOS = "eos"
TOO_SHORT = "too_short"
ROUNDTRIP = "roundtrip"
JACCARD = "jaccard"
REASONS = (EOS, TOO_SHORT, ROUNDTRIP, JACCARD)


def jaccard(a: set[int], b: set[int]) -> float:
    """Jaccard similarity of two token sets."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def roundtrips(tokens: Sequence[int], tokenizer: PreTrainedTokenizerBase) -> bool:
    """Whether every token, decoded alone and encoded again, gives back itself.

    A token that fails (a partial UTF-8 byte, a merge that re-splits) would
    not survive being written into a book as text and read back.
    """
    for token in tokens:
        text = tokenizer.decode([token])
        if tokenizer.encode(text, add_special_tokens=False) != [token]:
            return False
    return True


class CanaryFilter:
    """Applies the rejection rules and remembers accepted canaries' token sets."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, length: int, max_jaccard: float) -> None:
        self.tokenizer = tokenizer
        self.length = length
        self.max_jaccard = max_jaccard
        self.accepted: list[set[int]] = []
        self.rejected: Counter[str] = Counter()

    def check(self, text: str, contains_eos: bool) -> tuple[Optional[list[int]], Optional[str]]:
        """Returns ``(tokens, None)`` for an accepted sample or ``(None, reason)``."""
        if contains_eos:
            return None, EOS
        tokens = self.tokenizer.encode(text, add_special_tokens=False, verbose=False)
        if len(tokens) < self.length:
            return None, TOO_SHORT
        tokens = tokens[: self.length]
        if not roundtrips(tokens, self.tokenizer):
            return None, ROUNDTRIP
        token_set = set(tokens)
        if any(jaccard(token_set, seen) > self.max_jaccard for seen in self.accepted):
            return None, JACCARD
        return tokens, None

    def offer(self, text: str, contains_eos: bool) -> Optional[list[int]]:
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
