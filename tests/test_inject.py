"""Injection keeps the book intact around the copies and records where each copy is."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import compose_config

from mosaic_exp.data.stage import load_books
from mosaic_exp.inject.fidelity import measure_text_copies
from mosaic_exp.inject.inject import Piece, inject_book
from mosaic_exp.inject.stage import MANIFEST, load_injected
from mosaic_exp.models.loading import load_tokenizer
from mosaic_exp.perturb.stage import load_variations
from mosaic_exp.pipeline import injection_stages
from mosaic_exp.store import ArtifactStore

SMOKE = ["experiment=smoke"]
BOOK = "It was a dark night.\n\nThe rain fell on the roofs of the town,  and nobody came.\tEnd."


def _remove(text: str, insertions) -> str:
    """The book with every inserted piece (and the space put before it) cut out."""
    out, previous = [], 0
    for ins in sorted(insertions, key=lambda i: i.offset):
        lead = 1 if text[ins.offset - 1] == " " else 0
        out.append(text[previous : ins.offset - lead])
        previous = ins.offset + ins.length
    return "".join(out) + text[previous:]


def test_inject_book_keeps_text_and_offsets() -> None:
    pieces = [Piece(f"canary number {i}", [i], canary=0, kind="variation", variation=i) for i in range(6)]
    rng = np.random.default_rng(0)
    text, insertions = inject_book(BOOK, pieces, rng, book=0, book_id="b")
    assert len(insertions) == 6
    for ins in insertions:
        piece = pieces[ins.variation]
        assert text[ins.offset : ins.offset + ins.length] == piece.text
        # A separator on both sides: the added space before, the book's whitespace after.
        assert text[ins.offset - 1] == " " and text[ins.offset + ins.length].isspace()
    assert _remove(text, insertions) == BOOK


def test_inject_book_positions_are_random_and_seeded() -> None:
    pieces = [Piece("x y", [1], 0, "reference")]
    runs = [inject_book(BOOK, pieces, np.random.default_rng(s), 0, "b")[0] for s in (0, 0, 1, 2, 3)]
    assert runs[0] == runs[1] and len(set(runs)) > 2


def test_too_few_whitespace_positions() -> None:
    with pytest.raises(ValueError, match="whitespace positions"):
        inject_book("one two", [Piece("a", [1], 0, "reference")] * 3, np.random.default_rng(0), 0, "tiny")


def test_token_exact_marks(smoke_models) -> None:
    tokenizer = load_tokenizer(compose_config(SMOKE).model, smoke_models)
    piece_text = " shou trai bra"
    tokens = tokenizer.encode(piece_text, add_special_tokens=False)
    text, insertions = inject_book(BOOK, [Piece(piece_text, tokens, 0, "reference")], np.random.default_rng(1), 0, "b")
    measure_text_copies(text, insertions, tokenizer)
    assert insertions[0].token_exact is True
    assert (insertions[0].token_distance, insertions[0].differences) == (0, "none")
    insertions[0].tokens = tokens[::-1]
    measure_text_copies(text, insertions, tokenizer)
    assert insertions[0].token_exact is False
    assert insertions[0].token_distance > 0 and insertions[0].differences in ("edge", "inside")


def test_injection_stage(smoke_root: Path) -> None:
    cfg = compose_config([*SMOKE, "R=3"], root=smoke_root)
    artifacts = injection_stages(cfg, ArtifactStore(cfg.paths.cache_dir))
    books, insertions = load_injected(artifacts["inject"].path)
    originals = load_books(artifacts["corpus"].path)["finetune"]
    members = load_variations(artifacts["variations"].path)
    assert len(books) == len(originals)
    assert len(insertions) == len(members) * 10
    for i, (book, original) in enumerate(zip(books, originals)):
        placed = [ins for ins in insertions if ins.book == i]
        assert book["copies"] == len(placed)
        assert {ins.canary for ins in placed} <= {i}
        assert _remove(book["text"], placed) == original["text"]
    summary = json.loads((artifacts["inject"].path / MANIFEST).read_text())["summary"]
    assert summary["copies"] == len(insertions)
    assert summary["token_exact"] == sum(bool(i.token_exact) for i in insertions) > 0
    assert summary["mode"] == "text" and all(i.unit == "chars" and i.token_distance is not None for i in insertions)
    assert "input_ids" not in books.column_names


def test_fewer_books_than_members_fails_clearly(smoke_root: Path) -> None:
    cfg = compose_config([*SMOKE, "canaries.n_members=9", "corpus.n_books=8"], root=smoke_root)
    with pytest.raises(ValueError, match="raise corpus.n_books or lower canaries.n_members"):
        injection_stages(cfg, ArtifactStore(cfg.paths.cache_dir))
