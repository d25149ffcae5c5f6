"""SlimPajama (or any corpus in its layout) tokenized into parts, or parts made elsewhere.

The layout is ``<path>/<split>/chunk*/example_<split>_*.jsonl.zst``: zstd-compressed
JSON lines with the document in ``text``. The sorted file list is cut into
``n_parts`` contiguous blocks, so every part is tokenized on its own (one job
of an array per part) and the same files always land in the same part.
Document ids count the lines of a part's files in order; ``sources.json``
maps them back to files. The files are read by the JSON-lines reader and
tokenized by the writer that every text corpus shares (:mod:`mosaic_exp.neardup.jsonl`,
:mod:`mosaic_exp.neardup.tokenizing`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.neardup.artifacts import SOURCES
from mosaic_exp.neardup.config import SlimPajamaNeardupCorpusConfig
from mosaic_exp.neardup.documents import SourceFiles
from mosaic_exp.neardup.jsonl import read_records
from mosaic_exp.neardup.parts import TRAIN, Part, open_part
from mosaic_exp.neardup.tokenizing import load_tokenizer, local_tokenizer_dir, write_documents

log = logging.getLogger(__name__)

# The config's defaults are the only ones (a dataclass keeps a plain default as a class attribute).
_DEFAULTS = SlimPajamaNeardupCorpusConfig


class SlimPajamaCorpus:
    """Reads the SlimPajama layout from a local folder and tokenizes it part by part."""

    def __init__(
        self,
        path: str,
        split: str = _DEFAULTS.split,
        text_field: str = _DEFAULTS.text_field,
        tokenizer: str = _DEFAULTS.tokenizer,
        max_files: int | None = _DEFAULTS.max_files,
        batch_size: int = _DEFAULTS.batch_size,
        parts_dir: str | None = _DEFAULTS.parts_dir,
        token_bytes: int = _DEFAULTS.token_bytes,
    ) -> None:
        """The fields of :class:`SlimPajamaNeardupCorpusConfig`; omitted ones take its defaults."""
        self.path = Path(path).expanduser()
        self.split = split
        self.text_field = text_field
        self.tokenizer = tokenizer
        self.max_files = max_files
        self.batch_size = batch_size
        self.parts_dir = Path(parts_dir).expanduser() if parts_dir else None
        self.token_bytes = token_bytes

    # --- which inputs a part reads ------------------------------------------

    def files(self) -> list[Path]:
        """Every input file, sorted; an error that names the expected layout if there is none."""
        root = self.path / self.split
        if not root.is_dir():
            raise MissingInput(
                f"SlimPajama: {root} is not a folder; neardup.corpus.path must hold {self.split}/chunk*/example_{self.split}_*.jsonl.zst"
            )
        files = sorted(root.glob(f"chunk*/example_{self.split}_*.jsonl.zst"))
        if not files:
            raise MissingInput(f"SlimPajama: no {self.split}/chunk*/example_{self.split}_*.jsonl.zst under {self.path}")
        return files[: self.max_files] if self.max_files else files

    def existing_parts(self) -> list[Path]:
        """The ``NAME.train`` files of ``parts_dir``, sorted by name."""
        assert self.parts_dir is not None
        if not self.parts_dir.is_dir():
            raise MissingInput(f"neardup.corpus.parts_dir={self.parts_dir} is not a folder")
        trains = sorted(self.parts_dir.glob("*.train"))
        if not trains:
            raise MissingInput(f"neardup.corpus.parts_dir={self.parts_dir} holds no NAME.train files")
        return trains

    def part_files(self, part: int, n_parts: int) -> list[Path]:
        """The input files of ``part``: a contiguous block of the sorted list."""
        files = self.files()
        if not 0 <= part < n_parts:
            raise UserError(f"part {part} is not one of the {n_parts} parts (0..{n_parts - 1})")
        if len(files) < n_parts:
            raise UserError(f"SlimPajama: {len(files)} input files cannot make {n_parts} parts; lower neardup.n_parts")
        return files[part * len(files) // n_parts : (part + 1) * len(files) // n_parts]

    def fingerprint(self, part: int, n_parts: int, digests: FileDigests) -> dict:
        """The names and contents of what ``part`` reads (and of a local tokenizer): changed inputs, new key."""
        if self.parts_dir is not None:
            train = self._check_part_count(n_parts)[part]
            paths = [p for p in (train, Path(f"{train}.size")) if p.exists()]
            return {"parts": digests.files(self.parts_dir, paths)}
        inputs = {"files": digests.files(self.path, self.part_files(part, n_parts))}
        if Path(self.tokenizer).expanduser().is_dir():
            inputs["tokenizer"] = digests.tree(self.tokenizer)["digest"]
        return inputs

    def _check_part_count(self, n_parts: int) -> list[Path]:
        trains = self.existing_parts()
        if len(trains) != n_parts:
            raise UserError(
                f"neardup.corpus.parts_dir={self.parts_dir} holds {len(trains)} parts but "
                f"neardup.n_parts={n_parts}; set neardup.n_parts={len(trains)}"
            )
        return trains

    # --- writing a part -------------------------------------------------------

    def write_part(self, part: int, n_parts: int, directory: Path, *, threads: int = 1) -> Part:
        """Tokenizes the files of ``part`` into ``directory`` (or validates an existing part) with ``threads`` tokenizer threads."""
        if self.parts_dir is not None:
            self._check_part_count(n_parts)
            train = self.existing_parts()[part]
            found = open_part(part, train, token_bytes=self.token_bytes)
            write_json_atomic(Path(directory) / SOURCES, {"existing_part": str(train.resolve())})
            return found
        files = self.part_files(part, n_parts)
        tokenizer = load_tokenizer(self.tokenizer)
        sources = SourceFiles(self.path)

        def documents() -> Iterator[tuple[int, str]]:
            doc_id = 0
            for f in files:
                sources.start(f, doc_id)
                for doc in read_records(f, self.text_field):
                    sources.add(doc_id)
                    yield doc_id, doc.text
                    doc_id += 1

        written = write_documents(documents(), tokenizer, Path(directory) / TRAIN, index=part, batch_size=self.batch_size, threads=threads)
        log.info("part %d: %d files", part, len(files))
        write_json_atomic(Path(directory) / SOURCES, {"root": str(self.path), "files": sources.files})
        return written

    def tokenizer_dir(self) -> Path | None:
        """The tokenizer's folder when it is a local directory."""
        return local_tokenizer_dir(self.tokenizer)
