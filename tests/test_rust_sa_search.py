"""`search` through the suffix array equals `scan`; indexes of parts; bad inputs."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mosaic_exp import _rust_sa

COLUMNS = ("target", "metric", "doc_id", "offset", "position", "distance")
LENGTH = 100


def _planted_docs(rng: np.random.Generator, n_docs: int, bases: list[np.ndarray], vocab: int = 300) -> list[tuple[int, np.ndarray]]:
    """Zipf-like documents; every other one holds a near copy (up to 6 edits) of a base."""
    weights = 1.0 / np.arange(1, vocab + 1)
    weights /= weights.sum()
    docs = []
    for i in range(n_docs):
        body = [rng.choice(vocab, size=int(rng.integers(0, 400)), p=weights)]
        if i % 2 == 0:
            copy = list(bases[i % len(bases)])
            for _ in range(int(rng.integers(0, 7))):
                kind, at = int(rng.integers(3)), int(rng.integers(len(copy)))
                if kind == 0:
                    copy[at] = int(rng.integers(vocab))
                elif kind == 1:
                    copy.insert(at, int(rng.integers(vocab)))
                else:
                    del copy[at]
            body.append(np.array(copy))
        body.append(rng.choice(vocab, size=int(rng.integers(0, 200)), p=weights))
        docs.append((i, np.concatenate(body).astype(np.int64)))
    return docs


def _write(train: Path, docs: list[tuple[int, np.ndarray]], token_bytes: int = 2) -> Path:
    with _rust_sa.PartWriter(train, token_bytes) as writer:
        for doc_id, body in docs:
            writer.add(doc_id, body.tolist())
    _rust_sa.make(train, token_bytes=token_bytes)
    return train


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Three planted parts (the first one alone is the single part), their index and queries."""
    root = tmp_path_factory.mktemp("search")
    rng = np.random.default_rng(5)
    bases = [rng.integers(0, 300, LENGTH) for _ in range(3)]
    trains = [_write(root / f"part-{p}.train", _planted_docs(rng, 300, bases)) for p in range(3)]
    _rust_sa.write_index(root / "index", trains, token_bytes=2, tokenizer="gpt2")
    tokens = np.fromfile(trains[0], dtype="<u2")
    docs = _rust_sa.read_documents(trains[0])
    windows = []
    while len(windows) < 4:
        _, start, end = docs[int(rng.integers(len(docs)))]
        if end - start >= LENGTH:
            at = int(rng.integers(start, end - LENGTH + 1))
            windows.append(tokens[at : at + LENGTH].astype(np.int64))
    edited = bases[1].copy()
    edited[[3, 40, 77]] = [1, 2, 3]
    queries = np.stack([*bases, edited, *windows]).astype(np.uint16)
    return {"root": root, "trains": trains, "index": root / "index", "queries": queries}


def _same(got: dict, want: dict) -> None:
    for column in COLUMNS:
        assert got[column].tolist() == want[column].tolist(), column


@pytest.mark.parametrize("d", [0, 5, 10, 20, 50])
def test_search_equals_scan_on_a_planted_part(planted: dict, d: int) -> None:
    train, queries = planted["trains"][0], planted["queries"]
    want = _rust_sa.scan(train, queries, max_distance=d)
    assert len(want["target"]) >= (len(queries) if d == 0 else 100)
    for mode in ("auto", "seeds", "scan"):
        got = _rust_sa.search(train, queries, d, mode=mode)
        _same(got, want)
        assert got["stats"]["fallback"].tolist() == [int(mode == "scan")] * len(queries) or mode == "auto"
    hamming = _rust_sa.search(train, queries, d, metric="hamming")
    assert hamming["metric"].tolist() == [0] * int((want["metric"] == 0).sum())
    assert hamming["position"].tolist() == want["position"][want["metric"] == 0].tolist()


def test_auto_mode_seeds_near_copies_and_scans_hopeless_queries(planted: dict) -> None:
    train, queries = planted["trains"][0], planted["queries"]
    stats = _rust_sa.search(train, queries, 10)["stats"]
    assert stats["fallback"].tolist() == [0] * len(queries)
    assert (stats["candidates"][:3] >= 50).all()
    # d = 50 on 100 tokens: 51 pieces of about two tokens, everywhere.
    assert _rust_sa.search(train, queries, 50)["stats"]["fallback"].sum() >= 1


def test_queries_of_several_lengths_equal_their_own_scans(planted: dict) -> None:
    train, queries = planted["trains"][0], planted["queries"]
    mixed = [queries[0][:40], queries[1], queries[3][10:85], queries[4][:10]]
    got = _rust_sa.search(train, [q.tolist() for q in mixed], 8)
    for i, q in enumerate(mixed):
        want = _rust_sa.scan(train, q[None, :], max_distance=8)
        mine = got["target"] == i
        for column in COLUMNS[1:]:
            assert got[column][mine].tolist() == want[column].tolist(), (i, column)


def test_index_of_three_parts_equals_the_parts_scans(planted: dict) -> None:
    queries = planted["queries"]
    index = _rust_sa.Index(planted["index"])
    assert (index.n_parts, index.token_bytes, index.tokenizer) == (3, 2, "gpt2")
    assert index.n_tokens == sum(t.stat().st_size // 2 for t in planted["trains"])
    for d in (0, 10):
        got = index.search(queries, d)
        parts = []
        for p, train in enumerate(planted["trains"]):
            want = _rust_sa.scan(train, queries, max_distance=d)
            parts.append(np.column_stack([*(want[c].astype(np.int64) for c in COLUMNS), np.full(len(want["target"]), p)]))
        expected = np.concatenate(parts)
        table = np.column_stack([got[c].astype(np.int64) for c in (*COLUMNS, "part")])
        assert table.tolist() == expected.tolist()
        assert len(set(got["part"].tolist())) == 3
        once = _rust_sa.search(planted["index"], queries, d)
        _same(once, got)
        assert once["part"].tolist() == got["part"].tolist()


def test_counts_over_an_index_are_the_parts_summed(planted: dict) -> None:
    queries = planted["queries"][:, :12]
    per_part = sum(_rust_sa.count_multi(t, queries) for t in planted["trains"])
    index = _rust_sa.Index(planted["index"])
    assert index.count_multi(queries).tolist() == per_part.tolist()
    assert _rust_sa.count_multi(planted["index"], queries).tolist() == per_part.tolist()
    q = queries[0].tolist()
    assert index.count(q) == _rust_sa.count(planted["index"], q) == per_part[0]
    # An open index answers without opening anything again.
    times = []
    for _ in range(20):
        started = time.perf_counter()
        index.count_multi(queries)
        times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.005, times


def _cli(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "rust-sa"
    return subprocess.run([str(exe), "--quiet", *args], check=False, capture_output=True, text=True, timeout=120)


def test_cli_search_writes_what_scan_writes(planted: dict, tmp_path: Path) -> None:
    train, queries = planted["trains"][0], planted["queries"]
    q = tmp_path / "q.npy"
    np.save(q, queries)
    for d in ("0", "5", "10", "20", "50"):  # the distances; 50 on 100-token queries falls back to the scan
        scanned, searched = tmp_path / "scan.npy", tmp_path / "search.npy"
        r = _cli("scan", str(train), "--targets", str(q), "--max-distance", d, "--out", str(scanned))
        assert r.returncode == 0, r.stderr
        r = _cli("search", str(train), "--queries", str(q), "--max-distance", d, "--out", str(searched))
        assert r.returncode == 0, r.stderr
        assert np.load(searched).dtype == np.int64
        assert np.load(searched).tolist() == np.load(scanned).tolist()
    out = tmp_path / "index.npy"
    r = _cli("search", str(planted["index"]), "--queries", str(q), "--max-distance", "5", "--out", str(out), "--mode", "seeds")
    assert r.returncode == 0, r.stderr
    got = _rust_sa.Index(planted["index"]).search(queries, 5)
    assert np.load(out).tolist() == np.column_stack([got[c].astype(np.int64) for c in (*COLUMNS, "part")]).tolist()
    r = _cli("count", str(planted["index"]), *map(str, queries[0][:12].tolist()))
    assert r.returncode == 0 and int(r.stdout) == _rust_sa.count(planted["index"], queries[0][:12].tolist())
    counts = tmp_path / "counts.npy"
    r = _cli("count-multi", str(planted["index"]), "--queries", str(q), "--out", str(counts))
    assert r.returncode == 0, r.stderr
    assert np.load(counts).tolist() == _rust_sa.count_multi(planted["index"], queries).tolist()
    r = _cli("search", str(planted["index"]), "--queries", str(q), "--max-distance", "5", "--out", str(out), "--sa", "x.npy")
    assert r.returncode == 1 and "single part" in r.stderr, r.stderr


def test_bad_inputs_raise_clear_errors(planted: dict, tmp_path: Path) -> None:
    train, queries = planted["trains"][0], planted["queries"]
    with pytest.raises(ValueError, match="query #1 has 9 tokens; a search needs at least 10"):
        _rust_sa.search(train, [queries[0].tolist(), queries[0][:9].tolist()], 2)
    with pytest.raises(ValueError, match="no queries given"):
        _rust_sa.Index(planted["index"]).search(np.empty((0, 20), dtype=np.uint16), 2)
    with pytest.raises(FileNotFoundError, match=r"index\.json"):
        _rust_sa.Index(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"index\.json"):
        _rust_sa.search(tmp_path, queries, 2)
    with pytest.raises(ValueError, match="is a file, not an index folder"):
        _rust_sa.Index(train)
    with pytest.raises(ValueError, match="is a folder, not a part's token file"):
        _rust_sa.scan(planted["index"], queries, max_distance=2)
    with pytest.raises(ValueError, match="token_bytes=4 does not match the index"):
        _rust_sa.search(planted["index"], queries, 2, token_bytes=4)
    with pytest.raises(ValueError, match="token id 70000"):
        _rust_sa.search(train, [[70_000] * 12], 2)
    with pytest.raises(ValueError, match="mode must be one of auto, seeds, scan"):
        _rust_sa.search(train, queries, 2, mode="fast")
    with pytest.raises(ValueError, match="metric must be one of"):
        _rust_sa.search(train, queries, 2, metric="cosine")
    with pytest.raises(ValueError, match="size= and sa= name a single part"):
        _rust_sa.count(planted["index"], [1, 2], sa=train)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "index.json").write_text('{"format": "rust_sa.index", "version": 1, "token_bytes": 2, "parts": []}')
    with pytest.raises(ValueError, match=r"bad/index\.json: field `parts` is empty"):
        _rust_sa.Index(bad)
    missing = tmp_path / "missing"
    _rust_sa.write_index(missing, [tmp_path / "nowhere.train"])
    with pytest.raises(FileNotFoundError, match=r"part #0 of index .*nowhere\.train"):
        _rust_sa.Index(missing)


def test_uint32_parts_search_like_the_scan(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    base = rng.integers(70_000, 70_050, 30)
    docs = [(i, np.concatenate([rng.integers(70_000, 70_050, int(rng.integers(0, 80))), base])) for i in range(40)]
    train = _write(tmp_path / "wide.train", docs, token_bytes=4)
    queries = np.stack([base, rng.integers(70_000, 70_050, 30)]).astype(np.uint32)
    for d in (0, 3, 16):
        want = _rust_sa.scan(train, queries, max_distance=d, token_bytes=4)
        for mode in ("auto", "seeds"):
            _same(_rust_sa.search(train, queries, d, mode=mode, token_bytes=4), want)
    _rust_sa.write_index(tmp_path / "wide", [train], token_bytes=4)
    index = _rust_sa.Index(tmp_path / "wide")
    assert index.token_bytes == 4
    _same(index.search(queries, 3), _rust_sa.scan(train, queries, max_distance=3, token_bytes=4))
