"""Project Gutenberg books through the Hugging Face ``datasets`` library."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from mosaic_exp.data.books import Book, BookSplits, split_books
from mosaic_exp.errors import UserError
from mosaic_exp.fingerprint import FileDigests


class GutenbergCorpus:
    """Samples ``n_books`` books of a HF dataset (hub id, cache or local copy)."""

    def __init__(
        self,
        dataset: str,
        n_books: int = 100,
        seed: int = 42,
        split: str = "train",
        revision: str | None = None,
        text_field: str = "text",
        id_field: str | None = None,
        max_pretrain_books: int | None = 200,
    ) -> None:
        self.dataset = dataset
        self.n_books = n_books
        self.seed = seed
        self.split = split
        self.revision = revision
        self.text_field = text_field
        self.id_field = id_field
        self.max_pretrain_books = max_pretrain_books

    @cached_property
    def _rows(self) -> Any:
        import datasets

        local = Path(self.dataset).expanduser()
        if (local / "dataset_dict.json").exists() or (local / "state.json").exists():
            loaded = datasets.load_from_disk(str(local))
            rows = loaded[self.split] if isinstance(loaded, datasets.DatasetDict) else loaded
        else:
            rows = datasets.load_dataset(self.dataset, split=self.split, revision=self.revision)
        missing = {self.text_field, self.id_field} - set(rows.column_names) - {None}
        if missing:
            raise UserError(
                f"dataset {self.dataset} has no column {sorted(missing)}; it has {rows.column_names}. "
                f"Set corpus.text_field / corpus.id_field"
            )
        return rows

    def load(self) -> BookSplits:
        """Reads every row as a book and splits them into fine-tuning and pretraining books."""
        rows = self._rows
        texts = rows[self.text_field]
        ids = rows[self.id_field] if self.id_field else range(len(texts))
        books = [Book(book_id=str(i), title=str(i), text=t or "") for i, t in zip(ids, texts)]
        return split_books(books, self.n_books, self.seed, self.max_pretrain_books, source=self.dataset)

    def fingerprint(self, digests: FileDigests) -> dict:
        """A local copy by its files' contents; a hub dataset by its revision and ``datasets``' fingerprint."""
        local = Path(self.dataset).expanduser()
        if local.exists():
            return {"local": digests.tree(local) if local.is_dir() else digests.files(local.parent, [local])}
        rows = self._rows
        return {"rows": len(rows), "fingerprint": getattr(rows, "_fingerprint", None)}
