"""Text corpora read as documents in one fixed order, cut into parts by ranges of documents, tokenized.

The split rule of every such corpus (``jsonl``, ``parquet``, ``text_dir``,
``hf_dataset``): with N documents in the corpus order, part k of n holds the
documents ⌊k·N/n⌋ … ⌊(k+1)·N/n⌋ − 1, and a document's id is its index in that
order. Parts are thus contiguous, balanced by documents, and always cut the
same way. Formats that know N up front (parquet metadata, a saved dataset, a
folder of files) read only the part's own documents; JSON lines and streamed
datasets are first counted in a pass that parses nothing but line breaks.

A format provides :meth:`DocumentCorpus.inputs`, :meth:`~DocumentCorpus.count`
and :meth:`~DocumentCorpus.read`; the split, the cache key and the tokenizing
writer (:mod:`mosaic_exp.neardup.tokenizing`) are shared.
"""

from __future__ import annotations

import glob
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.neardup.artifacts import IDS, SOURCES
from mosaic_exp.neardup.config import RecordCorpusConfig, TextCorpusConfig
from mosaic_exp.neardup.parts import TRAIN, Part
from mosaic_exp.neardup.tokenizing import load_tokenizer, local_tokenizer_dir, write_documents

# Part of every part's cache key: a new rule must give new keys.
SPLIT_RULE = "contiguous document ranges: part k of n holds documents floor(k*N/n) .. floor((k+1)*N/n)-1"


@dataclass(frozen=True)
class Doc:
    """One document: its text ("" for one without text), the file it came from, and its id in the source."""

    text: str
    file: Path | None = None
    id: str | None = None


def _hidden(path: Path, root: Path) -> bool:
    # Dot folders and files (.git/, .cache/) are the bookkeeping of tools, not documents.
    return any(p.startswith(".") for p in path.relative_to(root).parts)


def visible_files(root: Path, pattern: str = "**/*") -> list[Path]:
    """Files below ``root`` matching ``pattern``, hidden ones left out, sorted."""
    return sorted(p for p in root.glob(pattern) if p.is_file() and not _hidden(p, root))


def resolve_files(path: str, suffixes: tuple[str, ...], setting: str) -> tuple[Path, list[Path]]:
    """The files that ``path`` names, sorted, and the folder their names are relative to.

    ``path`` is one file, a folder (its files ending in ``suffixes``, at any
    depth) or a glob pattern (``**`` spans folders).
    """
    given = Path(path).expanduser()
    if any(c in str(given) for c in "*?["):
        magic = next(i for i, p in enumerate(given.parts) if any(c in p for c in "*?["))
        root = Path(*given.parts[:magic]) if magic else Path(".")
        files, where = sorted(Path(p) for p in glob.glob(str(given), recursive=True) if Path(p).is_file()), "match"
    elif given.is_dir():
        root, where = given, "in"
        files = [p for p in visible_files(given) if p.name.endswith(suffixes)]
    elif given.is_file():
        root, files, where = given.parent, [given], ""
    else:
        raise MissingInput(f"{setting}={path}: no such file or folder (nor a glob pattern)")
    if not files:
        raise MissingInput(f"{setting}={path}: no {' / '.join(suffixes)} files {where} {path}")
    return root.resolve(), [f.resolve() for f in files]


def relative_name(file: Path, root: Path) -> str:
    """``file`` named below ``root`` where it lies there, else in full."""
    return str(file.relative_to(root)) if file.is_relative_to(root) else str(file)


class SourceFiles:
    """Which file each document of a part came from: per file, its first document id and count (``sources.json``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.files: list[dict[str, Any]] = []
        self._current: Path | None = None

    def start(self, file: Path, first_doc_id: int) -> None:
        """Opens the entry of ``file``, whose first document is ``first_doc_id`` (even if it holds none)."""
        self._current = file
        self.files.append({"file": relative_name(file, self.root), "first_doc_id": first_doc_id, "documents": 0})

    def add(self, doc_id: int, file: Path | None = None) -> None:
        """Counts document ``doc_id`` in ``file`` (or in the file opened last)."""
        if file is not None and file != self._current:
            self.start(file, doc_id)
        if self.files:
            self.files[-1]["documents"] += 1


class IdWriter:
    """``ids.parquet``: each document's id in its source (``doc_id``, ``id``), written a row group at a time."""

    ROWS = 1 << 16
    SCHEMA = pa.schema([("doc_id", pa.uint32()), ("id", pa.string())])

    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(path, self.SCHEMA)
        self._doc_ids: list[int] = []
        self._ids: list[str | None] = []

    def add(self, doc_id: int, id_: str | None) -> None:
        self._doc_ids.append(doc_id)
        self._ids.append(id_)
        if len(self._doc_ids) >= self.ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._doc_ids:
            self._writer.write_table(pa.table([self._doc_ids, self._ids], schema=self.SCHEMA))
            self._doc_ids, self._ids = [], []

    def close(self) -> None:
        self._flush()
        self._writer.close()


class DocumentCorpus(ABC):
    """A corpus of text documents in a fixed order, tokenized part by part with ``tokenizer``."""

    # The format's name in messages and in sources.json (``neardup/corpus=<kind>``).
    kind: ClassVar[str]
    # Whether documents carry an id of their own (written to ids.parquet).
    has_ids: bool = False

    def __init__(self, tokenizer: str = TextCorpusConfig.tokenizer, batch_size: int = TextCorpusConfig.batch_size) -> None:
        """The settings of :class:`TextCorpusConfig` that every format shares."""
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self._fingerprint: dict | None = None

    # --- what a format provides -------------------------------------------------

    @abstractmethod
    def inputs(self) -> tuple[Path, list[Path]]:
        """The folder the documents are read from and every file whose bytes they depend on."""

    @abstractmethod
    def count(self) -> int:
        """N, the number of documents in the corpus."""

    @abstractmethod
    def read(self, start: int, stop: int) -> Iterator[Doc]:
        """Documents ``start`` … ``stop - 1`` of the corpus order, read lazily."""

    def settings(self) -> dict[str, Any]:
        """The format's settings that decide what a document's text is (fields, encodings) for the cache key."""
        return {}

    # --- the split and the part -------------------------------------------------

    def bounds(self, part: int, n_parts: int) -> tuple[int, int]:
        """The documents ``[start, stop)`` of ``part`` (see the module's split rule)."""
        if not 0 <= part < n_parts:
            raise UserError(f"part {part} is not one of the {n_parts} parts (0..{n_parts - 1})")
        n = self.count()
        root = self.inputs()[0]
        if n == 0:
            raise UserError(f"{self.kind} corpus under {root}: no documents (an empty corpus)")
        if n < n_parts:
            raise UserError(f"{self.kind} corpus under {root}: {n} documents cannot make {n_parts} parts; lower neardup.n_parts")
        return part * n // n_parts, (part + 1) * n // n_parts

    def tokenizer_dir(self) -> Path | None:
        """The tokenizer's folder when it is a local directory."""
        return local_tokenizer_dir(self.tokenizer)

    def fingerprint(self, part: int, n_parts: int, digests: FileDigests) -> dict:
        """Every input file's name and content, the tokenizer's, the settings and the split rule.

        Every file counts, not only the part's own: where a part's documents
        begin depends on how many documents the files before them hold. So
        it is the same for every part, and worked out once per run.
        """
        if self._fingerprint is None:
            root, files = self.inputs()
            tokenizer = self.tokenizer_dir()
            self._fingerprint = {
                "files": digests.files(root, files),
                "tokenizer": digests.tree(tokenizer)["digest"] if tokenizer else self.tokenizer,
                "settings": self.settings(),
                "split": SPLIT_RULE,
            }
        return self._fingerprint

    def write_part(self, part: int, n_parts: int, directory: Path, *, threads: int = 1) -> Part:
        """Tokenizes the documents of ``part`` into ``directory``, with ``sources.json`` (and ``ids.parquet``)."""
        directory = Path(directory)
        # Before reading anything: a missing tokenizer is the quickest error.
        tokenizer = load_tokenizer(self.tokenizer)
        start, stop = self.bounds(part, n_parts)
        root = self.inputs()[0]
        sources = SourceFiles(root)
        ids = IdWriter(directory / IDS) if self.has_ids else None
        read = 0

        def documents() -> Iterator[tuple[int, str]]:
            nonlocal read
            for doc_id, doc in enumerate(self.read(start, stop), start):
                sources.add(doc_id, doc.file)
                if ids is not None:
                    ids.add(doc_id, doc.id)
                read += 1
                yield doc_id, doc.text

        written = write_documents(
            documents(), tokenizer, directory / TRAIN, index=part, batch_size=self.batch_size, threads=threads, total=stop - start
        )
        if ids is not None:
            ids.close()
        if read != stop - start:
            raise UserError(f"{self.kind} corpus under {root}: part {part} has {read} documents, not {stop - start}; did the input change?")
        write_json_atomic(
            directory / SOURCES,
            {"format": self.kind, "root": str(root), "first_doc_id": start, "documents": stop - start, "files": sources.files},
        )
        return written


_RECORDS = RecordCorpusConfig


class RecordCorpus(DocumentCorpus):
    """Records (lines, rows) with the text in ``text_field`` and an optional id in ``id_field``, read from files ending in ``suffixes``."""

    suffixes: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        path: str,
        text_field: str = _RECORDS.text_field,
        id_field: str | None = _RECORDS.id_field,
        tokenizer: str = _RECORDS.tokenizer,
        batch_size: int = _RECORDS.batch_size,
    ) -> None:
        """The fields of :class:`RecordCorpusConfig`; omitted ones take its defaults."""
        super().__init__(tokenizer, batch_size)
        self.path = path
        self.text_field = text_field
        self.id_field = id_field
        self.has_ids = id_field is not None
        self._inputs: tuple[Path, list[Path]] | None = None

    def inputs(self) -> tuple[Path, list[Path]]:
        """The files, sorted by name (the corpus order), and the folder they lie in."""
        if self._inputs is None:
            self._inputs = resolve_files(self.path, self.suffixes, "neardup.corpus.path")
        return self._inputs

    def settings(self) -> dict[str, Any]:
        """The fields that a record's text and id are read from."""
        return {"text_field": self.text_field, "id_field": self.id_field}
