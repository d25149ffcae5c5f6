"""rust_sa against slow, obviously correct Python references, bad inputs, and the CLI."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mosaic_exp import _rust_sa

SEP16 = _rust_sa.SEPARATOR


def write_part(path: Path, docs: list[tuple[int, list[int]]], token_bytes: int = 2, name: str = "p") -> Path:
    """Writes NAME.train / NAME.train.size in the interchange format."""
    train = path / f"{name}.train"
    with _rust_sa.PartWriter(train, token_bytes) as writer:
        for doc_id, body in docs:
            writer.add(doc_id, body)
    return train


# --- the slow reference of the scan -------------------------------------------------


def hamming(a: list[int], b: list[int]) -> int:
    return sum(1 for x, y in zip(a, b) if x != y)


def levenshtein(a: list[int], b: list[int]) -> int:
    """Textbook dynamic programme over the full (len(a)+1) x (len(b)+1) table."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return d[len(a)][len(b)]


def reference_scan(docs: list[tuple[int, list[int]]], targets: list[list[int]], max_distance: int) -> list[tuple]:
    """Every window of every document against every target; then, per target
    and metric, keep the closest (earliest on ties) and drop what overlaps it."""
    length = len(targets[0])
    out = []
    for t, target in enumerate(targets):
        for metric, dist in ((0, hamming), (1, levenshtein)):
            found = []
            for index, (doc_id, body) in enumerate(docs):
                for offset in range(len(body) - length + 1):
                    d = dist(body[offset : offset + length], target)
                    if d <= max_distance:
                        found.append((d, index, offset, doc_id))
            found.sort()
            kept: list[tuple[int, int]] = []
            for d, index, offset, doc_id in found:
                if all(i != index or abs(o - offset) >= length for i, o in kept):
                    kept.append((index, offset))
                    out.append((t, metric, d, index, offset, doc_id))
    out.sort()
    return [(t, m, doc_id, off, d) for t, m, d, _, off, doc_id in out]


def generated_corpus(seed: int, length: int) -> tuple[list[tuple[int, list[int]]], list[list[int]]]:
    """Random documents over a small alphabet with fuzzy copies of the targets planted."""
    rng = np.random.default_rng(seed)
    targets = [list(map(int, rng.integers(0, 30, length))) for _ in range(4)]
    docs = []
    for _ in range(12):
        body = list(map(int, rng.integers(0, 30, rng.integers(0, 120))))
        for _ in range(rng.integers(0, 3)):
            copy = list(targets[rng.integers(len(targets))])
            for _ in range(rng.integers(0, 5)):
                op, p = rng.integers(3), rng.integers(len(copy))
                if op == 0:
                    copy[p] = int(rng.integers(0, 30))
                elif op == 1:
                    del copy[p]
                else:
                    copy.insert(p, int(rng.integers(0, 30)))
            at = rng.integers(len(body) + 1)
            body[at:at] = copy
        docs.append((int(rng.integers(0, 2**32)), body))
    return docs, targets


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scan_equals_python_reference(tmp_path: Path, seed: int) -> None:
    docs, targets = generated_corpus(seed, length=12)
    train = write_part(tmp_path, docs)
    got = _rust_sa.scan(train, np.array(targets, dtype=np.uint16), max_distance=4)
    rows = sorted(zip(*(got[k].tolist() for k in ("target", "metric", "distance", "position", "offset", "doc_id"))))
    # Order by (target, metric, distance, position) as rust_sa does.
    rows = [(t, m, doc_id, off, d) for t, m, d, _, off, doc_id in rows]
    expected = reference_scan(docs, targets, 4)
    assert rows == expected
    assert any(d < 4 for *_, d in expected), "the planted copies must be found"


def test_scan_u32_parts_and_long_targets(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    target = list(map(int, rng.integers(70_000, 70_040, 70)))
    near = target[:30] + [1] + target[31:60] + target[61:]
    docs = [(3, list(map(int, rng.integers(0, 100, 50))) + near + [5] * 20)]
    train = write_part(tmp_path, docs, token_bytes=4)
    got = _rust_sa.scan(train, [target], max_distance=3, token_bytes=4)
    assert [(m, o, d) for m, o, d in zip(got["metric"], got["offset"], got["distance"])] == [
        (t[1], t[3], t[4]) for t in reference_scan(docs, [target], 3)
    ]


# --- counts and self-similar against naive counting ----------------------------------

docs_strategy = st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=30)), min_size=1, max_size=5).filter(
    lambda d: any(b for _, b in d)
)


@settings(max_examples=25, deadline=None)
@given(docs=docs_strategy, queries=st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=4), min_size=1, max_size=8))
def test_counts_equal_naive_counting(tmp_path_factory, docs, queries) -> None:
    tmp = tmp_path_factory.mktemp("count")
    train = write_part(tmp, docs)
    _rust_sa.make(train)
    total = sum(len(b) for _, b in docs) + 3 * len(docs)
    queries = [q for q in queries if len(q) <= total]
    if not queries:
        return
    expected = [sum(1 for _, b in docs for p in range(len(b) - len(q) + 1) if b[p : p + len(q)] == q) for q in queries]
    assert _rust_sa.count_multi(train, queries).tolist() == expected
    assert _rust_sa.count(train, queries[0]) == expected[0]


@settings(max_examples=25, deadline=None)
@given(docs=docs_strategy, length=st.integers(1, 5))
def test_self_similar_equals_naive_counting(tmp_path_factory, docs, length) -> None:
    tmp = tmp_path_factory.mktemp("selfsim")
    train = write_part(tmp, docs)
    _rust_sa.make(train)
    starts = np.cumsum([0] + [len(b) + 3 for _, b in docs])[:-1] + 3
    seen: dict[tuple, list[int]] = {}
    for (_, body), s in zip(docs, starts):
        for p in range(len(body) - length + 1):
            seen.setdefault(tuple(body[p : p + length]), []).append(int(s + p))
    expected = sorted(v for v in seen.values() if len(v) >= 2)
    positions, counts = _rust_sa.self_similar(train, length=length)
    got = np.split(positions, np.cumsum(counts)[:-1]) if len(counts) else []
    assert sorted(g.tolist() for g in got) == expected
    # Written as found, to files: the same clusters in the same order.
    found = _rust_sa.write_self_similar(train, tmp / "p.npy", tmp / "c.npy", length=length)
    written = np.load(tmp / "p.npy"), np.load(tmp / "c.npy")
    assert found == (len(expected), sum(map(len, expected)))
    assert [w.dtype for w in written] == [np.uint64, np.uint64]
    assert written[0].tolist() == positions.tolist() and written[1].tolist() == counts.tolist()


# --- bad input --------------------------------------------------------------------


def test_bad_inputs_raise_value_errors(tmp_path: Path) -> None:
    train = write_part(tmp_path, [(1, [4, 5, 6]), (2, [7])])
    size = Path(f"{train}.size")
    good_size = size.read_bytes()

    train.write_bytes(train.read_bytes() + b"\x01")
    with pytest.raises(ValueError, match="not a multiple of 2"):
        _rust_sa.read_documents(train)
    train.write_bytes(train.read_bytes()[:-1])

    size.write_bytes(struct.pack("<3Q", 0, 12, 12))
    with pytest.raises(ValueError, match="must increase"):
        _rust_sa.read_documents(train)
    size.write_bytes(struct.pack("<3Q", 0, 12, 14))
    with pytest.raises(ValueError, match="ends at byte 14"):
        _rust_sa.make(train)
    size.write_bytes(struct.pack("<3Q", 0, 10, 20))
    with pytest.raises(ValueError, match="does not start with the separator"):
        _rust_sa.make(train)
    size.write_bytes(good_size)

    _rust_sa.make(train)
    with pytest.raises(ValueError, match="has 12 tokens but the part has only 10"):
        _rust_sa.count(train, [4] * 12)
    with pytest.raises(ValueError, match="above the vocabulary width"):
        _rust_sa.count_multi(train, [[4, SEP16]])
    with pytest.raises(ValueError, match="above the vocabulary width"):
        _rust_sa.count(train, [70_000])
    with pytest.raises(ValueError, match="all targets must have the same length"):
        _rust_sa.scan(train, [[4, 5], [4]])

    # Written by hand: the writer refuses ids above 2**31 - 2.
    wide = tmp_path / "wide.train"
    wide.write_bytes(np.array([_rust_sa.SEPARATOR_U32, 1, 2**31], dtype="<u4").tobytes())
    Path(f"{wide}.size").write_bytes(struct.pack("<2Q", 0, 12))
    with pytest.raises(ValueError, match="above the vocabulary width"):
        _rust_sa.read_documents(wide, token_bytes=4)

    empty = tmp_path / "empty.train"
    empty.write_bytes(b"")
    Path(f"{empty}.size").write_bytes(struct.pack("<Q", 0))
    with pytest.raises(ValueError, match="the part is empty"):
        _rust_sa.make(empty)

    other = write_part(tmp_path, [(1, [4, 5, 6, 9]), (2, [7])], name="other")
    with pytest.raises(ValueError, match="rebuild it with `make`"):
        _rust_sa.count(other, [4], sa=f"{train}.sa.npy")

    queries = tmp_path / "q.bin"
    queries.write_bytes(struct.pack("<I2H", 3, 4, 5))
    with pytest.raises(ValueError, match="query file is truncated"):
        _rust_sa.count_multi(train, queries)


# --- the command line ------------------------------------------------------------


def rust_sa(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "rust-sa"
    return subprocess.run([str(exe), "--quiet", *args], check=False, capture_output=True, text=True, timeout=60)


def test_cli_smoke(tmp_path: Path) -> None:
    docs, targets = generated_corpus(7, length=12)
    docs.append((99, targets[0] * 2))
    train = write_part(tmp_path, docs)
    assert rust_sa("make", str(train)).returncode == 0
    assert Path(f"{train}.sa.npy").exists()

    r = rust_sa("count", str(train), *map(str, targets[0]))
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == _rust_sa.count(train, targets[0]) >= 2

    qfile = tmp_path / "queries.bin"
    qfile.write_bytes(b"".join(struct.pack(f"<I{len(q)}H", len(q), *q) for q in targets))
    r = rust_sa("count-multi", str(train), "--queries", str(qfile), "--out", str(tmp_path / "c.npy"))
    assert r.returncode == 0, r.stderr
    assert np.load(tmp_path / "c.npy").tolist() == _rust_sa.count_multi(train, targets).tolist()

    r = rust_sa("self-similar", str(train), "--length", "12", "--out", str(tmp_path / "ss"))
    assert r.returncode == 0, r.stderr
    assert np.load(tmp_path / "ss.counts.npy").sum() == len(np.load(tmp_path / "ss.positions.npy")) > 0

    np.save(tmp_path / "targets.npy", np.array(targets, dtype=np.uint16))
    r = rust_sa("scan", str(train), "--targets", str(tmp_path / "targets.npy"), "--max-distance", "4", "--out", str(tmp_path / "hits.npy"))
    assert r.returncode == 0, r.stderr
    hits = np.load(tmp_path / "hits.npy")
    api = _rust_sa.scan(train, np.array(targets, dtype=np.uint16), max_distance=4)
    assert hits.shape == (len(api["target"]), 6)
    assert hits[:, 5].tolist() == api["distance"].tolist()

    r = rust_sa("count", str(tmp_path / "missing.train"), "1")
    assert r.returncode == 1 and "cannot read" in r.stderr
    assert rust_sa("frobnicate").returncode == 2
