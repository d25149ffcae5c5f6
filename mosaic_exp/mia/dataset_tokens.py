"""A labelled dataset's texts as canaries: the target's tokens, cut to what every model reads at once.

The attacks score :class:`~mosaic_exp.canaries.sample.Canary` objects: the
target's tokens, and the text that the lowercase, zlib and ratio attacks
re-encode (lowercased for the target, as is for the reference). A benchmark
text may be longer than a model's context, so each text is cut to ``limit``
target tokens and its text decoded again from them; it is cut further while
its lowercased text or its reference tokenization would still overflow, so
no model ever reads past its context and every attack sees the same words.
"""

from __future__ import annotations

from collections.abc import Sequence

from transformers import PreTrainedTokenizerBase

from mosaic_exp.canaries.sample import Canary


class TextFit:
    """Turns texts into canaries no longer than ``limit`` target tokens; counts the cut and the left-out ones.

    ``limit`` is the smallest of ``max_tokens`` (``mia.dataset.max_tokens``) and
    the target's context (``model.max_length`` or the model's own); None when
    neither is known. Texts of fewer than 2 tokens have no next-token
    prediction to score and are left out.
    """

    def __init__(
        self,
        tokenizer: PreTrainedTokenizerBase,
        max_tokens: int | None,
        context: int | None,
        reference_tokenizer: PreTrainedTokenizerBase | None = None,
        reference_context: int | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        limits = [n for n in (max_tokens, context) if n]
        self.limit = min(limits) if limits else None
        self.reference_tokenizer = reference_tokenizer
        self.reference_context = reference_context
        self.truncated = 0
        self.dropped = 0

    def _encode(self, tokenizer: PreTrainedTokenizerBase, text: str) -> list[int]:
        # As for canaries (mia.evaluate): the text alone, no BOS or EOS.
        return tokenizer(text, add_special_tokens=False)["input_ids"]

    def _overflow(self, text: str) -> int:
        """Tokens by which the lowercased text (target) or the text (reference) exceeds its model's context."""
        over = 0
        if self.limit is not None:
            over = len(self._encode(self.tokenizer, text.lower())) - self.limit
        if self.reference_tokenizer is not None and self.reference_context:
            over = max(over, len(self._encode(self.reference_tokenizer, text.lstrip())) - self.reference_context)
        return over

    def canary(self, text: str) -> Canary | None:
        """The canary of one text, cut to fit; None when it has fewer than 2 tokens."""
        tokens = self._encode(self.tokenizer, text)
        cut = self.limit is not None and len(tokens) > self.limit
        if cut:
            tokens = tokens[: self.limit]
            text = self.tokenizer.decode(tokens)
        while len(tokens) >= 2 and (over := self._overflow(text)) > 0:
            cut = True
            tokens = tokens[: len(tokens) - over]
            text = self.tokenizer.decode(tokens)
        if len(tokens) < 2:
            self.dropped += 1
            return None
        self.truncated += cut
        return Canary(tokens=tokens, text=text)

    def canaries(self, texts: Sequence[str]) -> list[Canary]:
        """The canaries of ``texts`` in their order, the too-short ones left out."""
        return [c for c in map(self.canary, texts) if c is not None]
