"""Text documents tokenized into a part: the one writer of every text corpus (SlimPajama, jsonl, parquet, ...).

Documents arrive as a stream of ``(doc_id, text)``. They are tokenized
``batch_size`` at a time and each batch is appended to the part before the
next is read, so neither the corpus nor a part has to fit in memory.

A batch is encoded by the fast tokenizer's own thread pool (``threads``
threads, Rust). On 2 cores that was faster than a pool of tokenizer processes,
which pays for starting them and for pickling texts and tokens both ways
(13 MB of text: 4.7 s with 2 threads, 7.2 s with 2 processes; see docs/neardup.md).
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.neardup.parts import Part, PartWriter, max_token
from mosaic_exp.neardup.progress import progress

log = logging.getLogger(__name__)

T = TypeVar("T")


def load_tokenizer(name: str) -> Any:
    """A (fast where possible) tokenizer from a local directory or the HF cache, with an error that says where it looked."""
    from transformers import AutoTokenizer

    path = Path(name).expanduser()
    # A hub id never starts like a path; a mistyped folder would get a message about repo ids.
    if (path.is_absolute() or name.startswith((".", "~"))) and not path.is_dir():
        raise MissingInput(f"neardup.corpus.tokenizer={name!r}: no tokenizer there, no such folder (one written by save_pretrained)")
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


def local_tokenizer_dir(name: str) -> Path | None:
    """The tokenizer's folder when ``name`` is a local directory (not a hub id), absolute."""
    path = Path(name).expanduser()
    return path.resolve() if path.is_dir() else None


def token_bytes_for(vocab_size: int) -> int:
    """Width of the parts of a vocabulary of ``vocab_size`` ids: 2 (uint16) while every id fits, else 4."""
    for width in (2, 4):
        # Ids above max_token are the part's separators.
        if vocab_size - 1 <= max_token(width):
            return width
    raise UserError(f"a vocabulary of {vocab_size} ids does not fit in 4-byte parts (largest id {max_token(4)})")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily."""
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _tokenizer_threads(threads: int) -> None:
    # The Rust tokenizers read this before every batch; the pool's size is
    # fixed at its first use, so RAYON_NUM_THREADS only counts when unset before
    # (the study sets it to neardup.threads).
    os.environ["TOKENIZERS_PARALLELISM"] = "true" if threads > 1 else "false"
    os.environ.setdefault("RAYON_NUM_THREADS", str(threads))


def write_documents(
    documents: Iterable[tuple[int, str]],
    tokenizer: Any,
    train: Path,
    *,
    index: int,
    batch_size: int,
    threads: int = 1,
    total: int | None = None,
) -> Part:
    """Tokenizes ``(doc_id, text)`` documents into the part ``train`` (+ ``.size``) and describes it.

    The part is uint16 unless the vocabulary (``len(tokenizer)``, added tokens
    included) holds more ids than 2-byte parts can, then uint32. Documents
    without tokens keep their id but are not written (they hold no window).
    """
    token_bytes = token_bytes_for(len(tokenizer))
    _tokenizer_threads(threads)
    train = Path(train)
    docs = progress(documents, desc=f"tokenize part {index}", unit="doc", total=total)
    with PartWriter(train, token_bytes=token_bytes) as writer:
        for batch in batched(docs, batch_size):
            ids = [doc_id for doc_id, _ in batch]
            encoded = tokenizer(
                [text for _, text in batch], add_special_tokens=False, return_attention_mask=False, return_token_type_ids=False
            )["input_ids"]
            for doc_id, tokens in zip(ids, encoded):
                writer.add(doc_id, tokens)
    log.info("part %d: %d documents with tokens, %d tokens (%d-byte)", index, writer.n_documents, writer.n_tokens, token_bytes)
    return Part(index, train, Path(f"{train}.size"), token_bytes, writer.n_tokens, writer.n_documents)
