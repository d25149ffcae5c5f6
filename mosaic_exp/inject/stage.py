"""The injection stage: fine-tuning books with the canary copies, plus a manifest."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from datasets import Dataset, Features, List, Value, load_from_disk
from tqdm import tqdm
from transformers import PreTrainedTokenizerBase

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.data.books import save_books
from mosaic_exp.data.stage import load_books
from mosaic_exp.inject.config import InjectConfig, InjectMode
from mosaic_exp.inject.fidelity import measure_text_copies, measure_token_copies, summarize
from mosaic_exp.inject.inject import Insertion, Piece, inject_book
from mosaic_exp.inject.tokens import inject_tokens
from mosaic_exp.models.ref import ModelRef
from mosaic_exp.perturb.stage import CanaryCopies, load_variations
from mosaic_exp.store import Artifact, ArtifactStore

# 2: per-copy token distances and their summary in the manifest; inject.mode (token ids in the books).
VERSION = 2
MANIFEST = "manifest.json"
FEATURES = Features({"book_id": Value("string"), "text": Value("string"), "copies": Value("int32")})
# inject.mode=tokens: the ids training reads (special tokens included); ``text`` is their decoding.
TOKEN_FEATURES = Features({**FEATURES, "input_ids": List(Value("int32"))})


def _pieces(copies: CanaryCopies, tokenizer: PreTrainedTokenizerBase) -> list[Piece]:
    """The reference and every variation (or each fragment of a scattered one) as pieces to place."""
    pieces = [Piece(tokenizer.decode(copies.reference), list(copies.reference), copies.canary, "reference")]
    for v, variation in enumerate(copies.variations):
        fragments = variation.fragments or [variation.tokens]
        for f, tokens in enumerate(fragments):
            pieces.append(Piece(tokenizer.decode(tokens), list(tokens), copies.canary, "variation", v, f if variation.fragments else None))
    return pieces


def _text_books(
    books: Dataset, members: Sequence[CanaryCopies], tokenizer: PreTrainedTokenizerBase, rng: np.random.Generator
) -> tuple[dict[str, list], list[Insertion]]:
    """inject.mode=text: each copy's text at a whitespace of its book."""
    texts, counts, insertions = [], [], []
    for i, (book_id, text) in enumerate(_each_book(books)):
        placed = []
        if i < len(members):
            text, placed = inject_book(text, _pieces(members[i], tokenizer), rng, i, book_id)
            measure_text_copies(text, placed, tokenizer)
            insertions.extend(placed)
        texts.append(text)
        counts.append(len(placed))
    return {"book_id": list(books["book_id"]), "text": texts, "copies": counts}, insertions


def _token_books(
    books: Dataset, members: Sequence[CanaryCopies], tokenizer: PreTrainedTokenizerBase, rng: np.random.Generator
) -> tuple[dict[str, list], list[Insertion]]:
    """inject.mode=tokens: every book as training ids, each copy's ids at a word boundary of its book."""
    all_ids, counts, insertions = [], [], []
    for i, (book_id, text) in enumerate(_each_book(books)):
        placed = []
        if i < len(members):
            ids, placed = inject_tokens(text, _pieces(members[i], tokenizer), tokenizer, rng, i, book_id)
            measure_token_copies(ids, placed)
            insertions.extend(placed)
        else:
            ids = tokenizer(text, verbose=False)["input_ids"]
        all_ids.append(ids)
        counts.append(len(placed))
    texts = [tokenizer.decode(ids, skip_special_tokens=True) for ids in all_ids]
    return {"book_id": list(books["book_id"]), "text": texts, "copies": counts, "input_ids": all_ids}, insertions


def _each_book(books: Dataset) -> Iterator[tuple[str, str]]:
    """``(book_id, text)`` of every book, with a progress bar on a terminal (each book is tokenized and measured)."""
    return tqdm(zip(books["book_id"], books["text"]), total=len(books), desc="injecting", unit="book", disable=None)


def build_injected(
    settings: InjectConfig,
    store: ArtifactStore,
    corpus: Artifact,
    variations: Artifact,
    target: ModelRef,
) -> Artifact:
    """Puts member canary ``i`` and its variations into fine-tuning book ``i``, as text or as tokens (``settings.mode``).

    ``settings`` is ``cfg.inject``; ``target`` gives the tokenizer the books are measured (or tokenized) with.
    """
    mode = InjectMode(settings.mode).value
    spec = {
        "version": VERSION,
        "corpus": corpus.key,
        "variations": variations.key,
        "target": target.spec(store.digests),
        "seed": settings.seed,
        "mode": mode,
    }

    def build(directory: Path) -> None:
        books = load_books(corpus.path)["finetune"]
        members = load_variations(variations.path)
        if len(books) < len(members):
            raise ValueError(
                f"{len(members)} member canaries need as many fine-tuning books, but the corpus has {len(books)}; "
                "raise corpus.n_books or lower canaries.n_members"
            )
        tokenizer = target.load_tokenizer()
        rng = np.random.default_rng(settings.seed)
        place = _token_books if mode == "tokens" else _text_books
        columns, insertions = place(books, members, tokenizer, rng)
        features = TOKEN_FEATURES if mode == "tokens" else FEATURES
        save_books(Dataset.from_dict(columns, features=features), directory / "books")
        summary = {"books": len(books), "books_with_canaries": len(members), "mode": mode, **summarize(insertions)}
        write_json_atomic(directory / MANIFEST, {"summary": summary, "insertions": [asdict(ins) for ins in insertions]})

    return store.build("inject", spec, build)


def load_injected(directory: str | Path) -> tuple[Dataset, list[Insertion]]:
    """The injected books and every insertion of the manifest."""
    manifest = json.loads((Path(directory) / MANIFEST).read_text())
    return load_from_disk(str(Path(directory) / "books")), [Insertion(**i) for i in manifest["insertions"]]


def load_injection_summary(directory: str | Path) -> dict[str, Any]:
    """The manifest's summary: books, mode, copies, token-exact ones, distances (see :func:`summarize`)."""
    return json.loads((Path(directory) / MANIFEST).read_text())["summary"]
