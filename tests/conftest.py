"""Shared fixtures: composing the real configs, and a smoke-sized tiny world."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mosaic_exp.config.compose import CONF_DIR, compose_config  # noqa: F401 (tests import it from here)
from mosaic_exp.config.schema import register_configs

REPO = Path(__file__).resolve().parents[1]

# Tests never reach a hub: everything they load is built or saved locally.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("WANDB_MODE", "offline")

register_configs()


@pytest.fixture(scope="session")
def smoke_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding the smoke-sized tiny world, built once per test session."""
    from mosaic_exp.tasks.prepare import prepare

    root = tmp_path_factory.mktemp("smoke_world")
    prepare(compose_config(["experiment=smoke"], root=root))
    return root


@pytest.fixture(scope="session")
def smoke_world(smoke_root: Path) -> dict:
    """Artifacts of the smoke world (reused from the session cache)."""
    from mosaic_exp.tasks.prepare import prepare

    return prepare(compose_config(["experiment=smoke"], root=smoke_root))


@pytest.fixture(scope="session")
def smoke_models(smoke_world: dict) -> dict[str, str]:
    """``tiny://`` names of the smoke world and their directories."""
    return {"causal_lm": str(smoke_world["causal_lm"].path), "mlm": str(smoke_world["mlm"].path)}


# --- the near-duplicate study on real text (tests/test_neardup_corpora*.py) ------------------

# Standard-library modules whose docstrings are the real English text of these tests:
# present wherever Python is, so no text has to be shipped or downloaded.
_PROSE_MODULES = (
    "argparse", "asyncio", "bisect", "calendar", "collections", "configparser", "csv", "dataclasses", "datetime",
    "decimal", "email.message", "fractions", "functools", "heapq", "http.client", "inspect", "itertools", "json",
    "logging", "os", "pathlib", "pickle", "re", "shutil", "socket", "sqlite3", "statistics", "subprocess",
    "tarfile", "textwrap", "threading", "unittest", "urllib.request", "zipfile",
)  # fmt: skip


@pytest.fixture(scope="session")
def real_paragraphs() -> list[str]:
    """Distinct paragraphs (≥ 20 words) of the standard library's docstrings, in a fixed order."""
    import importlib
    import inspect
    import warnings

    found: dict[str, None] = {}
    for name in _PROSE_MODULES:
        module = importlib.import_module(name)
        with warnings.catch_warnings():
            # Reading a deprecated attribute warns; its docstring is still prose.
            warnings.simplefilter("ignore", DeprecationWarning)
            members = [getattr(module, a) for a in sorted(dir(module)) if not a.startswith("_")]
        for obj in [module, *members]:
            if inspect.ismodule(obj) and obj is not module:
                continue
            doc = inspect.getdoc(obj) if inspect.ismodule(obj) or inspect.isclass(obj) or inspect.isfunction(obj) else None
            for paragraph in (doc or "").split("\n\n"):
                words = paragraph.split()
                if len(words) >= 20 and ">>>" not in paragraph:
                    found[" ".join(words)] = None
    assert len(found) > 300, "the standard library's docstrings should give hundreds of paragraphs"
    return list(found)


def _save(tokenizer, directory: Path) -> Path:
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def bpe_tokenizer_dir(real_paragraphs: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A byte-level BPE (GPT-2 style, 1,000 ids) trained here on the real paragraphs."""
    from mosaic_exp.world.tokenizer import causal_tokenizer, train_bpe

    return _save(causal_tokenizer(train_bpe(real_paragraphs, vocab_size=1000, min_frequency=2), 1024), tmp_path_factory.mktemp("bpe"))


@pytest.fixture(scope="session")
def sentencepiece_tokenizer_dir(real_paragraphs: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SentencePiece-style unigram tokenizer (``▁`` marks word starts, 800 ids) trained here."""
    from tokenizers import SentencePieceUnigramTokenizer
    from transformers import PreTrainedTokenizerFast

    unigram = SentencePieceUnigramTokenizer()
    unigram.train_from_iterator(real_paragraphs, vocab_size=800, special_tokens=["<unk>"], unk_token="<unk>", show_progress=False)
    wrapped = PreTrainedTokenizerFast(tokenizer_object=unigram._tokenizer, unk_token="<unk>")
    return _save(wrapped, tmp_path_factory.mktemp("unigram"))


def word_level_tokenizer(words: list[str], first_id: int, extra: int = 0):
    """Whitespace words with ids from ``first_id`` (fillers below), plus ``extra`` added tokens: ``len`` = first_id + words + 1 + extra."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {f"<filler{i}>": i for i in range(first_id)}
    for word in dict.fromkeys(words):
        vocab[word] = len(vocab)
    vocab["<unk>"] = len(vocab)
    inner = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    inner.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    wrapped = PreTrainedTokenizerFast(tokenizer_object=inner, unk_token="<unk>")
    wrapped.add_tokens([f"<added{i}>" for i in range(extra)])
    return wrapped


@pytest.fixture(scope="session")
def wide_tokenizer_dir(real_paragraphs: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A word-level tokenizer of more than 65,535 ids whose every word has an id above 65,535 (uint32 parts)."""
    words = [w for p in real_paragraphs for w in p.split()]
    return _save(word_level_tokenizer(words, first_id=0x10000), tmp_path_factory.mktemp("wide"))
