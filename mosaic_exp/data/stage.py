"""The corpus stage: a corpus source's books, saved as an Arrow dataset."""

from __future__ import annotations

import hashlib
from pathlib import Path

from datasets import Dataset, DatasetDict, Features, Value, load_from_disk
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.data.books import Book, save_books, unique_ids
from mosaic_exp.store import Artifact, ArtifactStore

VERSION = 1
FEATURES = Features({"book_id": Value("string"), "title": Value("string"), "text": Value("string")})


def _dataset(books: list[Book]) -> Dataset:
    columns = {
        "book_id": [b.book_id for b in books],
        "title": [b.title for b in books],
        "text": [b.text for b in books],
    }
    return Dataset.from_dict(columns, features=FEATURES)


def build_corpus(corpus_cfg: DictConfig, store: ArtifactStore) -> Artifact:
    """Loads the configured corpus and stores its ``finetune`` and ``pretrain`` splits."""
    source = instantiate(corpus_cfg)
    spec = {
        "version": VERSION,
        "corpus": OmegaConf.to_container(corpus_cfg, resolve=True),
        "source": source.fingerprint(store.digests),
    }

    def build(directory: Path) -> None:
        splits = source.load()
        unique_ids(splits.finetune + splits.pretrain, source=str(corpus_cfg._target_))
        books = DatasetDict({"finetune": _dataset(splits.finetune), "pretrain": _dataset(splits.pretrain)})
        save_books(books, directory / "books")
        digest = hashlib.sha256()
        for book in splits.finetune + splits.pretrain:
            digest.update(book.book_id.encode() + b"\0" + book.text.encode() + b"\0")
        write_json_atomic(
            directory / "corpus.json",
            {
                "books": {name: len(ds) for name, ds in books.items()},
                "characters": {
                    "finetune": sum(len(b.text) for b in splits.finetune),
                    "pretrain": sum(len(b.text) for b in splits.pretrain),
                },
                "sha256": digest.hexdigest(),
            },
        )

    return store.build("corpus", spec, build)


def load_books(corpus_dir: str | Path) -> DatasetDict:
    """The ``finetune`` and ``pretrain`` splits of a corpus artifact."""
    return load_from_disk(str(Path(corpus_dir) / "books"))


def book_texts(corpus_dir: str | Path, split: str) -> list[str]:
    """The texts of one split, as a plain list."""
    return list(load_books(corpus_dir)[split]["text"])
