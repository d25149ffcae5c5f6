"""Near-duplicate search through the suffix array (`Index.search`) against the scan.

On a synthetic Zipf corpus (default 1 billion tokens in `--parts` parts, uint16,
built with rust_sa_bench's `write_corpus`) with planted near duplicates
(`--planted` sequences of 100 tokens, each copied `--copies` times exactly and
as often again with 1-8 random edits, spread over the parts), this measures:

* the latency of `Index.search` for one 100-token query drawn at random from
  the corpus, at d=10 and d=20 (median and p95 over `--queries` queries);
* the same for the planted sequences (thousands of near copies each);
* a full scan of the index (mode="scan") for a few of the same queries at
  once, per query, and the speed-up; the hits of both must be identical.

The configurations are measured interleaved, query by query, so that other
work on the machine weighs on all of them alike. The index is kept in
`--dir` and reused when present (warm reruns).

    python benchmarks/neardup_search.py [--tokens 1000000000] [--dir /tmp/neardup_search]

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rust_sa_bench import LENGTH, VOCAB, sample_windows, write_corpus  # noqa: E402

from mosaic_exp import _rust_sa  # noqa: E402

COLUMNS = ("target", "metric", "doc_id", "offset", "position", "distance", "part")
TARGETS = {10: 0.020, 20: 0.200}  # median latency, seconds
SPEEDUP = 100.0


def zipf_tokens(rng: np.random.Generator, n: int) -> np.ndarray:
    cdf = np.cumsum(1.0 / np.arange(1, VOCAB + 1))
    return np.searchsorted(cdf / cdf[-1], rng.random(n)).astype(np.uint16)


def near_copy(rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
    """`base` with 1-8 random substitutions, insertions and deletions."""
    copy = base.tolist()
    for _ in range(int(rng.integers(1, 9))):
        kind, at = int(rng.integers(3)), int(rng.integers(len(copy)))
        if kind == 0:
            copy[at] = int(zipf_tokens(rng, 1)[0])
        elif kind == 1:
            copy.insert(at, int(zipf_tokens(rng, 1)[0]))
        else:
            del copy[at]
    return np.array(copy, dtype=np.uint16)


def plant(train: Path, size: Path, bases: np.ndarray, copies: int, rng: np.random.Generator) -> None:
    """Overwrites random document bodies of a part with `copies` exact and as many near copies of each base."""
    tokens = np.memmap(train, dtype="<u2", mode="r+")
    ends = np.fromfile(size, dtype="<u8")[1:] // 2
    starts = np.concatenate([[0], ends[:-1]]) + 3
    room = np.flatnonzero(ends - starts >= LENGTH + 20)
    chosen = rng.choice(room, size=2 * copies * len(bases), replace=False)
    for i, doc in enumerate(chosen):
        base = bases[i % len(bases)]
        seq = base if (i // len(bases)) % 2 == 0 else near_copy(rng, base)
        at = int(rng.integers(starts[doc], ends[doc] - len(seq) + 1))
        tokens[at : at + len(seq)] = seq
    tokens.flush()
    del tokens


def build(work: Path, n_tokens: int, n_parts: int, n_planted: int, copies: int, seed: int) -> tuple[Path, np.ndarray]:
    """The index folder and the planted bases; reused when `work` already holds them."""
    spec = {"tokens": n_tokens, "parts": n_parts, "planted": n_planted, "copies": copies, "seed": seed}
    done = work / "built.json"
    index = work / "index"
    if done.exists() and json.loads(done.read_text()) == spec:
        return index, np.load(work / "planted.npy")
    rng = np.random.default_rng(seed)
    bases = np.stack([zipf_tokens(rng, LENGTH) for _ in range(n_planted)])
    trains = []
    for p in range(n_parts):
        pdir = work / f"part-{p:05d}"
        pdir.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        train, size = write_corpus(pdir, n_tokens // n_parts, seed + 1 + p)
        plant(train, size, bases, max(1, copies // n_parts), rng)
        made = time.perf_counter()
        _rust_sa.make(train, threads=len(os.sched_getaffinity(0)))
        print(
            f"part {p}: {n_tokens // n_parts:,} tokens written in {made - t:.0f} s, suffix array in {time.perf_counter() - made:.0f} s",
            file=sys.stderr,
        )
        trains.append(train)
    _rust_sa.write_index(index, trains, token_bytes=2)
    np.save(work / "planted.npy", bases)
    done.write_text(json.dumps(spec))
    return index, bases


def random_queries(index: _rust_sa.Index, k: int, rng: np.random.Generator) -> np.ndarray:
    """`k` windows of LENGTH tokens drawn from random parts of the index."""
    out = []
    per_part = np.bincount(rng.integers(index.n_parts, size=k), minlength=index.n_parts)
    for train, n in zip(index.parts, per_part):
        if n:
            tokens = np.memmap(train, dtype="<u2", mode="r")
            out.append(sample_windows(tokens, _rust_sa.read_documents(train), int(n), rng))
    return np.concatenate(out)[rng.permutation(k)]


def table(result: dict) -> np.ndarray:
    return np.column_stack([result[c].astype(np.int64) for c in COLUMNS])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=1_000_000_000)
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--planted", type=int, default=4, help="planted sequences")
    ap.add_argument("--copies", type=int, default=1200, help="exact copies of each planted sequence (and as many near copies)")
    ap.add_argument("--queries", type=int, default=200, help="random queries timed")
    ap.add_argument("--scan-queries", type=int, default=3, help="random queries also scanned (plus one planted)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/neardup_search"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    cores = len(os.sched_getaffinity(0))
    index_dir, bases = build(args.dir, args.tokens, args.parts, args.planted, args.copies, args.seed)

    t = time.perf_counter()
    index = _rust_sa.Index(index_dir)
    open_s = time.perf_counter() - t
    rng = np.random.default_rng(args.seed + 100)
    queries = random_queries(index, args.queries, rng)
    for q in queries[:5]:  # warm the page cache's hot paths
        index.search(q[None], 10)

    load_start = os.getloadavg()[0]
    latency: dict[tuple[str, int], list[float]] = {}
    stats: dict[tuple[str, int], list[tuple[int, int]]] = {}
    work = [("random", q) for q in queries] + [("planted", b) for b in bases] * max(1, 20 // len(bases))
    order = rng.permutation(len(work))
    for n, i in enumerate(order):
        kind, q = work[i]
        for d in (10, 20) if n % 2 == 0 else (20, 10):
            t = time.perf_counter()
            r = index.search(q[None], d)
            latency.setdefault((kind, d), []).append(time.perf_counter() - t)
            stats.setdefault((kind, d), []).append((int(r["stats"]["fallback"][0]), int(r["stats"]["candidates"][0])))

    scanned = np.concatenate([queries[: args.scan_queries], bases[:1]])
    scan_per_query = {}
    identical = True
    for d in (10, 20):
        t = time.perf_counter()
        by_scan = index.search(scanned, d, mode="scan")
        scan_per_query[d] = (time.perf_counter() - t) / len(scanned)
        for mode in ("auto", "seeds"):
            identical &= np.array_equal(table(index.search(scanned, d, mode=mode)), table(by_scan))
    load_end = os.getloadavg()[0]

    print(
        f"\nIndex.search on {index.n_tokens:,} Zipf tokens in {index.n_parts} parts ({index.n_documents:,} documents), "
        f"{cores} cores; {len(bases)} planted sequences x {args.copies} exact + {args.copies} near copies; "
        f"index opened in {open_s:.1f} s; load average {load_start:.1f} before, {load_end:.1f} after\n"
    )
    columns = [("median ms", 10), ("p95 ms", 8), ("target ms", 10), ("scan ms/query", 14), ("speed-up", 9)]
    columns += [("fallback", 9), ("candidates", 11)]
    header = f"{'queries':<9} {'d':>3} {'n':>4} " + " ".join(f"{name:>{width}}" for name, width in columns) + "  verdict"
    print(header)
    print("-" * len(header))
    verdicts = []
    for (kind, d), times in sorted(latency.items()):
        med, p95 = statistics.median(times), float(np.percentile(times, 95))
        speedup = scan_per_query[d] / med
        fell = sum(f > 0 for f, _ in stats[(kind, d)])
        cand = statistics.mean(c for _, c in stats[(kind, d)])
        ok = med <= TARGETS[d] and speedup >= SPEEDUP
        verdicts.append(ok)
        print(
            f"{kind:<9} {d:>3} {len(times):>4} {med * 1e3:>10.2f} {p95 * 1e3:>8.2f} {TARGETS[d] * 1e3:>10.0f} "
            f"{scan_per_query[d] * 1e3:>14.0f} {speedup:>8.0f}x {fell:>9} {cand:>11.0f}  {'PASS' if ok else 'FAIL'}"
        )
    print(
        f"\nscan: {len(scanned)} queries ({args.scan_queries} random, 1 planted) scanned together, time per query; "
        f"seeds (auto and forced) and scan hits identical: {'PASS' if identical else 'FAIL'}"
    )
    print(f"targets: median <= 20 ms at d=10, <= 200 ms at d=20, each >= {SPEEDUP:.0f}x faster than the scan")
    print("overall:", "PASS" if all(verdicts) and identical else "FAIL")


if __name__ == "__main__":
    main()
