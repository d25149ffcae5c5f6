"""Configs of the corpora of books (``conf/corpus/``)."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import MISSING

from mosaic_exp.config.ranges import bounded


@dataclass
class CorpusConfig:
    """Fields shared by every corpus: which books receive canaries."""

    _target_: str = MISSING
    # Books that receive canaries (paper: 100, one per member canary).
    n_books: int = bounded(100, ge=1)
    seed: int = 0


@dataclass
class SyntheticCorpusConfig(CorpusConfig):
    """A synthetic corpus generated offline (Zipf lexicon, sparse Markov word order)."""

    _target_: str = "mosaic_exp.data.synthetic.SyntheticCorpus"
    n_pretrain_books: int = bounded(300, ge=0)
    words_per_book: int = bounded(2000, ge=1)
    lexicon_size: int = bounded(3000, ge=2)
    zipf_exponent: float = 1.1
    successors_per_word: int = bounded(24, ge=1)
    mean_sentence_words: float = 12.0
    mean_paragraph_sentences: float = 5.0


@dataclass
class TextDirCorpusConfig(CorpusConfig):
    """A folder of ``.txt`` files, one book each."""

    _target_: str = "mosaic_exp.data.text_dir.TextDirCorpus"
    path: str = MISSING
    # Books beyond n_books kept for tiny-world pretraining; None keeps all.
    max_pretrain_books: int | None = bounded(None, ge=0)


@dataclass
class GutenbergCorpusConfig(CorpusConfig):
    """Project Gutenberg books from a Hugging Face dataset (hub id or a local copy)."""

    _target_: str = "mosaic_exp.data.gutenberg.GutenbergCorpus"
    # Hub id or a local directory written by `datasets.save_to_disk`.
    dataset: str = "imperial-cpg/project-gutenberg-extended"
    split: str = "train"
    revision: str | None = None
    text_field: str = "text"
    # Column holding a stable book id; None uses the row index.
    id_field: str | None = None
    max_pretrain_books: int | None = bounded(200, ge=0)
