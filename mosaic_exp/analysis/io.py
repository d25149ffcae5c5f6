"""Writing result tables."""

from __future__ import annotations

import csv
from pathlib import Path

from mosaic_exp.atomic import atomic_path


def write_csv(path: Path, rows: list[dict]) -> None:
    """Writes rows (dicts with the same keys, header from the first) to ``path`` atomically."""
    if not rows:
        raise ValueError(f"nothing to write to {path}")
    with atomic_path(path) as tmp, tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
