"""Parts are written by rust_sa (``_rust_sa.PartWriter``), and its errors reach Python as the right exceptions."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from mosaic_exp import _rust_sa
from mosaic_exp.errors import UserError
from mosaic_exp.neardup.parts import PartWriter, max_token, token_dtype


def test_the_writer_lays_out_documents_as_the_reader_reads_them(tmp_path: Path) -> None:
    train = tmp_path / "a.train"
    with _rust_sa.PartWriter(train) as w:
        assert w.add(7, [1, 2, 3]) == 3
        assert w.add(70_000, np.array([], dtype=np.uint16)) == 9
        assert w.add(0, np.array([0xFFFE], dtype=np.uint16)) == 12
        assert (w.n_tokens, w.n_documents, w.offsets) == (13, 3, [0, 12, 18, 26])
    assert w.n_tokens == 13, "the counts stay readable after close"
    tokens = np.fromfile(train, dtype="<u2").tolist()
    assert tokens == [0xFFFF, 7, 0, 1, 2, 3, 0xFFFF, 70_000 & 0xFFFF, 1, 0xFFFF, 0, 0, 0xFFFE]
    assert np.fromfile(f"{train}.size", dtype="<u8").tolist() == [0, 12, 18, 26]
    assert _rust_sa.read_documents(train) == [(7, 3, 6), (70_000, 9, 9), (0, 12, 13)]

    wide = tmp_path / "w.train"
    with _rust_sa.PartWriter(wide, token_bytes=4) as w:
        assert w.add(2**32 - 1, np.array([70_000, _rust_sa.MAX_TOKEN_U32], dtype=np.uint32)) == 2
    assert np.fromfile(wide, dtype="<u4").tolist() == [_rust_sa.SEPARATOR_U32, 2**32 - 1, 70_000, 2**31 - 2]
    assert _rust_sa.read_documents(wide, token_bytes=4) == [(2**32 - 1, 2, 4)]


def test_the_writer_refuses_what_a_part_cannot_hold(tmp_path: Path) -> None:
    train = tmp_path / "a.train"
    w = _rust_sa.PartWriter(train)
    with pytest.raises(ValueError, match=r"document #0 has token id 65535 at token 1, above the vocabulary width"):
        w.add(1, [4, _rust_sa.SEPARATOR])
    with pytest.raises(ValueError, match="above the vocabulary width"):
        w.add(1, [70_000])
    with pytest.raises(ValueError, match="the part is empty"):
        w.close()
    assert not Path(f"{train}.size").exists()
    with pytest.raises(ValueError, match="token_bytes must be 2 or 4, not 3"):
        _rust_sa.PartWriter(train, token_bytes=3)
    with pytest.raises(RuntimeError), _rust_sa.PartWriter(train) as w:
        w.add(1, [4])
        raise RuntimeError("abandoned")
    assert not Path(f"{train}.size").exists(), "an aborted part gets no .size file"


def test_missing_files_are_file_not_found_errors_and_still_value_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.train"
    with pytest.raises(FileNotFoundError, match="cannot read .*missing.train") as raised:
        _rust_sa.read_documents(missing)
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, _rust_sa.MissingFileError)
    assert raised.value.errno == errno.ENOENT
    with pytest.raises(FileNotFoundError, match="nope.npy"):
        _rust_sa.read_queries(tmp_path / "nope.npy")
    with pytest.raises(FileNotFoundError, match="cannot write"):
        _rust_sa.PartWriter(tmp_path / "no" / "such" / "dir.train")
    train = tmp_path / "p.train"
    with _rust_sa.PartWriter(train) as w:
        w.add(1, [4, 5, 6])
    with pytest.raises(FileNotFoundError, match=r"p\.train\.sa\.npy"):
        _rust_sa.count(train, [4])
    # Another failure to read is an OSError (and a ValueError), not a missing file.
    with pytest.raises(OSError, match="Is a directory") as raised:
        _rust_sa.read_documents(train, size=tmp_path)
    assert isinstance(raised.value, _rust_sa.FileAccessError) and isinstance(raised.value, ValueError)
    assert not isinstance(raised.value, FileNotFoundError) and raised.value.errno == errno.EISDIR
    # Bad content and bad arguments stay plain ValueErrors.
    Path(f"{train}.size").write_bytes(np.array([0, 7], dtype="<u8").tobytes())
    with pytest.raises(ValueError, match="ends at byte 7") as raised:
        _rust_sa.read_documents(train)
    assert not isinstance(raised.value, OSError)
    with pytest.raises(ValueError, match="token_bytes must be 2 or 4, not 3"):
        _rust_sa.read_documents(train, token_bytes=3)


def test_the_neardup_writer_keeps_its_messages_and_skips_empty_documents(tmp_path: Path) -> None:
    train = tmp_path / "part.train"
    with PartWriter(train) as w:
        assert w.add(5, np.array([1, 2], dtype=np.int64)) == 3
        assert w.add(6, []) == 5, "an empty document is skipped"
        assert w.add(7, (9,)) == 8
    assert (w.n_tokens, w.n_documents, w.offsets) == (9, 2, [0, 10, 18])
    assert _rust_sa.read_documents(train) == [(5, 3, 5), (7, 8, 9)]
    w = PartWriter(tmp_path / "b.train")
    with pytest.raises(UserError, match="document id 4294967296 does not fit in 32 bits"):
        w.add(2**32, [1])
    with pytest.raises(UserError, match="above the largest id 65534 of 2-byte parts; use token_bytes=4"):
        w.add(1, [70_000])
    with pytest.raises(UserError, match="would be an empty part"):
        w.close()
    assert not (tmp_path / "b.train.size").exists()
    with pytest.raises(UserError, match="token_bytes must be 2 or 4, not 8"):
        PartWriter(tmp_path / "c.train", token_bytes=8)
    assert (max_token(2), max_token(4), token_dtype(4)) == (0xFFFE, 2**31 - 2, np.dtype("<u4"))
