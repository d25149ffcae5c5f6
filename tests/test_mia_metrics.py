"""The bootstrap AUC interval against scikit-learn and numpy, TPR at 0.1% FPR by hand, and the per-attack fields."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mosaic_exp.metrics.bootstrap import auc_interval, bootstrap_aucs, bootstrap_summary, resampled_aucs, stratified_indices
from mosaic_exp.metrics.roc import roc_summary, tpr_at_fpr
from mosaic_exp.mia.evaluate import summarize

FIELDS = {"auc", "auc_std", "auc_ci_low", "auc_ci_high", "tpr@0.1%fpr", "tpr@1%fpr", "tpr@10%fpr"}


def _scored(n_members: int = 60, n_non_members: int = 80, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores with many ties (rounded) and a member shift, members first."""
    rng = np.random.default_rng(seed)
    labels = np.r_[np.ones(n_members, dtype=int), np.zeros(n_non_members, dtype=int)]
    scores = np.round(rng.normal(size=len(labels)) + 0.7 * labels, 1) * 40  # a scale far outside [0, 1]
    return scores, labels


def test_resampled_aucs_equal_sklearn_on_the_same_index_sets() -> None:
    scores, labels = _scored()
    indices = stratified_indices(labels, 50, seed=7)
    expected = [roc_auc_score(labels[row], scores[row]) for row in indices]
    assert resampled_aucs(scores, labels, indices) == pytest.approx(expected, abs=1e-12)


def test_any_index_rows_and_a_single_class_row() -> None:
    scores, labels = _scored(10, 12, seed=3)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, len(labels), size=(30, 25))
    rows = rows[[len(set(labels[r])) == 2 for r in rows]]
    assert resampled_aucs(scores, labels, rows) == pytest.approx([roc_auc_score(labels[r], scores[r]) for r in rows], abs=1e-12)
    assert np.isnan(resampled_aucs(scores, labels, np.array([[0, 1, 2]]))).all()  # members only


def test_resamples_are_stratified() -> None:
    _, labels = _scored(5, 9)
    indices = stratified_indices(labels, 200, seed=1)
    assert indices.shape == (200, 14)
    assert (labels[indices[:, :5]] == 1).all() and (labels[indices[:, 5:]] == 0).all()
    assert len(np.unique(indices[:, 0])) == 5  # drawn with replacement from all members


def test_interval_equals_numpy_percentiles_of_sklearn_aucs() -> None:
    scores, labels = _scored()
    indices = stratified_indices(labels, 50, seed=11)
    reference = np.array([roc_auc_score(labels[row], scores[row]) for row in indices])
    interval = auc_interval(resampled_aucs(scores, labels, indices))
    low, high = np.percentile(reference, [2.5, 97.5])
    assert interval == pytest.approx({"auc_std": reference.std(ddof=1), "auc_ci_low": low, "auc_ci_high": high}, abs=1e-12)


def test_bootstrap_is_seeded() -> None:
    scores, labels = _scored()
    first = bootstrap_aucs(scores, labels, 200, seed=5)
    assert np.array_equal(first, bootstrap_aucs(scores, labels, 200, seed=5))
    assert not np.array_equal(first, bootstrap_aucs(scores, labels, 200, seed=6))
    assert roc_summary(scores, labels, 200, seed=5) == roc_summary(scores, labels, 200, seed=5)
    assert bootstrap_summary(scores, labels, 0) == {"auc_std": None, "auc_ci_low": None, "auc_ci_high": None}


def test_thousand_resamples_of_two_hundred_are_fast() -> None:
    scores, labels = _scored(100, 100)
    bootstrap_aucs(scores, labels, 10)
    start = time.perf_counter()
    aucs = bootstrap_aucs(scores, labels, 1000)
    assert time.perf_counter() - start < 0.5
    low, high = np.percentile(aucs, [2.5, 97.5])
    assert low < roc_auc_score(labels, scores) < high


def test_tpr_at_a_tenth_of_a_percent_fpr_by_hand() -> None:
    # 1,000 non-members score 0..999; 4 members score 2000, 1999 (above every non-member), 998.5 (above all
    # non-members but 999) and -1. Admitting the third member admits non-member 999 too: FPR 1/1000 = 0.1%.
    scores = [2000, 1999, 998.5, -1, *range(1000)]
    labels = [1, 1, 1, 1, *[0] * 1000]
    assert tpr_at_fpr(scores, labels, 0.0009) == 0.5
    summary = roc_summary(scores, labels, bootstrap=0)
    assert set(summary) == FIELDS
    assert summary["tpr@0.1%fpr"] == 0.75 and summary["tpr@1%fpr"] == 0.75 and summary["tpr@10%fpr"] == 0.75


def test_summarize_gives_every_attack_the_seven_fields() -> None:
    scores, labels = _scored(20, 20)
    rows = [{"canary": i, "member": bool(y), "loss": float(s), "zlib": float(-s)} for i, (s, y) in enumerate(zip(scores, labels))]
    summary = summarize(rows, bootstrap=100, seed=2)
    assert set(summary) == {"loss", "zlib"}
    for attack, metrics in summary.items():
        assert set(metrics) == FIELDS
        assert metrics["auc_ci_low"] <= metrics["auc"] <= metrics["auc_ci_high"], attack
    assert summary["zlib"]["auc"] == pytest.approx(1 - summary["loss"]["auc"], abs=1e-6)
    assert all(v is None for v in (summarize(rows, bootstrap=0)["loss"][k] for k in ("auc_std", "auc_ci_low", "auc_ci_high")))
