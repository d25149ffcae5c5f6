"""SlimPajama (or any corpus in its layout) tokenized into parts, or parts made elsewhere.

The layout is ``<path>/<split>/chunk*/example_<split>_*.jsonl.zst``: zstd-compressed
JSON lines with the document in ``text``. The sorted file list is cut into
``n_parts`` contiguous blocks, so every part is tokenized on its own (one job
of an array per part) and the same files always land in the same part.
Document ids count the lines of a part's files in order; ``sources.json``
maps them back to files.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.neardup.artifacts import SOURCES
from mosaic_exp.neardup.config import SlimPajamaNeardupCorpusConfig
from mosaic_exp.neardup.parts import TRAIN, Part, PartWriter, open_part
from mosaic_exp.neardup.progress import progress

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
        """Tokenizes the files of ``part`` into ``directory`` (or validates an existing part), ``threads`` files at a time."""
        if self.parts_dir is not None:
            self._check_part_count(n_parts)
            train = self.existing_parts()[part]
            found = open_part(part, train, token_bytes=self.token_bytes)
            write_json_atomic(Path(directory) / SOURCES, {"existing_part": str(train.resolve())})
            return found
        files = self.part_files(part, n_parts)
        vocab = len(load_tokenizer(self.tokenizer))
        token_bytes = 2 if vocab <= 0xFFFF else 4
        train = Path(directory) / TRAIN
        sources, doc_id = [], 0
        jobs = [(str(f), self.tokenizer, self.text_field, self.batch_size) for f in files]
        tokenized = zip(files, _map(tokenize_file, jobs, threads))
        with PartWriter(train, token_bytes=token_bytes) as writer:
            for f, (flat, lengths) in progress(tokenized, desc=f"tokenize part {part}", unit="file", total=len(files)):
                sources.append({"file": str(f.relative_to(self.path)), "first_doc_id": doc_id, "documents": len(lengths)})
                for body in np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []:
                    writer.add(doc_id, body)
                    doc_id += 1
                log.debug("part %d: %s, %d documents", part, f.name, len(lengths))
        log.info("part %d: %d files, %d documents, %d tokens", part, len(files), writer.n_documents, writer.n_tokens)
        write_json_atomic(Path(directory) / SOURCES, {"root": str(self.path), "files": sources})
        return Part(part, train, Path(f"{train}.size"), token_bytes, writer.n_tokens, writer.n_documents)


def _map(fn, jobs: list, threads: int) -> Iterator:
    """``fn`` over ``jobs`` in order, in worker processes when ``threads`` > 1."""
    if threads <= 1 or len(jobs) <= 1:
        yield from map(fn, jobs)
        return
    # Spawned workers: a forked copy of a process that already ran the
    # tokenizer's thread pool can deadlock.
    with ProcessPoolExecutor(max_workers=min(threads, len(jobs)), mp_context=get_context("spawn")) as pool:
        yield from pool.map(fn, jobs)


def load_tokenizer(name: str):
    """A fast tokenizer from a local directory or the HF cache, with an error that says where it looked."""
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(name, use_fast=True)
    except (OSError, ValueError) as e:
        raise MissingInput(
            f"neardup.corpus.tokenizer={name!r}: no tokenizer there. Give a local directory "
            f"(save_pretrained) or a hub id present in the HF cache (HF_HUB_OFFLINE=1 never downloads): {e}"
        ) from e
    # Documents are longer than the model's context; only the ids matter here.
    tok.model_max_length = int(1e30)
    return tok


def read_texts(path: Path, text_field: str) -> Iterator[str]:
    """Documents of one ``.jsonl.zst`` file; malformed lines are errors naming file and line."""
    import zstandard

    with open(path, "rb") as raw:
        reader = zstandard.ZstdDecompressor().stream_reader(raw)
        try:
            for n, line in enumerate(io.TextIOWrapper(reader, encoding="utf-8"), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise UserError(f"{path}, line {n}: not JSON ({e})") from e
                if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
                    raise UserError(f"{path}, line {n}: no string field {text_field!r}")
                yield record[text_field]
        except zstandard.ZstdError as e:
            raise UserError(f"{path}: not a valid zstd file ({e})") from e


def tokenize_file(job: tuple[str, str, str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Tokens of every document of a file, flat, and the documents' lengths."""
    path, tokenizer, text_field, batch_size = job
    # One worker per file already uses the cores; nested thread pools only contend.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    tok = load_tokenizer(tokenizer)
    flat: list[np.ndarray] = []
    lengths: list[int] = []
    batch: list[str] = []

    def flush() -> None:
        for ids in tok(batch, add_special_tokens=False)["input_ids"]:
            flat.append(np.asarray(ids, dtype=np.uint32))
            lengths.append(len(ids))
        batch.clear()

    for text in read_texts(Path(path), text_field):
        batch.append(text)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    tokens = np.concatenate(flat) if flat else np.zeros(0, dtype=np.uint32)
    return tokens, np.asarray(lengths, dtype=np.int64)
