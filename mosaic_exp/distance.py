"""Distances between token sequences: fuzzy duplicates record them, the near-duplicate study checks with them."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein


def hamming(a: Sequence[int], b: Sequence[int]) -> int | None:
    """Positions that differ; None when the lengths differ (then it is undefined)."""
    if len(a) != len(b):
        return None
    return sum(x != y for x, y in zip(a, b))


def levenshtein(a: Sequence[int], b: Sequence[int]) -> int:
    """Edit distance in tokens (insertions, deletions and substitutions of one token each cost 1).

    rapidfuzz compares any sequences of hashables, so token-id lists go in as
    they are; its bit-parallel C++ is what the near-duplicate study and the
    injection fidelity checks need at their volume.
    """
    return Levenshtein.distance(a, b)


def inversions(order: Sequence[int]) -> int:
    """Pairs ``i < j`` with ``order[i] > order[j]``, by merge sort in O(n log n)."""
    values = list(order)
    count = 0
    width = 1
    n = len(values)
    buffer = values[:]
    while width < n:
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if values[i] <= values[j]:
                    buffer[k] = values[i]
                    i += 1
                else:
                    # Every element still waiting on the left outranks values[j].
                    buffer[k] = values[j]
                    count += mid - i
                    j += 1
                k += 1
            buffer[k:hi] = values[i:mid] + values[j:hi]
        values, buffer = buffer, values
        width *= 2
    return count


def kendall_tau_distance(order: Sequence[int]) -> float:
    """Normalized Kendall-tau distance of a permutation to the identity, in [0, 1]."""
    n = len(order)
    return 0.0 if n < 2 else inversions(order) / (n * (n - 1) / 2)


def kendall_tau_between(rank1: Sequence[int], rank2: Sequence[int], normalized: bool = True) -> float:
    """Kendall-tau distance between two rankings of the same items, in O(n log n).

    Counts the discordant pairs ``i < j``, ordered one way by ``rank1`` and the
    other way by ``rank2`` (a pair tied in either ranking is not discordant), as
    the paper's notebook does; ``normalized`` divides by ``n (n - 1) / 2``. For
    a shuffled canary pass the original token positions ``range(n)`` and the
    original position of the token now standing at each place.
    """
    n = len(rank1)
    if len(rank2) != n:
        raise ValueError(f"rankings must have equal length, got {n} and {len(rank2)}")
    # Read rank2 in rank1's order; its inversions are then the discordant pairs.
    # Sorting ties of rank1 by rank2 keeps them from counting, and inversions()
    # never counts ties of rank2.
    order = sorted(range(n), key=lambda i: (rank1[i], rank2[i]))
    discordant = inversions([rank2[i] for i in order])
    if not normalized:
        return float(discordant)
    return 0.0 if n < 2 else discordant / (n * (n - 1) / 2)
