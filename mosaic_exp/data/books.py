"""Books and the fine-tune / pretrain split shared by every corpus source."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from datasets import Dataset, DatasetDict
from datasets.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

from mosaic_exp.errors import UserError


@dataclass(frozen=True)
class Book:
    """One book of a corpus: a stable id, a title and its text."""

    book_id: str
    title: str
    text: str


@dataclass
class BookSplits:
    """``finetune[i]`` receives member canary ``i``; ``pretrain`` never sees a canary."""

    finetune: list[Book] = field(default_factory=list)
    pretrain: list[Book] = field(default_factory=list)


def split_books(
    books: Sequence[Book],
    n_books: int,
    seed: int,
    max_pretrain_books: int | None = None,
    source: str = "corpus",
) -> BookSplits:
    """Samples ``n_books`` fine-tuning books with ``seed``; the rest may pretrain.

    Empty books are dropped first: a canary cannot be injected into one.
    """
    books = [b for b in books if b.text.strip()]
    if n_books < 1:
        raise UserError(f"corpus.n_books must be at least 1, got {n_books}")
    if len(books) < n_books:
        raise UserError(f"{source} has {len(books)} non-empty books but corpus.n_books={n_books}; add books or lower corpus.n_books")
    order = np.random.default_rng(seed).permutation(len(books))
    finetune = [books[i] for i in order[:n_books]]
    rest = [books[i] for i in order[n_books:]]
    if max_pretrain_books is not None:
        rest = rest[:max_pretrain_books]
    return BookSplits(finetune=finetune, pretrain=rest)


def unique_ids(books: Iterable[Book], source: str) -> None:
    """Raises if two books share an id: the id links canaries to their book."""
    seen: set[str] = set()
    for book in books:
        if book.book_id in seen:
            raise UserError(f"{source}: book id {book.book_id!r} appears twice")
        seen.add(book.book_id)


def save_books(books: Dataset | DatasetDict, directory: Path) -> None:
    """``save_to_disk`` without its progress bar.

    Our splits are saved in milliseconds, so their bars would only be noise in
    every run's log; the bars stay on for everything else (downloads of models
    and datasets), which is why they are switched off only around the save.
    """
    quiet = are_progress_bars_disabled()
    disable_progress_bars()
    try:
        books.save_to_disk(str(directory))
    finally:
        if not quiet:
            enable_progress_bars()
