"""How faithfully copies survive tokenization: per-copy token distances (checked against a
plain dynamic-programming Levenshtein), their summary, and inject.mode=tokens, which makes
every copy token-exact for every tokenizer family and is what training then reads."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import compose_config
from families import real_texts, train_tokenizer
from hydra.errors import ConfigCompositionException
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from mosaic_exp.canaries.filters import tokens_in_book
from mosaic_exp.inject.fidelity import (
    EXACT_ENOUGH,
    measure_text_copies,
    measure_token_copies,
    summarize,
    summary_line,
    where_different,
)
from mosaic_exp.inject.inject import Insertion, Piece, inject_book
from mosaic_exp.inject.stage import MANIFEST, load_injected, load_injection_summary
from mosaic_exp.inject.tokens import inject_tokens
from mosaic_exp.models.loading import load_tokenizer
from mosaic_exp.pipeline import injection_stages
from mosaic_exp.store import SPEC, ArtifactStore
from mosaic_exp.tasks.train import chunk_loader, training_books

SMOKE = ["experiment=smoke"]
# Byte-level BPE (GPT-Neo, Phi), SentencePiece with byte fallback and a BOS (Llama-2, Gemma), Llama-3.
KINDS = ["byte_bpe", "codegen_bpe", "sentencepiece_bpe", "gemma_bpe", "tiktoken_bpe"]
N_BOOKS, PIECES_PER_BOOK = 6, 8


# --------------------------------------------------------------------------- independent references


def dp_levenshtein(a: Sequence[int], b: Sequence[int]) -> int:
    """The textbook dynamic program, one row at a time."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def closest_span(tokenizer: PreTrainedTokenizerBase, text: str, start: int, end: int, piece: list[int]) -> list[int]:
    """The book's tokens from the first to the last whose character offsets overlap ``[start, end)``;
    or those and the token before them, if it is only whitespace ending at ``start`` and that is closer."""
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = encoding["input_ids"], encoding["offset_mapping"]
    overlapping = [i for i, (s, e) in enumerate(offsets) if s < end and e > start]
    first, last = min(overlapping), max(overlapping)
    spans = [ids[first : last + 1]]
    s, e = offsets[first - 1]
    if first and e == start and text[s:e] and not text[s:e].strip():
        spans.append(ids[first - 1 : last + 1])
    return min(spans, key=lambda span: dp_levenshtein(piece, span))


def brute_where(piece: list[int], span: list[int]) -> str:
    """ "edge" when the span is (anything, piece[1:-1], anything): only the copy's end tokens changed."""
    if piece == span:
        return "none"
    inner = piece[1:-1]
    return "edge" if any(span[i : i + len(inner)] == inner for i in range(len(span) - len(inner) + 1)) else "inside"


# --------------------------------------------------------------------------- families and pieces


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PreTrainedTokenizerBase]:
    """One tokenizer of each kind, trained on real English text."""
    root = tmp_path_factory.mktemp("fidelity_tokenizers")
    texts = real_texts()
    return {kind: AutoTokenizer.from_pretrained(train_tokenizer(kind, texts, root / kind)) for kind in KINDS}


def _sentences() -> list[str]:
    """Real sentences of 12 to 40 words from pages that are not used as books."""
    text = " ".join(real_texts()[N_BOOKS:])
    found = [s for s in re.split(r"(?<=[.!?])\s+", text) if 12 <= len(s.split()) <= 40]
    assert len(found) >= N_BOOKS * PIECES_PER_BOOK
    return found


def _pieces(tokenizer: PreTrainedTokenizerBase, book: int, rng: np.random.Generator) -> list[Piece]:
    """Canary-like pieces: a sentence's mid-text tokens as the reference, then fuzzy variations
    with three tokens replaced by tokens of other sentences (as the MLM replaces)."""
    sentences = _sentences()
    pool = [t for s in sentences[:50] for t in tokens_in_book(s, tokenizer) or []]
    pieces = []
    for p in range(PIECES_PER_BOOK):
        tokens = tokens_in_book(sentences[book * PIECES_PER_BOOK + p], tokenizer)
        assert tokens is not None
        if p:
            for at in rng.choice(np.arange(1, len(tokens) - 1), size=3, replace=False):
                tokens[at] = int(rng.choice(pool))
        pieces.append(
            Piece(tokenizer.decode(tokens), tokens, canary=book, kind="variation" if p else "reference", variation=p - 1 if p else None)
        )
    return pieces


def _without_copies(ids: list[int], insertions: Sequence[Insertion]) -> list[int]:
    out, previous = [], 0
    for ins in sorted(insertions, key=lambda i: i.offset):
        out.extend(ids[previous : ins.offset])
        previous = ins.offset + ins.length
    return out + ids[previous:]


# --------------------------------------------------------------------------- text mode: distances


def test_where_different() -> None:
    piece = [1, 2, 3, 4, 5]
    assert where_different(piece, [1, 2, 3, 4, 5]) == "none"
    assert where_different(piece, [9, 2, 3, 4, 5]) == "edge"  # the first token merged with the book's text
    assert where_different(piece, [1, 2, 3, 4, 8, 9]) == "edge"  # the last token split in two
    assert where_different(piece, [7, 2, 3, 4, 9]) == "edge"
    assert where_different(piece, [1, 2, 9, 4, 5]) == "inside"
    assert where_different(piece, [1, 2, 4, 5]) == "inside"


@pytest.mark.parametrize("kind", KINDS)
def test_text_mode_distances_match_brute_force(kind: str, tokenizers: dict) -> None:
    tokenizer = tokenizers[kind]
    rng = np.random.default_rng(0)
    measured: list[Insertion] = []
    for b, original in enumerate(real_texts(N_BOOKS)):
        pieces = _pieces(tokenizer, b, rng)
        # A garbled piece: its tokens are not what its text tokenizes to.
        pieces.append(Piece(pieces[0].text, pieces[0].tokens[::-1], b, "variation", 99))
        text, insertions = inject_book(original, pieces, rng, b, f"book{b}")
        measure_text_copies(text, insertions, tokenizer)
        for ins in insertions:
            span = closest_span(tokenizer, text, ins.offset, ins.offset + ins.length, ins.tokens)
            assert ins.token_distance == dp_levenshtein(ins.tokens, span)
            assert ins.token_exact is (ins.token_distance == 0)
            assert ins.differences == brute_where(ins.tokens, span)
        measured.extend(insertions)
    assert any(ins.token_exact for ins in measured) and any(not ins.token_exact for ins in measured)
    assert all(ins.differences != "none" for ins in measured if ins.variation == 99)


def test_summary_counts(tokenizers: dict) -> None:
    tokenizer = tokenizers["byte_bpe"]
    rng = np.random.default_rng(1)
    insertions: list[Insertion] = []
    for b, original in enumerate(real_texts(N_BOOKS)):
        text, placed = inject_book(original, _pieces(tokenizer, b, rng), rng, b, f"book{b}")
        measure_text_copies(text, placed, tokenizer)
        insertions.extend(placed)
    summary = summarize(insertions)
    distances = Counter(ins.token_distance for ins in insertions)
    assert summary["copies"] == len(insertions) == N_BOOKS * PIECES_PER_BOOK
    assert summary["token_exact"] == distances[0] == sum(ins.token_exact for ins in insertions)
    assert summary["differing"] == len(insertions) - distances[0] > 0
    assert summary["differing_at_edges"] + summary["differing_inside"] == summary["differing"]
    assert summary["differing_at_edges"] == sum(ins.differences == "edge" for ins in insertions)
    assert summary["distance_histogram"] == [{"distance": d, "copies": distances[d]} for d in sorted(distances)]
    assert summary["token_exact_fraction"] == pytest.approx(distances[0] / len(insertions), abs=1e-4)
    line = summary_line({"mode": "text", **summary})
    assert f"{distances[0]} of {len(insertions)} copies" in line
    assert ("inject.mode=tokens" in line) == (distances[0] / len(insertions) < EXACT_ENOUGH)


def test_summary_line_recommends_token_mode_when_few_copies_are_exact() -> None:
    low = {
        "mode": "text",
        "copies": 1000,
        "token_exact": 323,
        "differing": 677,
        "differing_at_edges": 600,
        "differing_inside": 77,
        "distance_histogram": [{"distance": 0, "copies": 323}, {"distance": 1, "copies": 677}],
    }
    assert "323 of 1000 copies (32.3%)" in summary_line(low) and "inject.mode=tokens" in summary_line(low)
    high = {**low, "token_exact": 950, "differing": 50, "differing_at_edges": 50, "differing_inside": 0}
    assert "inject.mode=tokens" not in summary_line(high)


# --------------------------------------------------------------------------- token mode


class _NoTokenizer(SimpleNamespace):
    """Stands in for the tokenizer where books come as ids: tokenizing again would be a bug."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("chunk_loader tokenized books that came as token ids")


@pytest.mark.parametrize("kind", KINDS)
def test_token_mode_is_token_exact_and_trained_on(kind: str, tokenizers: dict) -> None:
    tokenizer = tokenizers[kind]
    rng = np.random.default_rng(0)
    books, insertions = [], []
    for b, text in enumerate(real_texts(N_BOOKS)):
        encoding = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True)
        original, offsets, special = encoding["input_ids"], encoding["offset_mapping"], encoding["special_tokens_mask"]
        ids, placed = inject_tokens(text, _pieces(tokenizer, b, rng), tokenizer, rng, b, f"book{b}")
        measure_token_copies(ids, placed)
        # The book is intact around the copies, with its special tokens (a BOS stays first).
        assert _without_copies(ids, placed) == original
        before = 0
        for ins in sorted(placed, key=lambda i: i.offset):
            assert ins.unit == "tokens" and ids[ins.offset : ins.offset + ins.length] == ins.tokens
            assert (ins.token_exact, ins.token_distance, ins.differences) == (True, 0, "none")
            # Between two ordinary tokens, where the text after the previous one is whitespace.
            at = ins.offset - before
            assert not special[at - 1] and not special[at] and text[offsets[at - 1][1]].isspace()
            before += ins.length
        books.append(ids)
        insertions.extend(placed)
    summary = summarize(insertions)
    assert summary["token_exact"] == summary["copies"] == N_BOOKS * PIECES_PER_BOOK
    assert summary["token_exact_fraction"] == 1.0

    # Training reads exactly these ids: one chunk per book, each copy contiguous in it.
    cfg = compose_config([*SMOKE, "train.shuffle=false"])
    loader, n_tokens = chunk_loader(cfg, _NoTokenizer(pad_token_id=0), books, max(map(len, books)))
    rows = [ids[mask.bool()].tolist() for batch in loader for ids, mask in zip(batch["input_ids"], batch["attention_mask"])]
    assert rows == books and n_tokens == sum(map(len, books))
    for ins in insertions:
        assert rows[ins.book][ins.offset : ins.offset + ins.length] == ins.tokens


# --------------------------------------------------------------------------- the stage on the smoke world


def test_text_stage_reports_distances(smoke_root: Path, smoke_models: dict) -> None:
    cfg = compose_config([*SMOKE, "R=3"], root=smoke_root)
    artifacts = injection_stages(cfg, ArtifactStore(cfg.paths.cache_dir))
    books, insertions = load_injected(artifacts["inject"].path)
    tokenizer = load_tokenizer(cfg.model, smoke_models)
    for ins in insertions:
        text = books[ins.book]["text"]
        span = closest_span(tokenizer, text, ins.offset, ins.offset + ins.length, ins.tokens)
        assert ins.token_distance == dp_levenshtein(ins.tokens, span)
        assert ins.differences == brute_where(ins.tokens, span)
    summary = load_injection_summary(artifacts["inject"].path)
    assert summary == json.loads((artifacts["inject"].path / MANIFEST).read_text())["summary"]
    assert summary["mode"] == "text" and summary["copies"] == len(insertions)
    assert summary["token_exact"] == sum(ins.token_distance == 0 for ins in insertions)
    assert sum(h["copies"] for h in summary["distance_histogram"]) == len(insertions)


def test_token_stage_books_carry_ids(smoke_root: Path, smoke_models: dict) -> None:
    text_cfg = compose_config([*SMOKE, "R=3"], root=smoke_root)
    cfg = compose_config([*SMOKE, "R=3", "inject.mode=tokens"], root=smoke_root)
    store = ArtifactStore(cfg.paths.cache_dir)
    text_artifact = injection_stages(text_cfg, store)["inject"]
    artifact = injection_stages(cfg, store)["inject"]
    # Text and token builds never share a cache entry.
    assert artifact.key != text_artifact.key
    assert json.loads((artifact.path / SPEC).read_text())["mode"] == "tokens"
    assert json.loads((text_artifact.path / SPEC).read_text())["mode"] == "text"

    books, insertions = load_injected(artifact.path)
    tokenizer = load_tokenizer(cfg.model, smoke_models)
    assert "input_ids" in books.column_names
    for ins in insertions:
        assert ins.unit == "tokens" and books[ins.book]["input_ids"][ins.offset : ins.offset + ins.length] == ins.tokens
    for book in books:
        assert book["text"] == tokenizer.decode(book["input_ids"], skip_special_tokens=True)
    summary = load_injection_summary(artifact.path)
    assert summary["mode"] == "tokens" and summary["token_exact"] == summary["copies"] == len(insertions) > 0
    assert training_books(books) == [list(ids) for ids in books["input_ids"]]
    assert training_books(load_injected(text_artifact.path)[0]) == list(load_injected(text_artifact.path)[0]["text"])


def test_unknown_mode_is_refused_when_the_config_is_composed(smoke_root: Path) -> None:
    with pytest.raises(ConfigCompositionException, match="inject.mode=bytes") as err:
        compose_config([*SMOKE, "inject.mode=bytes"], root=smoke_root)
    # Hydra prints the cause too: the allowed values.
    assert "text" in str(err.value.__cause__) and "tokens" in str(err.value.__cause__)


def test_training_on_token_books_reports_injection(smoke_root: Path, tmp_path: Path) -> None:
    from mosaic_exp.tasks.train import train

    cfg = compose_config(
        [
            *SMOKE,
            "task=train",
            "inject.mode=tokens",
            "train.val_max_rows=0",
            f"paths.output_dir={tmp_path}",
            "trainer.enable_progress_bar=false",
        ],
        root=smoke_root,
    )
    results = train(cfg)
    saved = json.loads((tmp_path / "results.json").read_text())
    summary = load_injection_summary(results["artifacts"]["inject"])
    assert saved["injection"] == results["injection"] == summary
    assert summary["mode"] == "tokens" and summary["token_exact"] == summary["copies"]
    # Trained on the stored ids: their tokens, less one-token tails (nothing to predict).
    books, _ = load_injected(results["artifacts"]["inject"])
    length = cfg.tiny_world.causal_lm.context_length
    assert results["train"]["tokens"] == sum(len(ids) - (len(ids) % length == 1) for ids in books["input_ids"])
