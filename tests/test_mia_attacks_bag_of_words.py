"""The blind bag-of-words baseline: out-of-fold scores, ~1 AUC when a word gives the group away, ~0.5 when nothing does.

The last test runs task=mia on the smoke world: surp, dc_pdd and bag_of_words reach results.json and scores.jsonl.
"""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import pytest
import torch
from conftest import compose_config

from mosaic_exp.metrics.roc import roc_auc
from mosaic_exp.mia.bag_of_words import bag_of_words
from mosaic_exp.mia.report import warn_if_distinguishable
from mosaic_exp.tasks.mia import mia

WORDS = "river stone light house green market window paper garden letter silver morning table winter music".split()


def _texts(n: int, rng: random.Random, marker: str = "") -> list[str]:
    return [" ".join([*rng.choices(WORDS, k=12), marker]).strip() for _ in range(n)]


def test_a_giveaway_word_is_found_out_of_fold() -> None:
    rng = random.Random(0)
    texts = _texts(20, rng, "alpha") + _texts(20, rng, "omega")
    labels = [1] * 20 + [0] * 20
    scores = bag_of_words(texts, labels, folds=5, seed=0)
    assert len(scores) == 40 and all(0.0 <= s <= 1.0 for s in scores)
    assert roc_auc(scores, labels) > 0.99


def test_identically_distributed_texts_sit_near_chance() -> None:
    rng = random.Random(1)
    texts = _texts(200, rng)
    labels = [1] * 100 + [0] * 100
    assert roc_auc(bag_of_words(texts, labels, folds=5, seed=0), labels) == pytest.approx(0.5, abs=0.1)


def test_seeded_and_model_free(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_model(*args, **kwargs):
        raise AssertionError("bag_of_words ran a model")

    monkeypatch.setattr(torch.nn.Module, "__call__", no_model)
    rng = random.Random(2)
    texts, labels = _texts(30, rng), [1] * 15 + [0] * 15
    assert bag_of_words(texts, labels, seed=3) == bag_of_words(texts, labels, seed=3)


def test_needs_two_of_each_group() -> None:
    with pytest.raises(ValueError, match="at least 2 members"):
        bag_of_words(["a b", "c d", "e f"], [1, 0, 0])


def test_a_distinguishing_baseline_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    rows = [{"member": m, "bag_of_words": s} for m, s in [(True, 0.9), (True, 0.8), (False, 0.2), (False, 0.1)]]
    with caplog.at_level(logging.WARNING, logger="mosaic_exp.mia.report"):
        assert warn_if_distinguishable(rows) == 1.0
    assert "every other AUC is suspect" in caplog.text
    caplog.clear()
    rows = [{"member": m, "bag_of_words": 0.5} for m in (True, True, False, False)]
    with caplog.at_level(logging.WARNING, logger="mosaic_exp.mia.report"):
        assert warn_if_distinguishable(rows) == 0.5
    assert "suspect" not in caplog.text
    assert warn_if_distinguishable([{"member": True, "loss": -1.0}]) is None


def test_task_mia_reports_the_new_attacks(smoke_root: Path, tmp_path: Path) -> None:
    cfg = compose_config(["experiment=smoke", "task=mia", f"paths.output_dir={tmp_path}"], root=smoke_root)
    results = mia(cfg)
    assert {"surp", "dc_pdd", "bag_of_words"} <= set(results["attacks"])
    assert Path(results["artifacts"]["token_counts"], "token_counts.npy").is_file()
    rows = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert all({"surp", "dc_pdd", "bag_of_words"} <= set(r) for r in rows)
    for attack in ("surp", "dc_pdd", "bag_of_words"):
        print(attack, "AUC", results["attacks"][attack]["auc"])
