"""The Rust crate is built into the package and callable from Python."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mosaic_exp import _rust_sa


def _write_part(path: Path, docs: list[tuple[int, list[int]]], token_bytes: int = 2) -> tuple[Path, Path]:
    train = path / "part.train"
    with _rust_sa.PartWriter(train, token_bytes) as writer:
        for doc_id, body in docs:
            writer.add(doc_id, body)
    return train, path / "part.train.size"


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


def _npy_header_only(path: Path, shape: tuple[int, ...], descr: str = "<u2") -> Path:
    """An .npy file of `shape` made of its 128-byte header alone: right for
    a shape with a 0, whose array holds no data bytes."""
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    text = text.ljust(128 - 10 - 1) + "\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode())
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "rust-sa"
    return subprocess.run([str(exe), "--quiet", *args], check=False, capture_output=True, text=True, timeout=60)


def test_npy_queries_of_zero_tokens_are_refused(tmp_path: Path) -> None:
    train, _ = _write_part(tmp_path, [(1, [4, 5, 6]), (2, [5, 6])])
    huge = _npy_header_only(tmp_path / "huge.npy", (10**18, 0))
    assert huge.stat().st_size == 128
    with pytest.raises(ValueError, match=r"huge\.npy: queries of 0 tokens"):
        _rust_sa.read_queries(huge)
    with pytest.raises(ValueError, match="0 tokens"):
        _rust_sa.scan(train, huge)
    no_data = np.empty((10**12, 0), dtype=np.uint16)
    with pytest.raises(ValueError, match=r"queries of 0 tokens \(shape \(1000000000000, 0\)\)"):
        _rust_sa.scan(train, no_data)
    with pytest.raises(ValueError, match="0 tokens"):
        _rust_sa.count_multi(train, np.empty((3, 0), dtype=np.uint32))
    # Through the CLI (a child process: the old failure was an abort).
    assert _cli("make", str(train)).returncode == 0
    many = _npy_header_only(tmp_path / "many.npy", (10**12, 0), descr="<u4")
    for cmd in (
        ["count-multi", str(train), "--queries", str(many)],
        ["scan", str(train), "--targets", str(many), "--out", str(tmp_path / "h.npy")],
    ):
        r = _cli(*cmd)
        assert r.returncode == 1, r.stderr
        assert "many.npy" in r.stderr and "0 tokens" in r.stderr, r.stderr


def test_cli_reports_a_missing_file_once(tmp_path: Path) -> None:
    missing = tmp_path / "missing.train"
    r = _cli("count", str(missing), "1")
    assert r.returncode == 1
    assert r.stderr.count("No such file or directory") == 1, r.stderr
    assert str(missing) in r.stderr
    train, _ = _write_part(tmp_path, [(1, [4, 5, 6])])
    r = _cli("count-multi", str(train), "--queries", str(tmp_path / "nope.npy"))
    assert r.returncode == 1
    assert r.stderr.count("No such file or directory") == 1, r.stderr
    assert "nope.npy" in r.stderr


def test_suffix_array_that_is_not_the_parts_is_refused(tmp_path: Path) -> None:
    train, _ = _write_part(tmp_path, [(1, [3, 1, 2, 1]), (2, [2, 2])])
    sa_path = tmp_path / "part.train.sa.npy"
    _rust_sa.make(train)
    good = np.load(sa_path)
    assert _rust_sa.count(train, [2]) == 3 and _rust_sa.count(train, [1]) == 2
    # Every entry the first `2`: in range and sorted where sampled, so it
    # used to be accepted, and the counts came out 6 and 0.
    np.save(sa_path, np.full_like(good, 5))
    with pytest.raises(ValueError, match=r"part\.train\.sa\.npy holds position 5 twice.*not a permutation"):
        _rust_sa.count(train, [2])
    with pytest.raises(ValueError, match="not a permutation"):
        _rust_sa.count_multi(train, [[1]])
    # A permutation sorted by first token only: the two suffixes of `1` swapped.
    tokens = np.fromfile(train, dtype="<u2")
    ones = [i for i, p in enumerate(good[:6]) if tokens[p] == 1]
    bad = good.copy()
    bad[ones] = bad[ones[::-1]]
    np.save(sa_path, bad)
    with pytest.raises(ValueError, match="is not sorted"):
        _rust_sa.count(train, [1])
    # The array `make` writes is stamped with fingerprints of the part and
    # of the array (a comment in the header, which NumPy skips): a damaged
    # copy that is still a permutation is refused without sorting anything.
    _rust_sa.make(train)
    assert np.load(sa_path).tolist() == good.tolist()
    raw = bytearray(sa_path.read_bytes())
    head = len(raw) - 4 * len(good)
    assert b"rust_sa suffix array: part=" in raw[:head]
    raw[head : head + 8] = raw[head + 4 : head + 8] + raw[head : head + 4]
    sa_path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"part\.train\.sa\.npy is damaged"):
        _rust_sa.count(train, [1])
    (tmp_path / "other").mkdir()
    other, _ = _write_part(tmp_path / "other", [(1, [3, 1, 2, 2]), (2, [2, 1])])
    _rust_sa.make(other)
    with pytest.raises(ValueError, match="was built for another part"):
        _rust_sa.count(train, [1], sa=f"{other}.sa.npy")
    np.save(sa_path, good)
    assert _rust_sa.count(train, [1]) == 2


def test_scan_of_uint32_ids_near_2_31_needs_little_memory(tmp_path: Path) -> None:
    big = 2**31 - 2
    body = [1, big, 5, 2**30, 5, big - 1, 5, 2**30, 5, big]
    train, _ = _write_part(tmp_path, [(3, body)], token_bytes=4)
    targets = tmp_path / "t.npy"
    np.save(targets, np.array([[big, 5, 2**30, 5]], dtype="<u4"))
    # The index used to take a slot per id up to the largest: ~24 GiB here.
    got = _rust_sa.scan(train, targets, max_distance=1, token_bytes=4)
    assert sorted(zip(got["metric"].tolist(), got["offset"].tolist(), got["distance"].tolist())) == [
        (0, 1, 0),
        (0, 5, 1),
        (1, 1, 0),
        (1, 5, 1),
    ]


@pytest.mark.parametrize("length", [3, 100])
def test_self_similar_writes_empty_arrays_when_nothing_repeats(tmp_path: Path, length: int) -> None:
    # Distinct tokens everywhere: no sequence occurs twice, and none at all is 100 tokens long.
    train, _ = _write_part(tmp_path, [(1, [4, 5, 6, 7]), (2, [8, 9, 10])])
    assert _cli("make", str(train)).returncode == 0
    out = _cli("self-similar", str(train), "--length", str(length), "--out", str(tmp_path / "ss"))
    assert out.returncode == 0, out.stderr
    for name in ("positions", "counts"):
        array = np.load(tmp_path / f"ss.{name}.npy")
        assert array.shape == (0,) and array.dtype == np.uint64
