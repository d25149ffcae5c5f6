"""ROC metrics against brute force and hand-computed cases; ρ on hand-built curves."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mosaic_exp.metrics.rho import exact_duplicate_equivalent, rho, smooth
from mosaic_exp.metrics.roc import roc_auc, roc_summary, tpr_at_fpr


def brute_auc(scores, labels) -> float:
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@given(
    st.lists(
        st.tuples(st.sampled_from([-1e4, -50.0, -3.5, -3.25, 0.0, 0.5, 2.0, 1e4]) | st.floats(-1e6, 1e6), st.integers(0, 1)),
        min_size=2,
        max_size=60,
    ).filter(lambda rows: len({y for _, y in rows}) == 2)
)
@settings(max_examples=200, deadline=None)
def test_auc_equals_pairwise_count_with_ties_and_any_scale(rows) -> None:
    scores, labels = zip(*rows)
    # torchmetrics computes in float32.
    assert roc_auc(scores, labels) == pytest.approx(brute_auc(scores, labels), abs=1e-6)


def test_large_negative_scores_do_not_saturate() -> None:
    # Under a sigmoid these would all be 0.0 and tie; the AUC must stay 1.
    members = [-1000.0, -1001.0, -1002.0]
    non_members = [-2000.0, -2001.0, -2002.0]
    assert roc_auc(members + non_members, [1, 1, 1, 0, 0, 0]) == 1.0


def test_tpr_at_fpr_hand_computed() -> None:
    # Sorted by score: M M N M N N N N N N (10 non-members would be needed for 10% steps).
    scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1]
    labels = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    # 4 members, 8 non-members. FPR 0 allows the top 2 (TPR 0.5); one false positive
    # (FPR 1/8 = 0.125) is above 10%, so TPR@10%FPR is still 0.5; at 12.5% it is 0.75.
    assert tpr_at_fpr(scores, labels, 0.01) == 0.5
    assert tpr_at_fpr(scores, labels, 0.10) == 0.5
    assert tpr_at_fpr(scores, labels, 0.125) == 0.75
    assert tpr_at_fpr(scores, labels, 1.0) == 1.0
    summary = roc_summary(scores, labels)
    assert summary["auc"] == pytest.approx(brute_auc(scores, labels))


def test_tied_scores_count_as_one_threshold() -> None:
    # The top score is shared by a member and a non-member: no threshold has FPR 0 and TPR > 0.
    assert tpr_at_fpr([5, 5, 1, 0], [1, 0, 1, 0], 0.01) == 0.0
    # Lowering the threshold to 1 adds a member but no non-member: FPR stays 0.5.
    assert tpr_at_fpr([5, 5, 1, 0], [1, 0, 1, 0], 0.5) == 1.0


def test_bad_labels_are_rejected() -> None:
    with pytest.raises(ValueError, match="both present"):
        roc_auc([1, 2], [1, 1])
    with pytest.raises(ValueError, match="2 scores but 3 labels"):
        roc_auc([1, 2], [1, 0, 1])
    with pytest.raises(ValueError, match="NaN"):
        roc_auc([1, math.nan], [1, 0])


def test_smooth_keeps_endpoints() -> None:
    assert smooth([0.5, 0.6, 0.9, 0.7, 1.0]) == pytest.approx([0.5, 2.0 / 3, 2.2 / 3, 2.6 / 3, 1.0])


LINEAR = {nu: 0.5 + 0.05 * nu for nu in range(1, 11)}  # smoothing leaves a straight line unchanged


def test_rho_inside_the_range_interpolates() -> None:
    assert exact_duplicate_equivalent(0.80, LINEAR) == pytest.approx(6.0)
    assert rho(0.80, LINEAR) == pytest.approx(5 / 9)
    assert rho(LINEAR[1], LINEAR) == 0.0
    assert rho(LINEAR[10], LINEAR) == pytest.approx(1.0)
    assert exact_duplicate_equivalent(0.625, LINEAR) == pytest.approx(2.5)


def test_rho_below_phi_1_is_clipped_at_zero() -> None:
    assert exact_duplicate_equivalent(0.50, LINEAR) == 1.0
    assert rho(0.40, LINEAR) == 0.0


def test_rho_below_a_falling_start_is_zero_where_the_notebook_credits_copies() -> None:
    # Smoothed phi_1 = 0.63 > phi_2 = 0.62: the authors' notebook follows that negative slope below phi_1,
    # 1 + (0.61 - 0.63) / (0.62 - 0.63) = 3 copies (rho 2/9); an AUC below one copy's is worth one copy here.
    falling = {1: 0.63, 2: 0.60, 3: 0.63, 4: 0.66, 5: 0.69, 6: 0.72}
    assert smooth(list(falling.values()))[:2] == pytest.approx([0.63, 0.62])
    assert exact_duplicate_equivalent(0.61, falling) == 1.0 and rho(0.61, falling) == 0.0


def test_rho_above_the_range_extrapolates_with_the_last_steps() -> None:
    curve = {1: 0.55, 2: 0.60, 3: 0.65, 4: 0.70, 5: 0.72, 6: 0.74, 7: 0.76}
    smoothed = smooth(list(curve.values()))
    slope = sum(abs(smoothed[i + 1] - smoothed[i]) for i in (3, 4, 5)) / 3
    expected = 7 + (0.80 - smoothed[-1]) / slope
    assert exact_duplicate_equivalent(0.80, curve) == pytest.approx(expected)
    assert rho(0.80, curve) == pytest.approx((expected - 1) / 6)
    assert rho(0.80, curve) > 1.0


def test_rho_uses_the_smoothed_curve() -> None:
    noisy = {1: 0.5, 2: 0.8, 3: 0.6, 4: 0.9, 5: 0.7, 6: 1.0}
    # Smoothed: 0.5, 0.633, 0.767, 0.733, 0.867, 1.0. On the raw curve 0.6 would
    # give 1 + 0.1 / 0.3; on the smoothed one it is 1 + 0.1 / 0.1333.
    assert exact_duplicate_equivalent(0.6, noisy) == pytest.approx(1.75)


def test_rho_rejects_incomplete_curves() -> None:
    with pytest.raises(ValueError, match="at least 3 points"):
        rho(0.6, {1: 0.5, 2: 0.6})
    with pytest.raises(ValueError, match=r"missing \[3\]"):
        rho(0.6, {1: 0.5, 2: 0.6, 4: 0.7})
