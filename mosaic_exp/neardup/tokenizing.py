"""Text documents tokenized into a part: the one writer of every text corpus (SlimPajama, jsonl, parquet, ...).

Documents arrive as a stream of ``(doc_id, text)``. They are tokenized
``batch_size`` at a time and each batch is appended to the part before the
next is read, so neither the corpus nor a part has to fit in memory.

A batch is encoded by the fast tokenizer's own thread pool (``threads``
threads, Rust). On 2 cores that was faster than a pool of tokenizer processes,
which pays for starting them and for pickling texts and tokens both ways
(13 MB of text: 4.7 s with 2 threads, 7.2 s with 2 processes; see docs/neardup.md).

A document longer than ``max_chars`` (a generated C header, a 100 MB JSONL
record) is encoded in pieces cut at line starts, each cut checked not to change
the tokens (see :func:`_encode_huge`): encoded whole, the fast tokenizer would
hold an ``Encoding`` (token strings, offsets, masks, word ids) and alignments
for every byte of it, GBs for one document.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.neardup.parts import Part, PartWriter, max_token
from mosaic_exp.neardup.progress import progress

log = logging.getLogger(__name__)

T = TypeVar("T")

# Longer documents are encoded in pieces of about this many characters. A
# 1M-char piece of C-like text costs a byte-level BPE ~250 MB at its peak (a
# 30M-char document encoded whole: 6.3 GB; see docs/neardup.md), while nearly
# every real document stays below it and keeps the batched path; the check of a
# cut (8,000-16,000 chars encoded) is about 1% of the work of a piece.
MAX_CHARS = 1_000_000
# Characters on each side of a cut in the window that checks it.
CHECK_CHARS = 2_000
# Cuts checked for one piece before the rest of the document is encoded whole: a
# tokenizer that fails this many fails them all (it marks every text's start).
CUT_TRIES = 8


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


def _encode(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    if not texts:  # a batch of huge documents only; transformers fails on an empty list
        return []
    return tokenizer(texts, add_special_tokens=False, return_attention_mask=False, return_token_type_ids=False)["input_ids"]


def _is_line_cut(text: str, cut: int) -> bool:
    """Whether ``cut`` lies just after a newline between two non-space characters.

    Both neighbours matter for GPT-2's pre-tokenizer: its regexp never joins a
    newline with the character after it, and one preceded by a non-space is a
    pre-token of its own on either side of the cut; after a space or another
    newline, the text before the cut would end in a longer run of spaces
    (``"  \n"`` alone is one pre-token, before ``"x"`` it is ``"  "`` and ``"\n"``).
    """
    return 2 <= cut < len(text) and text[cut - 1] == "\n" and not text[cut].isspace() and not text[cut - 2].isspace()


def _line_cuts(text: str, start: int, target: int) -> Iterator[int]:
    """Line cuts after ``start``: the nearest at or below ``target`` first, going down, then those above it, going up."""
    pos = target
    while (newline := text.rfind("\n", start + 1, pos)) >= 0:
        if _is_line_cut(text, newline + 1):
            yield newline + 1
        pos = newline
    pos = target
    while (newline := text.find("\n", pos)) >= 0:
        if _is_line_cut(text, newline + 1):
            yield newline + 1
        pos = newline + 1


def _window_edge(text: str, pos: int, step: int) -> int:
    """A line start about ``CHECK_CHARS`` from ``pos`` (``step`` -1: before, 1: after), or the text's end that is nearer."""
    near = pos + step * CHECK_CHARS
    if near <= 0 or near >= len(text):
        return min(max(near, 0), len(text))
    # At most CHECK_CHARS further: a window over one long line stays small.
    newline = text.rfind("\n", max(near - CHECK_CHARS, 0), near) if step < 0 else text.find("\n", near, near + CHECK_CHARS)
    return newline + 1 if newline >= 0 else near


def _cut_keeps_tokens(tokenizer: Any, text: str, cut: int) -> bool:
    """Whether a window of ``text`` around ``cut`` encodes to the same ids whole and as two halves.

    Exactness is checked, not assumed: a SentencePiece (Metaspace) tokenizer
    marks the start of every text with "▁", an added token or a normalizer may
    span the newline, a BPE without pre-tokenizer may merge across it. Whole and
    halves share the window's edges (line starts, so that these are ordinary
    boundaries too), so only the cut can make them differ. The window shows
    that the cut changes nothing within CHECK_CHARS of it; this is a test, not a
    proof, for a tokenizer whose context reaches further. For byte-level BPE with
    GPT-2's pre-tokenizer (and Llama-3's), a line cut is exact in any context:
    pre-tokens end there (see :func:`_is_line_cut`), are encoded independently,
    and the regexp looks ahead one character at most, never behind.
    """
    lo, hi = _window_edge(text, cut, -1), _window_edge(text, cut, 1)
    left, right, whole = _encode(tokenizer, [text[lo:cut], text[cut:hi], text[lo:hi]])
    return left + right == whole


def _encode_huge(tokenizer: Any, text: str, max_chars: int) -> tuple[np.ndarray, bool]:
    """Ids of ``text``, encoded in pieces of about ``max_chars`` where cuts keep the tokens; whether it was cut.

    The ids are kept as uint32 arrays (4 bytes a token, where a list holds ~36).
    When no line cut of a piece passes within CUT_TRIES, the rest of the text is
    encoded whole: the same ids, at the memory cost of one call.
    """
    pieces: list[np.ndarray] = []
    start = 0
    while len(text) - start > max_chars:
        tried = (cut for _, cut in zip(range(CUT_TRIES), _line_cuts(text, start, start + max_chars)))
        cut = next((cut for cut in tried if _cut_keeps_tokens(tokenizer, text, cut)), None)
        if cut is None:
            break
        pieces.append(np.asarray(_encode(tokenizer, [text[start:cut]])[0], dtype=np.uint32))
        start = cut
    pieces.append(np.asarray(_encode(tokenizer, [text[start:]])[0], dtype=np.uint32))
    return np.concatenate(pieces), len(pieces) > 1


def write_documents(
    documents: Iterable[tuple[int, str]],
    tokenizer: Any,
    train: Path,
    *,
    index: int,
    batch_size: int,
    threads: int = 1,
    total: int | None = None,
    max_chars: int = MAX_CHARS,
) -> Part:
    """Tokenizes ``(doc_id, text)`` documents into the part ``train`` (+ ``.size``) and describes it.

    The part is uint16 unless the vocabulary (``len(tokenizer)``, added tokens
    included) holds more ids than 2-byte parts can, then uint32. Documents
    without tokens keep their id but are not written (they hold no window).
    Documents longer than ``max_chars`` characters are encoded in pieces
    (:func:`_encode_huge`), to the same ids.
    """
    token_bytes = token_bytes_for(len(tokenizer))
    _tokenizer_threads(threads)
    train = Path(train)
    docs = progress(documents, desc=f"tokenize part {index}", unit="doc", total=total)
    with PartWriter(train, token_bytes=token_bytes) as writer:
        warned = False
        for batch in batched(docs, batch_size):
            # The fast path: the batch's ordinary documents in one call, on the tokenizer's threads.
            encoded = iter(_encode(tokenizer, [text for _, text in batch if len(text) <= max_chars]))
            for doc_id, text in batch:
                if len(text) <= max_chars:
                    writer.add(doc_id, next(encoded))
                    continue
                tokens, cut = _encode_huge(tokenizer, text, max_chars)
                if not cut and not warned:
                    warned = True
                    log.warning(
                        "part %d: document %d (%d chars) was encoded whole, at the memory cost of the whole "
                        "document: none of its line cuts keeps the tokens of %s (e.g. SentencePiece marks every "
                        "text's start) or it has none; later ones are not reported",
                        index,
                        doc_id,
                        len(text),
                        getattr(tokenizer, "name_or_path", type(tokenizer).__name__),
                    )
                writer.add(doc_id, tokens)
    log.info("part %d: %d documents with tokens, %d tokens (%d-byte)", index, writer.n_documents, writer.n_tokens, token_bytes)
    return Part(index, train, Path(f"{train}.size"), token_bytes, writer.n_tokens, writer.n_documents)
