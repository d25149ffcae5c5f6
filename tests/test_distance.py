"""Sequence distances against slow, obviously correct references."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from mosaic_exp.distance import hamming, inversions, kendall_tau_between, kendall_tau_distance, levenshtein

tokens = st.lists(st.integers(0, 5), max_size=130)


def dp_levenshtein(a: list[int], b: list[int]) -> int:
    """The textbook dynamic programme, one row at a time: slow, obviously correct."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


@given(tokens, tokens)
@settings(max_examples=300, deadline=None)
def test_levenshtein_matches_the_dynamic_programme(a: list[int], b: list[int]) -> None:
    assert levenshtein(a, b) == dp_levenshtein(a, b)


@given(st.lists(st.integers(0, 2**40), max_size=70), st.lists(st.integers(0, 2**40), max_size=70))
@settings(max_examples=100, deadline=None)
def test_levenshtein_takes_any_token_ids(a: list[int], b: list[int]) -> None:
    # Ids beyond any character range, and tuples as well as lists.
    assert levenshtein(a, b) == levenshtein(tuple(a), b) == dp_levenshtein(a, b)


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


rankings = st.integers(0, 60).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 8), min_size=n, max_size=n), st.lists(st.integers(0, 8), min_size=n, max_size=n))
)


@given(rankings)
@settings(max_examples=300, deadline=None)
def test_kendall_tau_between_matches_brute_force_with_ties(pair: tuple[list[int], list[int]]) -> None:
    a, b = pair
    n = len(a)
    # Discordant pairs exactly as the paper's notebook counts them; ties count for nothing.
    brute = sum((a[i] - a[j]) * (b[i] - b[j]) < 0 for i in range(n) for j in range(i + 1, n))
    assert kendall_tau_between(a, b, normalized=False) == brute
    assert kendall_tau_between(a, b) == (brute / (n * (n - 1) / 2) if n > 1 else 0.0)


@given(st.permutations(list(range(30))))
@settings(max_examples=50, deadline=None)
def test_kendall_tau_between_positions_and_a_permutation_is_its_distance(perm: list[int]) -> None:
    assert kendall_tau_between(range(30), perm) == kendall_tau_distance(perm)
    # Discordance is symmetric, and relabelling both rankings alike changes nothing.
    assert kendall_tau_between(perm, range(30)) == kendall_tau_distance(perm)
    assert kendall_tau_between([10 * p for p in perm], [3 * i for i in range(30)]) == kendall_tau_distance(perm)
