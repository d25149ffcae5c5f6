"""The study's tables, from the merged hits: cumulative counts by distance, n-gram survival.

Counts are per target, averaged over the targets of a bucket, and scaled by
(all document tokens) / (scanned document tokens) when only some parts were
scanned: near-duplicates of a target are spread over the corpus like any
other text, so the scanned share of the corpus holds that share of them.
"""

from __future__ import annotations

import numpy as np

from mosaic_exp.neardup.hits import LONGEST_SHARED, METRICS
from mosaic_exp.neardup.sampling import RANDOM


def bucket_order(targets: list[dict]) -> list[str]:
    """Buckets of the targets by exact count, then the random one if any."""
    buckets = sorted({t["bucket"] for t in targets if t["bucket"] != RANDOM}, key=int)
    return buckets + ([RANDOM] if any(t["bucket"] == RANDOM for t in targets) else [])


def cumulative(hits: dict[str, np.ndarray], targets: list[dict], max_distance: int, scale: float) -> list[dict]:
    """Near-duplicates within each distance, per bucket and metric (mean per target, extrapolated)."""
    rows = []
    distances = np.arange(max_distance + 1)
    for bucket in bucket_order(targets):
        ids = [t["target"] for t in targets if t["bucket"] == bucket]
        for metric in METRICS:
            per_target = np.zeros((len(ids), len(distances)))
            for k, t in enumerate(ids):
                d = hits["distance"][(hits["target"] == t) & (hits["metric"] == metric)]
                per_target[k] = np.searchsorted(np.sort(d), distances, side="right")
            mean = per_target.mean(axis=0)
            for dist, m in zip(distances, mean):
                rows.append(
                    {
                        "bucket": bucket,
                        "metric": metric,
                        "distance": int(dist),
                        "targets": len(ids),
                        "mean_found": float(m),
                        "extrapolated": float(m * scale),
                    }
                )
    return rows


def ngram_survival(hits: dict[str, np.ndarray], targets: list[dict], ngram_sizes: list[int], scale: float) -> list[dict]:
    """Near-duplicates that share no n-gram with their target, i.e. survive n-gram deduplication.

    A window shares an n-gram with its target exactly when the longest run of
    tokens they share (recorded by the scan) is at least n.
    """
    shared = hits[LONGEST_SHARED]
    out = []
    for bucket in bucket_order(targets):
        ids = [t["target"] for t in targets if t["bucket"] == bucket]
        for metric in METRICS:
            for n in ngram_sizes:
                survivors = [np.sum((hits["target"] == t) & (hits["metric"] == metric) & (shared < n)) for t in ids]
                m = float(np.mean(survivors)) if ids else 0.0
                out.append(
                    {"bucket": bucket, "metric": metric, "n": int(n), "targets": len(ids), "mean_found": m, "extrapolated": m * scale}
                )
    return out


def series(rows: list[dict], bucket: str, metric: str, x: str) -> tuple[np.ndarray, np.ndarray]:
    """The ``x`` column and the extrapolated counts of one bucket and metric."""
    sel = [r for r in rows if r["bucket"] == bucket and r["metric"] == metric]
    return np.array([r[x] for r in sel]), np.array([r["extrapolated"] for r in sel])
