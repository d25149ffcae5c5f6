"""Sequence distances against slow, obviously correct references."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from mosaic_exp.distance import hamming, inversions, kendall_tau_distance, levenshtein

tokens = st.lists(st.integers(0, 5), max_size=130)


@given(tokens, tokens)
@settings(max_examples=300, deadline=None)
def test_levenshtein_matches_rapidfuzz(a: list[int], b: list[int]) -> None:
    assert levenshtein(a, b) == Levenshtein.distance(a, b)


def test_levenshtein_known_values() -> None:
    assert levenshtein([1, 2, 3], [1, 2, 3]) == 0
    assert levenshtein([], [4, 5]) == 2
    assert levenshtein([1, 2, 3, 4], [1, 3, 4]) == 1
    assert levenshtein(list(range(100)), list(range(1, 101))) == 2


def test_hamming() -> None:
    assert hamming([1, 2, 3], [1, 9, 3]) == 1
    assert hamming([1, 2], [1, 2, 3]) is None


def test_inversions_match_brute_force_on_all_small_permutations() -> None:
    for n in range(7):
        for perm in itertools.permutations(range(n)):
            brute = sum(perm[i] > perm[j] for i in range(n) for j in range(i + 1, n))
            assert inversions(perm) == brute


@given(st.permutations(list(range(40))))
@settings(max_examples=100, deadline=None)
def test_kendall_tau_distance_matches_brute_force(perm: list[int]) -> None:
    n = len(perm)
    brute = sum(perm[i] > perm[j] for i in range(n) for j in range(i + 1, n)) / (n * (n - 1) / 2)
    assert kendall_tau_distance(perm) == brute
    assert kendall_tau_distance(list(range(10))) == 0.0
    assert kendall_tau_distance(list(range(10))[::-1]) == 1.0
