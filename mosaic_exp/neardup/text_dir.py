"""A folder with one document per file (``neardup/corpus=text_dir``).

The files matching ``glob`` below the folder, sorted by name, are the corpus
order; a part opens only its own files. Bytes the encoding cannot decode are
replaced. A file with a NUL byte near its start is binary: it keeps its
document id but holds no text (so the ids of the others do not depend on it).
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.neardup.config import TextDirNeardupCorpusConfig
from mosaic_exp.neardup.documents import Doc, DocumentCorpus, relative_name, visible_files

log = logging.getLogger(__name__)

_DEFAULTS = TextDirNeardupCorpusConfig
# Where a NUL byte marks a binary file (text in any 8-bit or UTF-8 encoding holds none).
_SNIFF = 8192


class TextDirCorpus(DocumentCorpus):
    """Every file matching ``glob`` below ``path`` is a document; its id (``ids.parquet``) is its name."""

    kind = "text_dir"
    has_ids = True

    def __init__(self, path: str, glob: str = _DEFAULTS.glob, encoding: str = _DEFAULTS.encoding, **common: Any) -> None:
        """The fields of :class:`TextDirNeardupCorpusConfig` (``tokenizer``, ``batch_size`` as :class:`DocumentCorpus` takes them)."""
        super().__init__(**common)
        self.path = Path(path).expanduser()
        self.glob = glob
        try:
            self.encoding = codecs.lookup(encoding).name
        except LookupError as e:
            raise UserError(f"neardup.corpus.encoding={encoding!r} is not an encoding Python knows") from e
        # UTF-16 and UTF-32 text is full of NUL bytes; no other text is.
        self._sniff = not self.encoding.startswith(("utf-16", "utf-32"))
        self._inputs: tuple[Path, list[Path]] | None = None

    def inputs(self) -> tuple[Path, list[Path]]:
        """The folder and its matching files, sorted by name (the corpus order)."""
        if self._inputs is None:
            if not self.path.is_dir():
                raise MissingInput(f"neardup.corpus.path={self.path} is not a folder")
            root = self.path.resolve()
            files = visible_files(root, self.glob)
            if not files:
                raise MissingInput(f"neardup.corpus.path={self.path}: no files match neardup.corpus.glob={self.glob}")
            self._inputs = root, files
        return self._inputs

    def settings(self) -> dict[str, Any]:
        """The pattern choosing the files and the encoding of their text."""
        return {"glob": self.glob, "encoding": self.encoding}

    def count(self) -> int:
        """One document per file."""
        return len(self.inputs()[1])

    def read(self, start: int, stop: int) -> Iterator[Doc]:
        """The files ``start`` … ``stop - 1``, each read whole (it is one document)."""
        root, files = self.inputs()
        binary = 0
        for f in files[start:stop]:
            data = f.read_bytes()
            if self._sniff and b"\0" in data[:_SNIFF]:
                binary += 1
                yield Doc("", None, relative_name(f, root))
                continue
            yield Doc(data.decode(self.encoding, errors="replace"), None, relative_name(f, root))
        if binary:
            log.warning("%s: skipped %d binary files (a NUL byte in their first %d bytes)", root, binary, _SNIFF)
