"""Corpus sources: synthetic books, a folder of texts, and Gutenberg through `datasets`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import compose_config
from datasets import Dataset

from mosaic_exp.data.books import Book, split_books
from mosaic_exp.data.stage import build_corpus, load_books
from mosaic_exp.data.synthetic import SyntheticCorpus
from mosaic_exp.store import ArtifactStore


def test_synthetic_books_have_sentences_and_paragraphs() -> None:
    splits = SyntheticCorpus(n_books=3, n_pretrain_books=2, words_per_book=300, lexicon_size=200).load()
    assert (len(splits.finetune), len(splits.pretrain)) == (3, 2)
    book = splits.finetune[0]
    assert book.text.startswith(book.title + "\n\n")
    assert "\n\n" in book.text.strip()[len(book.title) + 2 :], "books have several paragraphs"
    sentences = re.findall(r"[A-Z][a-z ,]+[.?]", book.text)
    assert len(sentences) > 10
    assert len(book.text.split()) == pytest.approx(300 + 3, abs=3)


def test_synthetic_word_order_is_learnable() -> None:
    """Each word has few successors: bigram entropy is far below unigram entropy."""
    import collections
    import math

    text = " ".join(b.text for b in SyntheticCorpus(n_books=1, n_pretrain_books=4, words_per_book=4000, lexicon_size=300).load().pretrain)
    words = re.findall(r"[a-z]+", text.lower())
    unigram = collections.Counter(words)
    bigram = collections.Counter(zip(words, words[1:]))
    n = len(words)
    h_uni = -sum(c / n * math.log2(c / n) for c in unigram.values())
    h_cond = -sum(c / (n - 1) * math.log2(c / unigram[a]) for (a, _), c in bigram.items())
    assert h_cond < 0.75 * h_uni


def test_split_books_samples_with_seed_and_rejects_too_few() -> None:
    books = [Book(str(i), str(i), f"text {i}") for i in range(10)] + [Book("empty", "e", "  ")]
    a, b, c = (split_books(books, 4, seed) for seed in (0, 0, 1))
    assert [x.book_id for x in a.finetune] == [x.book_id for x in b.finetune]
    assert [x.book_id for x in a.finetune] != [x.book_id for x in c.finetune]
    assert len(a.pretrain) == 6 and all(x.book_id != "empty" for x in a.finetune + a.pretrain)
    assert len(split_books(books, 4, 0, max_pretrain_books=2).pretrain) == 2
    with pytest.raises(ValueError, match="corpus.n_books"):
        split_books(books, 11, 0)


def test_text_dir_corpus(tmp_path: Path) -> None:
    books = tmp_path / "books"
    (books / "shelf").mkdir(parents=True)
    for i in range(5):
        (books / "shelf" / f"book{i}.txt").write_text(f"Book number {i}.\n\nIt was a dark night.")
    cfg = compose_config(["corpus=text_dir", f"corpus.path={books}", "corpus.n_books=3"], root=tmp_path)
    art = build_corpus(cfg.corpus, ArtifactStore(cfg.paths.cache_dir))
    ds = load_books(art.path)
    assert (len(ds["finetune"]), len(ds["pretrain"])) == (3, 2)
    assert set(ds["finetune"]["book_id"]) | set(ds["pretrain"]["book_id"]) == {f"shelf/book{i}" for i in range(5)}
    # Editing the folder makes a new corpus instead of reusing a stale one.
    (books / "shelf" / "book0.txt").write_text("Changed, and longer than before.")
    assert build_corpus(cfg.corpus, ArtifactStore(cfg.paths.cache_dir)).path != art.path


def test_text_dir_errors_name_the_problem(tmp_path: Path) -> None:
    cfg = compose_config(["corpus=text_dir", f"corpus.path={tmp_path / 'nowhere'}"], root=tmp_path)
    with pytest.raises(FileNotFoundError, match="corpus.path"):
        build_corpus(cfg.corpus, ArtifactStore(cfg.paths.cache_dir))


def test_gutenberg_corpus_from_a_local_dataset_directory(tmp_path: Path) -> None:
    local = tmp_path / "pg_extended"
    texts = [f"THE BOOK OF {i}\n\nChapter one. Words words." for i in range(12)]
    Dataset.from_dict({"text": texts}).save_to_disk(str(local))
    cfg = compose_config(["corpus=gutenberg", f"corpus.dataset={local}", "corpus.n_books=5"], root=tmp_path)
    art = build_corpus(cfg.corpus, ArtifactStore(cfg.paths.cache_dir))
    ds = load_books(art.path)
    assert len(ds["finetune"]) == 5 and len(ds["pretrain"]) == 7
    picked = [int(i) for i in ds["finetune"]["book_id"]]
    assert [texts[i] for i in picked] == list(ds["finetune"]["text"])


def test_gutenberg_missing_column_is_explained(tmp_path: Path) -> None:
    local = tmp_path / "pg"
    Dataset.from_dict({"content": ["a", "b"]}).save_to_disk(str(local))
    cfg = compose_config(["corpus=gutenberg", f"corpus.dataset={local}", "corpus.n_books=1"], root=tmp_path)
    with pytest.raises(ValueError, match="text_field"):
        build_corpus(cfg.corpus, ArtifactStore(cfg.paths.cache_dir))
