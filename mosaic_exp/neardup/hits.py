"""Scan hits as Parquet: one row per (target, metric, window).

A scan's table also holds, per hit, the longest run of tokens the window
shares with its target (:data:`LONGEST_SHARED`): the scan has the part's tokens
at hand, so the analysis needs nothing but the scans. The analysis's merged
table keeps the published columns (:data:`COLUMNS`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mosaic_exp.neardup.artifacts import write_table

METRICS = ("hamming", "levenshtein")
COLUMNS = ("target", "bucket", "exact_count", "metric", "part", "doc_id", "offset", "position", "distance")
LONGEST_SHARED = "longest_shared"


def hits_table(hits: dict, targets: list[dict], part: int, longest_shared: np.ndarray) -> pa.Table:
    """One row per hit of rust_sa's scan, with its target's bucket and exact count."""
    target = np.asarray(hits["target"], dtype=np.int64)
    bucket = np.array([t["bucket"] for t in targets], dtype=object)
    exact = np.array([t["exact_count"] for t in targets], dtype=np.int64)
    return pa.table(
        {
            "target": pa.array(target, pa.int32()),
            "bucket": pa.array(bucket[target].tolist() if len(target) else [], pa.string()),
            "exact_count": pa.array(exact[target] if len(target) else [], pa.int64()),
            "metric": pa.array([METRICS[m] for m in np.asarray(hits["metric"])], pa.string()),
            "part": pa.array(np.full(len(target), part), pa.int32()),
            "doc_id": pa.array(np.asarray(hits["doc_id"], dtype=np.int64), pa.int64()),
            "offset": pa.array(np.asarray(hits["offset"], dtype=np.int64), pa.int64()),
            "position": pa.array(np.asarray(hits["position"], dtype=np.int64), pa.int64()),
            "distance": pa.array(np.asarray(hits["distance"], dtype=np.int64), pa.int32()),
            LONGEST_SHARED: pa.array(np.asarray(longest_shared, dtype=np.int32), pa.int32()),
        }
    )


def write_hits(path: Path, hits: dict, targets: list[dict], part: int, longest_shared: np.ndarray) -> None:
    """Writes :func:`hits_table` as Parquet."""
    write_table(path, hits_table(hits, targets, part, longest_shared))


def read_hits(paths: list[Path]) -> pa.Table:
    """The hits of several parts, concatenated."""
    return pa.concat_tables([pq.read_table(p) for p in paths])


def published(table: pa.Table) -> pa.Table:
    """The merged table as the analysis publishes it (:data:`COLUMNS`)."""
    return table.select(list(COLUMNS))
