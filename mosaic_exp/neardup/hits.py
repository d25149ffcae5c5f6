"""Scan hits as Parquet: one row per (target, metric, window)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HITS = "hits.parquet"
METRICS = ("hamming", "levenshtein")


def write_hits(path: Path, hits: dict, targets: list[dict], part: int) -> None:
    """One row per hit with its target's bucket and exact count, as Parquet."""
    target = np.asarray(hits["target"], dtype=np.int64)
    bucket = np.array([t["bucket"] for t in targets], dtype=object)
    exact = np.array([t["exact_count"] for t in targets], dtype=np.int64)
    table = pa.table(
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
        }
    )
    pq.write_table(table, path)


def read_hits(paths: list[Path]) -> pa.Table:
    """The hits of several parts, concatenated."""
    return pa.concat_tables([pq.read_table(p) for p in paths])
