"""Parts in the interchange format that ``rust_sa`` reads (see README, rust_sa).

A part is ``NAME.train`` (per document: a separator, the u32 document id, the
tokens) and ``NAME.train.size`` (u64 byte offsets of the document ends). Parts
are written one document at a time so a part never has to fit in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mosaic_exp import _rust_sa
from mosaic_exp.errors import MissingInput, UserError

TRAIN = "part.train"


def token_dtype(token_bytes: int) -> np.dtype:
    """Little-endian dtype of a part's tokens."""
    if token_bytes == 2:
        return np.dtype("<u2")
    if token_bytes == 4:
        return np.dtype("<u4")
    raise UserError(f"token_bytes must be 2 or 4, not {token_bytes}")


def max_token(token_bytes: int) -> int:
    """Largest token id a part of this width can hold (the rest are separators)."""
    return _rust_sa.MAX_TOKEN if token_bytes == 2 else _rust_sa.MAX_TOKEN_U32


class PartWriter:
    """Appends documents to ``NAME.train`` and writes ``NAME.train.size`` on close.

    rust_sa writes the format (``_rust_sa.PartWriter``, the one writer of
    parts); this wrapper adds the checks whose messages say how to fix the input.
    """

    def __init__(self, train: Path, token_bytes: int = 2) -> None:
        self.train = Path(train)
        self.token_bytes = token_bytes
        self.dtype = token_dtype(token_bytes)
        self._writer = _rust_sa.PartWriter(str(self.train), token_bytes)

    def add(self, doc_id: int, tokens: np.ndarray | Iterable[int]) -> int:
        """Writes one document and returns the part position of its first token.

        Empty documents are skipped (they hold no window).
        """
        body = np.asarray(tokens, dtype=np.int64)
        if body.size == 0:
            return self.n_tokens
        if not 0 <= doc_id < 2**32:
            raise UserError(f"document id {doc_id} does not fit in 32 bits")
        if body.min() < 0 or body.max() > max_token(self.token_bytes):
            raise UserError(
                f"document {doc_id} holds token id {int(body.max())}, above the largest id "
                f"{max_token(self.token_bytes)} of {self.token_bytes}-byte parts; use token_bytes=4"
            )
        return self._writer.add(doc_id, body.astype(self.dtype).reshape(-1))

    @property
    def n_tokens(self) -> int:
        """Tokens written so far, headers included."""
        return self._writer.n_tokens

    @property
    def n_documents(self) -> int:
        return self._writer.n_documents

    @property
    def offsets(self) -> list[int]:
        """``.size`` offsets so far: 0, then the byte end of every document."""
        return self._writer.offsets

    def close(self) -> None:
        if self._writer.n_documents == 0:
            self._writer.abort()
            raise UserError(f"{self.train} would be an empty part: no document has any token")
        self._writer.close()

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is None:
            self.close()
        else:
            self._writer.abort()


@dataclass(frozen=True)
class Part:
    """A part on disk: its files, token width and size."""

    index: int
    train: Path
    size: Path
    token_bytes: int
    n_tokens: int
    n_documents: int

    def tokens(self) -> np.ndarray:
        """The whole part, headers included, memory-mapped (positions match rust_sa's)."""
        return np.memmap(self.train, dtype=token_dtype(self.token_bytes), mode="r")

    def documents(self) -> np.ndarray:
        """``(doc_id, start, end)`` token ranges of the document bodies, validated by rust_sa."""
        docs = _rust_sa.read_documents(str(self.train), size=str(self.size), token_bytes=self.token_bytes)
        return np.asarray(docs, dtype=np.int64).reshape(-1, 3)

    @property
    def header_tokens(self) -> int:
        """Separator and id tokens in front of every document."""
        return 3 if self.token_bytes == 2 else 2

    @property
    def body_tokens(self) -> int:
        """Tokens inside documents (the part minus the headers)."""
        return self.n_tokens - self.header_tokens * self.n_documents

    def to_json(self, relative_to: Path | None = None) -> dict:
        """JSON form; files inside ``relative_to`` are named relative to it."""

        def name(p: Path) -> str:
            if relative_to is not None and p.parent.resolve() == Path(relative_to).resolve():
                return p.name
            return str(p)

        return {
            "index": self.index,
            "train": name(self.train),
            "size": name(self.size),
            "token_bytes": self.token_bytes,
            "n_tokens": self.n_tokens,
            "n_documents": self.n_documents,
        }

    @classmethod
    def from_json(cls, data: dict, base: Path | None = None) -> Part:
        """Reads :meth:`to_json`; relative file names are taken inside ``base``."""
        root = Path(base) if base is not None else Path()
        return cls(
            index=int(data["index"]),
            train=root / data["train"],
            size=root / data["size"],
            token_bytes=int(data["token_bytes"]),
            n_tokens=int(data["n_tokens"]),
            n_documents=int(data["n_documents"]),
        )


def open_part(index: int, train: Path, size: Path | None = None, token_bytes: int = 2) -> Part:
    """Validates an existing part (through rust_sa, which names any defect) and describes it."""
    train = Path(train)
    size = Path(size) if size is not None else Path(f"{train}.size")
    if not train.is_file():
        raise MissingInput(f"part {index}: {train} does not exist")
    if not size.is_file():
        raise MissingInput(f"part {index}: {size} does not exist (every NAME.train needs NAME.train.size)")
    try:
        docs = _rust_sa.read_documents(str(train), size=str(size), token_bytes=token_bytes)
    except ValueError as e:
        raise UserError(f"part {index} ({train}) is not a valid {token_bytes}-byte part: {e}") from e
    n_tokens = train.stat().st_size // token_bytes
    return Part(index, train, size, token_bytes, n_tokens, len(docs))
