"""The injection stage: fine-tuning books with the canary copies, plus a manifest."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Mapping, Optional

import numpy as np
from datasets import Dataset, Features, Value, load_from_disk
from omegaconf import DictConfig

from mosaic_exp.data.stage import load_books
from mosaic_exp.inject.inject import Insertion, Piece, inject_book, mark_token_exact
from mosaic_exp.models.loading import lm_spec, load_tokenizer
from mosaic_exp.perturb.stage import load_variations
from mosaic_exp.store import Artifact, ArtifactStore, write_json_atomic

log = logging.getLogger(__name__)

VERSION = 1
MANIFEST = "manifest.json"
FEATURES = Features({"book_id": Value("string"), "text": Value("string"), "copies": Value("int32")})


def _pieces(copies, tokenizer) -> list[Piece]:
    pieces = [Piece(tokenizer.decode(copies.reference), list(copies.reference), copies.canary, "reference")]
    for v, variation in enumerate(copies.variations):
        fragments = variation.fragments or [variation.tokens]
        for f, tokens in enumerate(fragments):
            pieces.append(
                Piece(tokenizer.decode(tokens), list(tokens), copies.canary, "variation", v,
                      f if variation.fragments else None)
            )
    return pieces


def build_injected(
    cfg: DictConfig,
    store: ArtifactStore,
    corpus: Artifact,
    variations: Artifact,
    tiny_models: Optional[Mapping[str, str]] = None,
) -> Artifact:
    """Puts member canary ``i`` and its variations into fine-tuning book ``i``."""
    spec = {
        "version": VERSION,
        "corpus": corpus.key,
        "variations": variations.key,
        "target": lm_spec(cfg.model, tiny_models),
        "seed": cfg.inject.seed,
    }

    def build(directory: Path) -> None:
        books = load_books(corpus.path)["finetune"]
        members = load_variations(variations.path)
        if len(books) < len(members):
            raise ValueError(
                f"{len(members)} member canaries need as many fine-tuning books, but the corpus has {len(books)}; "
                "raise corpus.n_books or lower canaries.n_members"
            )
        tokenizer = load_tokenizer(cfg.model, tiny_models)
        rng = np.random.default_rng(cfg.inject.seed)
        texts, counts, insertions = [], [], []
        for i, (book_id, text) in enumerate(zip(books["book_id"], books["text"])):
            placed = []
            if i < len(members):
                text, placed = inject_book(text, _pieces(members[i], tokenizer), rng, i, book_id)
                mark_token_exact(text, placed, tokenizer)
                insertions.extend(placed)
            texts.append(text)
            counts.append(len(placed))
        Dataset.from_dict({"book_id": list(books["book_id"]), "text": texts, "copies": counts}, features=FEATURES).save_to_disk(
            str(directory / "books")
        )
        exact = sum(bool(ins.token_exact) for ins in insertions)
        log.info("injected %d copies into %d books; %d are token-exact in the tokenized books", len(insertions), len(members), exact)
        write_json_atomic(
            directory / MANIFEST,
            {
                "summary": {"books": len(texts), "books_with_canaries": len(members), "copies": len(insertions), "token_exact": exact},
                "insertions": [asdict(ins) for ins in insertions],
            },
        )

    return store.build("inject", spec, build)


def load_injected(directory: str | Path) -> tuple[Dataset, list[Insertion]]:
    """The injected books and every insertion of the manifest."""
    manifest = json.loads((Path(directory) / MANIFEST).read_text())
    return load_from_disk(str(Path(directory) / "books")), [Insertion(**i) for i in manifest["insertions"]]
