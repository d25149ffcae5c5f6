"""rust_sa on real text: the Linux kernel sources, beside the synthetic benchmarks.

Prepares the corpus once (`linux_corpus.py`: Debian's `linux-source`, a
locally trained byte-level BPE, the study's `text_dir` corpus into parts and
their suffix arrays), then measures on it, in one run:

* build: tokenizing (MB/s on a sample of files) and `make` (tokens/s of a
  suffix array written to a scratch file);
* memory: peak resident bytes/token of `rust-sa make` (every core) and of
  `rust-sa self-similar --length 100` on part 0, each a whole process of the
  `rust-sa` script users run (interpreter and extension included);
* count: `Index.count_multi` of 100-token windows, queries/s, and the fixed
  cost of a call on the open index;
* search: `Index.search` latency (median, p95) at d=10 and d=20 for 100-token
  windows drawn from the files, and for windows that start at the GPL licence
  text (thousands of near copies: boilerplate must not make every query fall
  back to a scan), with how many queries fell back;
* scan: the full scan of the index for a few of the same queries (per query),
  the speed-up, and that seeds and scan give identical hits.

    apt-get install linux-source-6.1        # once, on the benchmark's machine
    python benchmarks/neardup_linux.py [--dir /tmp/linux-bench] [--queries 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from linux_corpus import GLOB, prepare  # noqa: E402
from neardup_search import SPEEDUP, TARGETS, random_queries, table  # noqa: E402
from rust_sa_bench import LENGTH, python_wrapper, run_child  # noqa: E402

from mosaic_exp import _rust_sa  # noqa: E402
from mosaic_exp.neardup.tokenizing import load_tokenizer  # noqa: E402

# Peak resident bytes per token of make and self-similar.
MEMORY = 6.5
LICENCE = "This program is free software; you can redistribute it and/or modify"


def tokenize_rate(src: Path, tokenizer, sample_bytes: int = 20_000_000) -> float:
    """MB/s of the tokenizer on the first `sample_bytes` of files (path order), one batch call per 256 files."""
    texts, total = [], 0
    for path in sorted(src.glob(GLOB)):
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
        total += len(texts[-1].encode())
        if total >= sample_bytes:
            break
    start = time.perf_counter()
    for i in range(0, len(texts), 256):
        tokenizer(texts[i : i + 256], add_special_tokens=False, return_attention_mask=False)
    return total / 1e6 / (time.perf_counter() - start)


def make_rate(part) -> float:
    """Tokens/s of building the part's suffix array again (into a scratch file, then removed)."""
    scratch = part.train.parent / "scratch.sa.npy"
    start = time.perf_counter()
    _rust_sa.make(str(part.train), out=str(scratch), token_bytes=part.token_bytes, threads=os.cpu_count() or 1)
    seconds = time.perf_counter() - start
    scratch.unlink()
    return part.n_tokens / seconds


def peak_bytes_per_token(part, scratch: Path) -> dict[str, float]:
    """Peak resident bytes/token of `make` and `self-similar` on `part`, each run as a `rust-sa` process."""
    cores = str(len(os.sched_getaffinity(0)))
    commands = {
        "make": ["make", str(part.train), "--out", str(scratch / "scratch.sa.npy")],
        "self-similar": ["self-similar", str(part.train), "--length", str(LENGTH), "--out", str(scratch / "scratch")],
    }
    peaks = {name: run_child([*python_wrapper(), "--quiet", "--threads", cores, *cmd])[2] / part.n_tokens for name, cmd in commands.items()}
    for leftover in scratch.glob("scratch*.npy"):
        leftover.unlink()
    return peaks


def licence_queries(src: Path, tokenizer, k: int, rng: np.random.Generator) -> np.ndarray:
    """`k` windows of LENGTH tokens starting at the GPL licence text, from files drawn at random."""
    files = sorted(src.glob(GLOB))
    out = []
    for i in rng.permutation(len(files)):
        text = files[i].read_text(encoding="utf-8", errors="replace")
        at = text.find(LICENCE)
        if at < 0:
            continue
        ids = tokenizer(text[at:], add_special_tokens=False)["input_ids"]
        if len(ids) >= LENGTH:
            out.append(ids[:LENGTH])
        if len(out) == k:
            break
    return np.asarray(out, dtype=np.uint16)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/linux-bench"))
    ap.add_argument("--parts", type=int, default=2)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--scan-queries", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    src, tokenizer_dir, parts = prepare(args.dir, args.parts)
    tokenizer = load_tokenizer(str(tokenizer_dir))
    index_dir = args.dir / "index"
    _rust_sa.write_index(index_dir, [p.train for p in parts], token_bytes=2, tokenizer=str(tokenizer_dir))
    start = time.perf_counter()
    index = _rust_sa.Index(index_dir)
    open_s = time.perf_counter() - start
    rng = np.random.default_rng(args.seed)
    queries = random_queries(index, args.queries, rng)
    licence = licence_queries(src, tokenizer, max(4, args.queries // 10), rng)

    build = {"tokenize MB/s": tokenize_rate(src, tokenizer), "make Mtokens/s": make_rate(parts[0]) / 1e6}
    memory = peak_bytes_per_token(parts[0], args.dir)
    index.count_multi(queries[:1])
    fixed = min(_timed(lambda: index.count_multi(queries[:1])) for _ in range(20))
    many = np.concatenate([queries] * max(1, 20_000 // len(queries)))
    count_rate = len(many) / _timed(lambda: index.count_multi(many))
    boiler_counts = index.count_multi(licence)

    latency: dict[tuple[str, int], list[float]] = {}
    fell: dict[tuple[str, int], int] = {}
    found: dict[tuple[str, int], list[int]] = {}
    work = [("random", q) for q in queries] + [("licence", q) for q in licence]
    for n, i in enumerate(rng.permutation(len(work))):
        kind, q = work[i]
        for d in (10, 20) if n % 2 == 0 else (20, 10):
            start = time.perf_counter()
            r = index.search(q[None], d)
            latency.setdefault((kind, d), []).append(time.perf_counter() - start)
            fell[(kind, d)] = fell.get((kind, d), 0) + int(r["stats"]["fallback"][0] > 0)
            found.setdefault((kind, d), []).append(len(r["distance"]))

    scanned = np.concatenate([queries[: args.scan_queries], licence[:1]])
    scan_per_query, identical = {}, True
    for d in (10, 20):
        start = time.perf_counter()
        by_scan = index.search(scanned, d, mode="scan")
        scan_per_query[d] = (time.perf_counter() - start) / len(scanned)
        identical &= np.array_equal(table(index.search(scanned, d)), table(by_scan))

    print(f"\nLinux 6.1 sources (*.c, *.h up to 256 KB): {index.n_tokens:,} tokens, {index.n_documents:,} files, {index.n_parts} parts;")
    print(f"{len(os.sched_getaffinity(0))} cores, index opened in {open_s * 1e3:.0f} ms, load average {os.getloadavg()[0]:.1f}")
    print(f"build: tokenize {build['tokenize MB/s']:.1f} MB/s, make {build['make Mtokens/s']:.1f} M tokens/s")
    memory_ok = all(v <= MEMORY for v in memory.values())
    print(
        f"peak memory on part 0 ({parts[0].n_tokens:,} tokens), rust-sa script, target <= {MEMORY} bytes/token: "
        + ", ".join(f"{name} {v:.2f}" for name, v in memory.items())
        + f"  {'PASS' if memory_ok else 'FAIL'}"
    )
    print(f"count-multi: {count_rate:,.0f} queries/s, fixed cost of a call {fixed * 1e3:.2f} ms;", end=" ")
    print(f"licence windows occur {int(np.median(boiler_counts)):,} times exactly (median; their near copies: hits/query below)")
    columns = (
        ("median ms", 10),
        ("p95 ms", 8),
        ("target ms", 10),
        ("scan ms/query", 14),
        ("speed-up", 9),
        ("fell back", 10),
        ("hits/query", 11),
    )
    print(f"{'queries':<9} {'d':>3} {'n':>4} " + " ".join(f"{name:>{width}}" for name, width in columns))
    verdicts = []
    for (kind, d), times in sorted(latency.items()):
        med, p95 = statistics.median(times), float(np.percentile(times, 95))
        speedup = scan_per_query[d] / med
        ok = med <= TARGETS[d] and speedup >= SPEEDUP
        verdicts.append(ok)
        print(
            f"{kind:<9} {d:>3} {len(times):>4} {med * 1e3:>10.2f} {p95 * 1e3:>8.2f} {TARGETS[d] * 1e3:>10.0f} "
            f"{scan_per_query[d] * 1e3:>14.0f} {speedup:>8.0f}x {fell[(kind, d)]:>10} "
            f"{statistics.mean(found[(kind, d)]):>11.0f}  {'PASS' if ok else 'FAIL'}"
        )
    print(f"seeds and scan hits identical: {'PASS' if identical else 'FAIL'}")
    print("overall:", "PASS" if all(verdicts) and identical and memory_ok else "FAIL")


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
