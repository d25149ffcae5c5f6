"""JSON lines (``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst``): one record per non-blank line, the document in ``text_field``.

Lines are read as bytes and parsed one at a time, so a file of any size
streams; lines before a part's first document are counted, never parsed.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from mosaic_exp.errors import UserError
from mosaic_exp.neardup.documents import Doc, RecordCorpus
from mosaic_exp.neardup.progress import progress

SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
_BUFFER = 1 << 20


@contextmanager
def open_bytes(path: Path) -> Iterator[IO[bytes]]:
    """``path`` decompressed by its suffix (``.gz``, ``.zst``; anything else is read as it is)."""
    if path.name.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            yield f
    elif path.name.endswith(".zst"):
        import zstandard

        with open(path, "rb") as raw:
            # Files written in several frames (e.g. by appending) hold documents in every frame.
            reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
            yield io.BufferedReader(reader, buffer_size=_BUFFER)
    else:
        with open(path, "rb", buffering=_BUFFER) as f:
            yield f


def numbered_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` of every non-blank line; a corrupt archive is an error that names the file."""
    import zstandard

    try:
        with open_bytes(path) as f:
            for n, line in enumerate(f, start=1):
                if line.strip():
                    yield n, line
    except zstandard.ZstdError as e:
        raise UserError(f"{path}: not a valid zstd file ({e})") from e
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise UserError(f"{path}: not a valid gzip file ({e})") from e


def count_records(path: Path) -> int:
    """Records (non-blank lines) of a file, without parsing them."""
    return sum(1 for _ in numbered_lines(path))


def _record(path: Path, n: int, line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{path}, line {n}: not JSON ({e})") from e
    if not isinstance(record, dict):
        raise UserError(f"{path}, line {n}: a JSON {type(record).__name__}, not an object with named fields")
    return record


def read_records(
    path: Path, text_field: str, id_field: str | None = None, skip: int = 0, limit: int | None = None, setting: str = "neardup.corpus"
) -> Iterator[Doc]:
    """The documents of one file: ``limit`` of them (all by default) after the first ``skip``.

    ``setting`` is the config group whose ``text_field`` / ``id_field`` an error tells the user to set.
    """
    for k, (n, line) in enumerate(numbered_lines(path)):
        if k < skip:
            continue
        if limit is not None and k >= skip + limit:
            return
        record = _record(path, n, line)
        text = record.get(text_field)
        if not isinstance(text, str):
            fields = ", ".join(record) or "none"
            raise UserError(f"{path}, line {n}: no string field {text_field!r} (fields: {fields}); set {setting}.text_field")
        doc_id = None
        if id_field is not None:
            if id_field not in record:
                raise UserError(f"{path}, line {n}: no field {id_field!r}; set {setting}.id_field (or null)")
            doc_id = str(record[id_field])
        yield Doc(text, path, doc_id)


class JsonlCorpus(RecordCorpus):
    """JSON-lines files (plain, gzip or zstd) from a file, a folder or a glob (``neardup/corpus=jsonl``).

    Built from the fields of :class:`JsonlNeardupCorpusConfig` (see :class:`RecordCorpus`).
    """

    kind = "jsonl"
    suffixes = SUFFIXES
    _counts: list[int] | None = None

    def counts(self) -> list[int]:
        """Records per file (one counting pass over every file, remembered)."""
        if self._counts is None:
            files = self.inputs()[1]
            self._counts = [count_records(f) for f in progress(files, desc="count documents", unit="file", total=len(files))]
        return self._counts

    def count(self) -> int:
        """Records of all files."""
        return sum(self.counts())

    def read(self, start: int, stop: int) -> Iterator[Doc]:
        """Records ``start`` … ``stop - 1``: only the files holding them are opened."""
        first = 0
        for f, n in zip(self.inputs()[1], self.counts()):
            if first >= stop:
                return
            if first + n > start:
                skip = max(0, start - first)
                yield from read_records(f, self.text_field, self.id_field, skip=skip, limit=min(n, stop - first) - skip)
            first += n
