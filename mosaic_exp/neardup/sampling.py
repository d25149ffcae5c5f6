"""Which sequences become targets: candidates from the parts, buckets by exact count across parts.

A sequence whose total count over ``n`` parts reaches ``lo`` occurs at least
``ceil(lo / n)`` times in some part, so each bucket's candidates come from the
self-similar clusters of every part with at least that many copies (and no
more than the bucket's upper end). Candidates are counted in every part with
the suffix arrays; the sums decide the buckets. Random targets are windows
drawn uniformly from the document bodies of all parts.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mosaic_exp.atomic import write_text_atomic
from mosaic_exp.errors import UserError
from mosaic_exp.neardup.artifacts import CANDIDATE_ORIGINS, CANDIDATE_TOKENS, save_array
from mosaic_exp.neardup.parts import Part

log = logging.getLogger(__name__)

# The bucket of the random targets, beside the exact-count buckets ("100", "1000", ...).
RANDOM = "random"


def bucket_range(bucket: int, tolerance: float) -> tuple[int, int]:
    """Smallest and largest exact count inside ``bucket`` ± ``tolerance`` (inclusive)."""
    return math.ceil(bucket * (1 - tolerance) - 1e-9), math.floor(bucket * (1 + tolerance) + 1e-9)


def distinct_tokens(rows: np.ndarray) -> np.ndarray:
    """Number of distinct tokens in each row."""
    if rows.size == 0:
        return np.zeros(len(rows), dtype=np.int64)
    s = np.sort(rows, axis=1)
    return (np.diff(s, axis=1) != 0).sum(axis=1) + 1


@dataclass
class Candidates:
    """Sequences to count: ``tokens`` (one per row) and where each came from."""

    tokens: np.ndarray
    origin: list[str]  # a bucket (as text) or "random"
    source: list[list[int]]  # [part, position] of one occurrence


def cluster_candidates(
    parts: Sequence[Part],
    clusters: Sequence[tuple[np.ndarray, np.ndarray]],
    buckets: Sequence[int],
    tolerance: float,
    length: int,
    min_distinct: int,
    per_bucket: int,
    rng: np.random.Generator,
) -> Candidates:
    """Up to ``per_bucket`` distinct sequences per bucket from the parts' self-similar clusters."""
    seen: dict[bytes, int] = {}
    out = Candidates(np.zeros((0, length), dtype=np.int64), [], [])
    rows: list[np.ndarray] = []
    for bucket in buckets:
        lo, hi = bucket_range(bucket, tolerance)
        need = max(2, math.ceil(lo / len(parts)))
        taken = 0
        for part, (positions, counts) in zip(parts, clusters):
            if taken >= per_bucket:
                break
            starts = np.cumsum(counts) - counts
            picked = np.flatnonzero((counts >= need) & (counts <= hi))
            picked = picked[rng.permutation(len(picked))]
            tokens = part.tokens()
            # Chunks keep memory flat when a bucket has millions of clusters.
            for chunk in np.array_split(picked, max(1, len(picked) // 4096)):
                if taken >= per_bucket or chunk.size == 0:
                    break
                first = positions[starts[chunk]].astype(np.int64)
                seqs = tokens[first[:, None] + np.arange(length)[None, :]].astype(np.int64)
                varied = distinct_tokens(seqs) >= min_distinct
                for pos, seq in zip(first[varied], seqs[varied]):
                    if taken >= per_bucket:
                        break
                    key = seq.tobytes()
                    if key in seen:
                        continue
                    seen[key] = len(rows)
                    rows.append(seq)
                    out.origin.append(str(bucket))
                    out.source.append([part.index, int(pos)])
                    taken += 1
        if taken == 0:
            log.warning("bucket %d: no sequence repeated %d..%d times in some part", bucket, need, hi)
    if rows:
        out.tokens = np.stack(rows)
    return out


def random_windows(
    parts: Sequence[Part], n: int, length: int, min_distinct: int, rng: np.random.Generator, max_tries: int = 1000
) -> Candidates:
    """``n`` windows drawn uniformly over every window of every part with enough distinct tokens."""
    docs = [p.documents() for p in parts]
    windows = [np.maximum(d[:, 2] - d[:, 1] - length + 1, 0) for d in docs]
    per_part = np.array([w.sum() for w in windows], dtype=np.float64)
    if n > 0 and per_part.sum() == 0:
        raise UserError(f"no document has {length} tokens: cannot draw random targets")
    out = Candidates(np.zeros((0, length), dtype=np.int64), [], [])
    rows = []
    for _ in range(n * max_tries):
        if len(rows) == n:
            break
        p = int(rng.choice(len(parts), p=per_part / per_part.sum()))
        d = int(rng.choice(len(docs[p]), p=windows[p] / windows[p].sum()))
        pos = int(docs[p][d, 1] + rng.integers(windows[p][d]))
        seq = parts[p].tokens()[pos : pos + length].astype(np.int64)
        if distinct_tokens(seq[None, :])[0] >= min_distinct:
            rows.append(seq)
            out.origin.append(RANDOM)
            out.source.append([parts[p].index, pos])
    if len(rows) < n:
        raise UserError(f"found {len(rows)} of {n} random windows with ≥ {min_distinct} distinct tokens; lower neardup.min_distinct")
    if rows:
        out.tokens = np.stack(rows)
    return out


def choose_targets(
    candidates: Candidates,
    totals: np.ndarray,
    buckets: Sequence[int],
    tolerance: float,
    per_bucket: int,
    rng: np.random.Generator,
) -> list[dict]:
    """Per bucket, up to ``per_bucket`` candidates whose total count lies in it; then the random ones.

    Any candidate may fill any bucket: a sequence picked for one bucket in one
    part may turn out to belong to another once all parts are counted.
    """
    chosen: list[dict] = []
    used: set[int] = set()
    for bucket in buckets:
        lo, hi = bucket_range(bucket, tolerance)
        fits = [i for i in np.flatnonzero((totals >= lo) & (totals <= hi)) if candidates.origin[i] != RANDOM and i not in used]
        picked = [fits[j] for j in rng.permutation(len(fits))[:per_bucket]]
        if len(picked) < per_bucket:
            log.warning("bucket %d (%d..%d copies): %d of %d targets found", bucket, lo, hi, len(picked), per_bucket)
        for i in sorted(picked):
            used.add(int(i))
            chosen.append({"candidate": int(i), "bucket": str(bucket), "exact_count": int(totals[i])})
    for i, origin in enumerate(candidates.origin):
        if origin == RANDOM:
            chosen.append({"candidate": i, "bucket": RANDOM, "exact_count": int(totals[i])})
    for index, t in enumerate(chosen):
        t["target"] = index
        t["source"] = candidates.source[t["candidate"]]
    return chosen


def save_candidates(directory: Path, candidates: Candidates) -> None:
    """Writes ``candidates.npy`` (tokens) and ``candidates.json`` (origins and sources)."""
    save_array(directory / CANDIDATE_TOKENS, candidates.tokens)
    # Compact: thousands of candidates per bucket.
    write_text_atomic(directory / CANDIDATE_ORIGINS, json.dumps({"origin": candidates.origin, "source": candidates.source}))


def load_candidates(directory: Path) -> Candidates:
    """Reads what :func:`save_candidates` wrote."""
    meta = json.loads((directory / CANDIDATE_ORIGINS).read_text())
    return Candidates(np.load(directory / CANDIDATE_TOKENS), meta["origin"], meta["source"])
