"""dc_pdd on hand-built token scores, and the reference counts it calibrates with (counted once, cached)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from datasets import Dataset, DatasetDict

from mosaic_exp.errors import UserError
from mosaic_exp.mia.dc_pdd import (
    build_file_counts,
    build_token_counts,
    count_tokens,
    dc_pdd,
    first_occurrences,
    load_token_counts,
    smoothed_frequencies,
)
from mosaic_exp.mia.forward import TokenScores
from mosaic_exp.store import Artifact, ArtifactStore

# Token 0 has no prediction; tokens 1, 2, 1, 3 are scored with these probabilities.
TOKENS = [0, 1, 2, 1, 3]
PROBS = [0.5, 0.1, 0.9, 0.2]
# Reference counts of ids 0..3: total 8, V = 4, so f = (c + 1) / 12 = 1/2, 1/4, 1/12, 1/6.
COUNTS = np.array([5, 2, 0, 1])


def _scores(probs: list[float]) -> TokenScores:
    return TokenScores(logprobs=torch.tensor(probs, dtype=torch.float64).log(), mean=torch.empty(0), var=torch.empty(0))


class _WordTokenizer:
    """Splits on spaces; an id per word of a fixed vocabulary."""

    vocab = {"a": 0, "b": 1, "c": 2, "d": 3}
    is_fast = False

    def __len__(self) -> int:
        return len(self.vocab)

    def __call__(self, text: str, add_special_tokens: bool = True, verbose: bool = True) -> dict:
        return {"input_ids": [self.vocab[w] for w in text.split()]}

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)


def test_dc_pdd_by_hand() -> None:
    frequencies = smoothed_frequencies(COUNTS)
    assert frequencies.tolist() == pytest.approx([1 / 2, 1 / 4, 1 / 12, 1 / 6])
    assert first_occurrences(TOKENS[1:]) == [0, 1, 3]  # the second 1 (p = 0.9) is left out
    alpha = [0.5 * math.log(4), 0.1 * math.log(12), 0.2 * math.log(6)]  # 0.693, 0.248, 0.358
    target = _scores(PROBS)
    assert dc_pdd(target, TOKENS, frequencies, a=10.0) == pytest.approx(sum(alpha) / 3)
    assert dc_pdd(target, TOKENS, frequencies, a=0.3) == pytest.approx((0.3 + alpha[1] + 0.3) / 3)
    assert dc_pdd(target, TOKENS, frequencies) == pytest.approx(0.01)  # the default clip binds on all three


def test_dc_pdd_gives_unknown_ids_the_unseen_frequency_and_checks_lengths() -> None:
    frequencies = smoothed_frequencies(COUNTS)
    assert dc_pdd(_scores([0.5]), [0, 9], frequencies, a=10.0) == pytest.approx(0.5 * math.log(12))
    with pytest.raises(ValueError, match="tokens 1..n-1"):
        dc_pdd(_scores(PROBS), TOKENS[:3], frequencies)


def test_reference_counts_are_built_once_per_corpus_and_tokenizer(tmp_path: Path) -> None:
    books = {"book_id": ["x"], "title": ["x"], "text": ["a b b d"]}
    corpus_dir = tmp_path / "corpus"
    DatasetDict({"finetune": Dataset.from_dict(books), "pretrain": Dataset.from_dict({**books, "text": ["a b b d"]})}).save_to_disk(
        str(corpus_dir / "books")
    )
    corpus = Artifact("corpus", "k1", corpus_dir, reused=True)
    store = ArtifactStore(tmp_path / "cache")
    assert count_tokens(["a b", "b d d"], _WordTokenizer()).tolist() == [1, 2, 0, 2]
    built = build_token_counts(store, corpus, _WordTokenizer())
    assert not built.reused and load_token_counts(built).tolist() == [1, 2, 0, 1]
    again = build_token_counts(store, corpus, _WordTokenizer())
    assert again.reused and again.path == built.path
    other = build_token_counts(store, Artifact("corpus", "k2", corpus_dir, reused=True), _WordTokenizer())
    assert other.path != built.path


def test_reference_counts_from_files(tmp_path: Path) -> None:
    folder = tmp_path / "reference"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_text("a b")
    (folder / "sub" / "two.jsonl").write_text('{"text": "b d d"}\n{"text": "a"}\n')
    (folder / "notes.md").write_text("a a a a")  # not a reference text
    store = ArtifactStore(tmp_path / "cache")
    built = build_file_counts(store, folder, _WordTokenizer())
    assert not built.reused and load_token_counts(built).tolist() == [2, 2, 0, 2]
    assert build_file_counts(store, folder, _WordTokenizer()).reused
    (folder / "one.txt").write_text("a b b")  # new contents, new counts
    assert load_token_counts(build_file_counts(store, folder, _WordTokenizer())).tolist() == [2, 3, 0, 2]
    assert load_token_counts(build_file_counts(store, folder / "one.txt", _WordTokenizer())).tolist() == [1, 2, 0, 0]
    (folder / "sub" / "bad.jsonl").write_text('{"body": "a"}\n')
    with pytest.raises(UserError, match="no field 'text'"):
        build_file_counts(store, folder, _WordTokenizer())
    with pytest.raises(UserError, match="holds no .txt"):
        build_file_counts(store, folder / "notes.md", _WordTokenizer())
