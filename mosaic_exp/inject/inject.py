"""Placing copies at random whitespace positions of a book."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_SPACE = re.compile(r"\s")


@dataclass
class Piece:
    """Text to insert, and what it is."""

    text: str
    tokens: list[int]
    canary: int
    kind: str  # "reference" or "variation"
    variation: int | None = None
    fragment: int | None = None


@dataclass
class Insertion:
    """Where a piece ended up, and how faithfully (see :mod:`mosaic_exp.inject.fidelity`).

    With ``unit="chars"`` (``inject.mode=text``) ``text[offset:offset + length]``
    is the piece; with ``unit="tokens"`` (``inject.mode=tokens``)
    ``input_ids[offset:offset + length]`` is, counting the book's special tokens.
    """

    book: int
    book_id: str
    offset: int
    length: int
    canary: int
    kind: str
    variation: int | None
    fragment: int | None
    tokens: list[int]
    token_exact: bool | None = None
    unit: str = "chars"
    # Levenshtein distance between ``tokens`` and the book's tokens covering the copy.
    token_distance: int | None = None
    # Where they differ: "none", "edge" (only the copy's first or last token) or "inside".
    differences: str | None = None


def inject_book(text: str, pieces: Sequence[Piece], rng: np.random.Generator, book: int, book_id: str) -> tuple[str, list[Insertion]]:
    """Inserts every piece before a distinct, randomly chosen whitespace character.

    A space goes before the piece (unless it starts with one) and the chosen
    whitespace character follows it, so no word of the book is split and the
    piece is separated on both sides. Pieces land in random order.
    """
    spaces = [m.start() for m in _SPACE.finditer(text)]
    if len(spaces) < len(pieces):
        raise ValueError(f"book {book_id!r} has {len(spaces)} whitespace positions but {len(pieces)} copies must go into it")
    positions = np.sort(rng.choice(len(spaces), size=len(pieces), replace=False))
    order = rng.permutation(len(pieces))
    parts: list[str] = []
    insertions: list[Insertion] = []
    written = 0
    previous = 0
    for slot, index in zip(positions, order):
        piece = pieces[index]
        at = spaces[slot]
        parts.append(text[previous:at])
        written += at - previous
        lead = "" if piece.text[:1].isspace() else " "
        parts.append(lead + piece.text)
        insertions.append(
            Insertion(
                book, book_id, written + len(lead), len(piece.text), piece.canary, piece.kind, piece.variation, piece.fragment, piece.tokens
            )
        )
        written += len(lead) + len(piece.text)
        previous = at
    parts.append(text[previous:])
    return "".join(parts), insertions
