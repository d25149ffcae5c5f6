"""The index manifest: every part of a study and its suffix array, so that the parts can be searched.

``<neardup.index_dir>/index.json`` names every file with an absolute path, so
a reader (rust_sa) needs nothing else: the parts stay where the artifact store
keeps them (or where ``parts_dir`` had them), only the manifest is written::

    {"format": "rust_sa.index", "version": 1, "token_bytes": 2,
     "parts": [{"train": ".../part.train", "size": ".../part.train.size", "sa": ".../sa.npy"}, ...],
     "tokenizer": "/abs/tokenizer" or null}
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.neardup.parts import Part

FORMAT = "rust_sa.index"
# Bump when a reader of an older manifest would misread this one.
VERSION = 1
MANIFEST = "index.json"


def manifest(parts: Sequence[tuple[Part, Path]], tokenizer: Path | None) -> dict[str, Any]:
    """The manifest of ``(part, its suffix array)`` pairs in part order, and the tokenizer's folder (or None)."""
    widths = {part.token_bytes for part, _ in parts}
    if len(widths) != 1:
        raise ValueError(f"an index needs parts of one token width, not {sorted(widths)}")
    return {
        "format": FORMAT,
        "version": VERSION,
        "token_bytes": widths.pop(),
        "parts": [
            {"train": str(part.train.resolve()), "size": str(part.size.resolve()), "sa": str(Path(sa).resolve())} for part, sa in parts
        ],
        "tokenizer": None if tokenizer is None else str(Path(tokenizer).resolve()),
    }


def write_manifest(directory: str | Path, parts: Sequence[tuple[Part, Path]], tokenizer: Path | None) -> Path:
    """Writes ``directory/index.json`` atomically (a reader sees the old manifest or the new one) and returns its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MANIFEST
    write_json_atomic(path, manifest(parts, tokenizer))
    return path
