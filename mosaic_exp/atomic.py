"""Writing a file so that readers see the old file or the new one, never half of one.

Every output of the package (cache records, results, tables, figures) goes
through :func:`atomic_path`: the bytes go to a hidden temporary sibling
(``.NAME.tmp-<random>``, on the same filesystem, so the rename is atomic) and
replace ``NAME`` only once the block that writes them has finished. A crash
leaves at most a temporary file, which the artifact store removes later.
"""

from __future__ import annotations

import csv
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yields a temporary path to write; it replaces ``path`` when the block ends without an error."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Writes ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def jsonable(value: Any) -> Any:
    """JSON form of the values configs hold beyond JSON's own types (enums, paths)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write a {type(value).__name__} as JSON: {value!r}")


def write_json_atomic(path: str | Path, payload: Any) -> None:
    """Writes ``payload`` as indented, key-sorted JSON to ``path`` atomically."""
    write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=True, default=jsonable) + "\n")


def write_csv_atomic(path: str | Path, rows: list[dict]) -> None:
    """Writes rows (dicts with the same keys; the first row's keys are the header) as CSV atomically.

    No rows give a file with the one-column header ``empty``, so a reader still finds a valid CSV.
    """
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["empty"])
        writer.writeheader()
        writer.writerows(rows)
