"""Writing result tables."""

from __future__ import annotations

import csv
import os
import uuid
from pathlib import Path


def write_csv(path: Path, rows: list[dict]) -> None:
    """Writes rows (dicts with the same keys) to a temporary name, then renames."""
    if not rows:
        raise ValueError(f"nothing to write to {path}")
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    with tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)
