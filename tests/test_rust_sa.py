"""The Rust crate is built into the package and callable from Python."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from mosaic_exp import _rust_sa


def _write_part(path: Path, docs: list[tuple[int, list[int]]]) -> tuple[Path, Path]:
    tokens: list[int] = []
    offsets = [0]
    for doc_id, body in docs:
        tokens += [0xFFFF, doc_id & 0xFFFF, doc_id >> 16, *body]
        offsets.append(2 * len(tokens))
    train = path / "part.train"
    train.write_bytes(struct.pack(f"<{len(tokens)}H", *tokens))
    size = path / "part.train.size"
    size.write_bytes(struct.pack(f"<{len(offsets)}Q", *offsets))
    return train, size


def test_reads_documents_of_an_interchange_part(tmp_path: Path) -> None:
    train, size = _write_part(tmp_path, [(3, [10, 11, 12]), (70_000, [5])])
    assert _rust_sa.read_documents(train, size) == [(3, 3, 6), (70_000, 9, 10)]
    assert _rust_sa.SEPARATOR == 0xFFFF


def test_bad_part_raises_value_error_not_panic(tmp_path: Path) -> None:
    train, size = _write_part(tmp_path, [(1, [4, 5])])
    size.write_bytes(struct.pack("<2Q", 0, 999))
    with pytest.raises(ValueError, match="size file ends at byte 999"):
        _rust_sa.read_documents(train, size)
    with pytest.raises(ValueError, match="cannot read"):
        _rust_sa.read_documents(tmp_path / "missing.train", size)
