"""Placing copies as token ids at random word boundaries of a tokenized book (``inject.mode=tokens``).

The book is tokenized as training tokenizes it, ``tokenizer(text)`` with the
family's special tokens, and each piece's token ids go between two of its
tokens, so the model trains on every copy token for token.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from transformers import PreTrainedTokenizerBase

from mosaic_exp.inject.inject import Insertion, Piece


def word_boundaries(text: str, offsets: Sequence[tuple[int, int]], special: Sequence[int]) -> list[int]:
    """Indices ``i`` such that inserting before token ``i`` splits no word of ``text``.

    Both neighbours must be ordinary tokens (so nothing goes before a BOS or
    after an EOS), token ``i`` must not start inside token ``i - 1`` (byte
    tokens of one character share its offsets), and the text right after
    token ``i - 1`` must be whitespace: the next word, with the whitespace
    before it, follows the copy.
    """
    boundaries = []
    for i in range(1, len(offsets)):
        if special[i] or special[i - 1]:
            continue
        end, start = offsets[i - 1][1], offsets[i][0]
        if start >= end and end < len(text) and text[end].isspace():
            boundaries.append(i)
    return boundaries


def inject_tokens(
    text: str, pieces: Sequence[Piece], tokenizer: PreTrainedTokenizerBase, rng: np.random.Generator, book: int, book_id: str
) -> tuple[list[int], list[Insertion]]:
    """The book's training ids with every piece's tokens at a distinct random word boundary.

    Pieces land in random order; each insertion's ``offset`` and ``length``
    count tokens of the returned ids (special tokens included).
    """
    encoding = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True, verbose=False)
    ids = encoding["input_ids"]
    boundaries = word_boundaries(text, encoding["offset_mapping"], encoding["special_tokens_mask"])
    if len(boundaries) < len(pieces):
        raise ValueError(
            f"book {book_id!r} has {len(boundaries)} word boundaries between its tokens but {len(pieces)} copies must go into it"
        )
    positions = np.sort(rng.choice(len(boundaries), size=len(pieces), replace=False))
    order = rng.permutation(len(pieces))
    out: list[int] = []
    insertions: list[Insertion] = []
    previous = 0
    for slot, index in zip(positions, order):
        piece = pieces[index]
        at = boundaries[slot]
        out.extend(ids[previous:at])
        insertions.append(
            Insertion(
                book,
                book_id,
                len(out),
                len(piece.tokens),
                piece.canary,
                piece.kind,
                piece.variation,
                piece.fragment,
                list(piece.tokens),
                unit="tokens",
            )
        )
        out.extend(piece.tokens)
        previous = at
    out.extend(ids[previous:])
    return out, insertions
