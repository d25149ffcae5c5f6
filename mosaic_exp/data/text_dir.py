"""A folder of ``.txt`` files, one book each."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from mosaic_exp.data.books import Book, BookSplits, split_books
from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.fingerprint import FileDigests


class TextDirCorpus:
    """Every ``.txt`` file below ``path`` is a book."""

    def __init__(self, path: str, n_books: int = 100, seed: int = 0, max_pretrain_books: int | None = None) -> None:
        self.path = Path(path).expanduser()
        self.n_books = n_books
        self.seed = seed
        self.max_pretrain_books = max_pretrain_books

    def _files(self) -> list[Path]:
        if not self.path.is_dir():
            raise MissingInput(f"corpus.path={self.path} is not a directory; point it at a folder of .txt files")
        files = sorted(self.path.rglob("*.txt"))
        if not files:
            raise MissingInput(f"corpus.path={self.path} contains no .txt files")
        return files

    def load(self) -> BookSplits:
        """Reads every book and splits them into fine-tuning and pretraining books."""
        books = []
        for file in tqdm(self._files(), desc="reading books", unit="book", disable=None):
            try:
                text = file.read_text(encoding="utf-8")
            except UnicodeDecodeError as err:
                raise UserError(f"{file} is not UTF-8 text: {err}") from err
            rel = file.relative_to(self.path).with_suffix("")
            books.append(Book(book_id=str(rel), title=file.stem, text=text))
        return split_books(books, self.n_books, self.seed, self.max_pretrain_books, source=str(self.path))

    def fingerprint(self, digests: FileDigests) -> dict:
        """Names and contents of the files, so an edited, added or renamed book makes a new corpus."""
        return digests.files(self.path, self._files())
