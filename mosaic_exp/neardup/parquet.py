"""Parquet files, one document per row in ``text_field``, read a record batch at a time.

The row counts in the files' metadata give the corpus' size and where each
row group lies, so a part reads only the row groups that hold its documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from mosaic_exp.errors import UserError
from mosaic_exp.neardup.documents import Doc, RecordCorpus


def open_parquet(path: Path) -> pq.ParquetFile:
    """A Parquet file's reader, or an error that names the file."""
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as e:
        raise UserError(f"{path}: not a valid Parquet file ({e})") from e


class ParquetCorpus(RecordCorpus):
    """Parquet files from a file, a folder or a glob (``neardup/corpus=parquet``).

    Built from the fields of :class:`ParquetNeardupCorpusConfig` (see :class:`RecordCorpus`).
    """

    kind = "parquet"
    suffixes = (".parquet",)

    def count(self) -> int:
        """Rows of all files, from their metadata."""
        return sum(open_parquet(f).metadata.num_rows for f in self.inputs()[1])

    def _columns(self, path: Path, reader: pq.ParquetFile) -> list[str]:
        schema = reader.schema_arrow
        wanted = [c for c in (self.text_field, self.id_field) if c is not None]
        if missing := [c for c in wanted if c not in schema.names]:
            names = ", ".join(schema.names)
            raise UserError(f"{path} has no column {missing[0]!r} (columns: {names}); set neardup.corpus.text_field / id_field")
        kind = schema.field(self.text_field).type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise UserError(f"{path}: column {self.text_field!r} holds {kind}, not text; set neardup.corpus.text_field")
        return wanted

    def read(self, start: int, stop: int) -> Iterator[Doc]:
        """Rows ``start`` … ``stop - 1``: only the row groups holding them are read."""
        first = 0
        for f in self.inputs()[1]:
            if first >= stop:
                return
            reader = open_parquet(f)
            if first + reader.metadata.num_rows > start:
                yield from self._read_file(f, reader, start - first, stop - first)
            first += reader.metadata.num_rows

    def _read_file(self, path: Path, reader: pq.ParquetFile, start: int, stop: int) -> Iterator[Doc]:
        """Rows ``start`` … ``stop - 1`` of one file (numbered within it; either end may lie outside)."""
        columns = self._columns(path, reader)
        groups, row, first_row = [], 0, None
        for g in range(reader.num_row_groups):
            rows = reader.metadata.row_group(g).num_rows
            if row < stop and row + rows > start:
                groups.append(g)
                first_row = row if first_row is None else first_row
            row += rows
        row = first_row or 0
        for batch in reader.iter_batches(batch_size=self.batch_size, row_groups=groups, columns=columns):
            texts = batch.column(self.text_field).to_pylist()
            ids = batch.column(self.id_field).to_pylist() if self.id_field else [None] * len(texts)
            for text, id_ in zip(texts, ids):
                if start <= row < stop:
                    if text is None:
                        raise UserError(f"{path}, row {row}: {self.text_field!r} is null")
                    yield Doc(text, path, None if id_ is None else str(id_))
                row += 1
