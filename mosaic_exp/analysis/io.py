"""Writing result tables."""

from __future__ import annotations

from pathlib import Path

from mosaic_exp.atomic import write_csv_atomic


def write_csv(path: Path, rows: list[dict]) -> None:
    """Writes rows (dicts with the same keys, header from the first) to ``path`` atomically; a table has rows."""
    if not rows:
        raise ValueError(f"nothing to write to {path}")
    write_csv_atomic(path, rows)
