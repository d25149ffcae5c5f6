"""Exact counts of 100-token queries: rust_sa's open `Index` against EleutherAI's tokengrams, same tokens.

tokengrams is the baseline (`pip install -e ".[bench]"` installs it): its
`MemmapIndex` is built over the very token file of our part, and both count
the same 100-token windows drawn from document bodies (a window holds no
separator, so no count can differ by a match across a document header; the
counts are checked equal). Measured, alternating A and B, medians of
`--repeats`:

* tokengrams: `MemmapIndex.count` per query (it has no batch count), one thread;
* ours: `Index.count_multi` of all queries in one call, one thread
  (RAYON_NUM_THREADS=1 in a child process) and every core;
* the fixed cost of a `count_multi` call of one query on the open index.

Target: ours on one thread >= 2x tokengrams' queries/s; fixed cost < 5 ms.

    python benchmarks/count_vs_tokengrams.py [--tokens 100000000] [--dir /tmp/bench-count]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rust_sa_bench import sample_windows, write_corpus  # noqa: E402

from mosaic_exp import _rust_sa  # noqa: E402


def ours(index_dir: Path, queries: Path, threads: int | None) -> dict:
    """Queries/s of `Index.count_multi` and its fixed cost, in a child process with `threads` rayon threads."""
    code = f"""
import json, time, numpy as np
from mosaic_exp import _rust_sa
index = _rust_sa.Index({str(index_dir)!r}); q = np.load({str(queries)!r})
index.count_multi(q[:1000])
t = time.perf_counter(); counts = index.count_multi(q); rate = len(q) / (time.perf_counter() - t)
fixed = []
for _ in range(50):
    t = time.perf_counter(); index.count_multi(q[:1]); fixed.append(time.perf_counter() - t)
np.save({str(queries.with_suffix(".ours.npy"))!r}, counts)
print(json.dumps({{"rate": rate, "fixed_ms": 1e3 * min(fixed)}}))
"""
    env = {**os.environ, **({"RAYON_NUM_THREADS": str(threads)} if threads else {})}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def tokengrams_rate(index, queries: np.ndarray) -> tuple[float, np.ndarray]:
    rows = [q.tolist() for q in queries]
    t = time.perf_counter()
    counts = np.array([index.count(q) for q in rows], dtype=np.uint64)
    return len(rows) / (time.perf_counter() - t), counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=100_000_000)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bench-count"))
    args = ap.parse_args()
    try:
        from tokengrams import MemmapIndex
    except ImportError:
        raise SystemExit('the baseline needs tokengrams: pip install -e ".[bench]"') from None
    args.dir.mkdir(parents=True, exist_ok=True)
    train = args.dir / "zipf.train"
    if not (args.dir / "done").is_file():
        train, _ = write_corpus(args.dir, args.tokens, seed=0)
        _rust_sa.make(str(train), threads=os.cpu_count() or 1)
        MemmapIndex.build(str(train), str(args.dir / "tokengrams.idx"), vocab=2**16)
        _rust_sa.write_index(args.dir / "index", [train], token_bytes=2)
        (args.dir / "done").write_text("")
    tg = MemmapIndex(str(train), str(args.dir / "tokengrams.idx"), vocab=2**16)
    rng = np.random.default_rng(0)
    tokens = np.memmap(train, dtype="<u2", mode="r")
    queries = sample_windows(tokens, _rust_sa.read_documents(train), args.queries, rng, distinct=1)
    np.save(args.dir / "queries.npy", queries)

    runs: dict[str, list[float]] = {"tokengrams, 1 thread": [], "ours, 1 thread": [], "ours, every core": []}
    fixed = []
    for _ in range(args.repeats):
        rate, tg_counts = tokengrams_rate(tg, queries)
        runs["tokengrams, 1 thread"].append(rate)
        one = ours(args.dir / "index", args.dir / "queries.npy", threads=1)
        runs["ours, 1 thread"].append(one["rate"])
        fixed.append(one["fixed_ms"])
        runs["ours, every core"].append(ours(args.dir / "index", args.dir / "queries.npy", threads=None)["rate"])
    same = np.array_equal(np.load(args.dir / "queries.ours.npy"), tg_counts)

    base = statistics.median(runs["tokengrams, 1 thread"])
    print(f"\n{len(tokens):,} tokens, {len(queries):,} queries of 100 tokens, medians of {args.repeats}; counts equal: {same}")
    for name, rates in runs.items():
        print(f"{name:<22} {statistics.median(rates):>12,.0f} queries/s  {statistics.median(rates) / base:>6.2f}x")
    ratio = statistics.median(runs["ours, 1 thread"]) / base
    fixed_ms = statistics.median(fixed)
    print(f"fixed cost of a count_multi call on the open index: {fixed_ms:.3f} ms (target < 5 ms)")
    verdict = ratio >= 2 and fixed_ms < 5 and same
    print(f"target ours / tokengrams on one thread >= 2: {ratio:.2f}x {'PASS' if verdict else 'FAIL'}")


if __name__ == "__main__":
    main()
