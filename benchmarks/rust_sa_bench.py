"""Speed and memory of rust_sa against the issue's targets.

On a synthetic Zipf corpus (default 100 million tokens, uint16, documents of
~1,000 tokens) this measures, in one run:

* suffix-array construction (`rust-sa make`, in a child process so that its
  peak resident memory can be read) with one thread and with every core:
  tokens/s (median of `--sa-repeats` builds) and peak bytes/token, of the
  native binary and of the `rust-sa` script users run (the Python
  interpreter and the extension included);
* the near-duplicate scan with 300 targets at max distance 50: tokens/s per
  core, and the speed-up over a plain-Python reference on the same slice;
* count-multi with 100-token queries: queries/s.

    python benchmarks/rust_sa_bench.py [--tokens 100000000] [--dir /tmp/bench]

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mosaic_exp import _rust_sa

ROOT = Path(__file__).resolve().parent.parent
VOCAB = 50_000
LENGTH = 100
MAX_DISTANCE = 50


def write_corpus(path: Path, n_tokens: int, seed: int) -> tuple[Path, Path]:
    """A part of i.i.d. Zipf(1) tokens over VOCAB ids, cut into documents."""
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(1.0 / np.arange(1, VOCAB + 1))
    cdf /= cdf[-1]
    lengths = rng.integers(200, 1800, size=n_tokens // 1000 + 2)
    lengths = lengths[np.cumsum(lengths) + 3 * np.arange(1, len(lengths) + 1) <= n_tokens]
    n_docs = len(lengths)
    body = n_tokens - 3 * n_docs
    lengths[-1] += body - lengths.sum()
    tokens = np.empty(n_tokens, dtype=np.uint16)
    is_body = np.ones(n_tokens, dtype=bool)
    starts = np.concatenate([[0], np.cumsum(lengths + 3)[:-1]])
    for k in range(3):
        is_body[starts + k] = False
    chunk = 10_000_000
    draws = np.empty(body, dtype=np.uint16)
    for i in range(0, body, chunk):
        u = rng.random(min(chunk, body - i))
        draws[i : i + len(u)] = np.searchsorted(cdf, u)
    tokens[is_body] = draws
    ids = np.arange(n_docs, dtype=np.uint32)
    tokens[starts] = 0xFFFF
    tokens[starts + 1] = ids & 0xFFFF
    tokens[starts + 2] = ids >> 16
    train = path / "zipf.train"
    tokens.tofile(train)
    (2 * np.concatenate([[0], np.cumsum(lengths + 3)])).astype("<u8").tofile(path / "zipf.train.size")
    return train, path / "zipf.train.size"


def sample_windows(tokens: np.ndarray, docs: list[tuple[int, int, int]], k: int, rng, distinct: int = 50) -> np.ndarray:
    """k windows of LENGTH tokens from document bodies, each with >= `distinct` distinct tokens."""
    out = []
    while len(out) < k:
        _, s, e = docs[rng.integers(len(docs))]
        if e - s < LENGTH:
            continue
        p = rng.integers(s, e - LENGTH + 1)
        w = tokens[p : p + LENGTH]
        if len(np.unique(w)) >= distinct:
            out.append(w.copy())
    return np.stack(out)


def native_binary() -> list[str]:
    """The release binary if it can be built, else the installed script."""
    exe = ROOT / "rust_sa" / "target" / "release" / "rust-sa"
    if not exe.exists() and shutil.which("cargo"):
        subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT / "rust_sa", check=True)
    if exe.exists():
        return [str(exe)]
    return [shutil.which("rust-sa") or "rust-sa"]


def python_wrapper() -> list[str]:
    """The `rust-sa` script installed with the package: the CLI behind the Python interpreter."""
    script = Path(sys.executable).with_name("rust-sa")
    return [str(script) if script.exists() else shutil.which("rust-sa") or "rust-sa"]


def run_child(cmd: list[str]) -> tuple[float, float, int]:
    """Runs cmd; returns wall seconds, CPU seconds and the child's peak RSS in bytes."""
    # The child's peak is read from its own /proc entry just before it exits
    # (ru_maxrss of children would also count the pages of this Python
    # process that the child held between fork and exec).
    probe = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "p = subprocess.Popen(sys.argv[1:]); peak = 0\n"
        "while p.poll() is None:\n"
        '    try: peak = max(peak, int(next(l for l in open(f"/proc/{p.pid}/status") if l.startswith("VmHWM")).split()[1]))\n'
        "    except (OSError, StopIteration, ValueError): pass\n"
        "    time.sleep(0.02)\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(time.perf_counter() - t, r.ru_utime + r.ru_stime, max(peak, r.ru_maxrss)); sys.exit(p.returncode)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], check=True, capture_output=True, text=True).stdout
    wall, cpu, kib = out.split()
    return float(wall), float(cpu), int(kib) * 1024


def hamming(a, b) -> int:
    return sum(x != y for x, y in zip(a, b))


def levenshtein(a, b) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j - 1] + (x != y), prev[j] + 1, cur[j - 1] + 1)
        prev = cur
    return prev[-1]


def python_reference(body: list[int], targets: list[list[int]], d: int) -> int:
    """The plain scan: every window against every target, both metrics."""
    found = 0
    for p in range(len(body) - LENGTH + 1):
        w = body[p : p + LENGTH]
        for t in targets:
            found += hamming(w, t) <= d
            found += levenshtein(w, t) <= d
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=100_000_000)
    ap.add_argument("--targets", type=int, default=300)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--slice-windows", type=int, default=8, help="windows of the Python reference slice")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sa-repeats", type=int, default=3, help="suffix-array builds per thread count (the median is reported)")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="rust_sa_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    cores = len(os.sched_getaffinity(0))
    rng = np.random.default_rng(args.seed + 1)

    t = time.perf_counter()
    train, size = write_corpus(work, args.tokens, args.seed)
    print(f"corpus: {args.tokens:,} tokens written in {time.perf_counter() - t:.1f} s to {work}", file=sys.stderr)
    n = args.tokens

    # Other work on the machine moves single timings a lot: report the median
    # build and the load average around the measurements.
    load_start = os.getloadavg()[0]
    sa_builds = {}
    sa_file = work / "zipf.sa.npy"
    wrapped_peak = {}
    for threads in sorted({1, cores}):
        runs = []
        for _ in range(max(1, args.sa_repeats)):
            # Each build starts like a first one: replacing the previous
            # build's 400 MB file would add its deletion to the timing.
            sa_file.unlink(missing_ok=True)
            runs.append(run_child([*native_binary(), "--quiet", "--threads", str(threads), "make", str(train), "--out", str(sa_file)]))
        wall = statistics.median(r[0] for r in runs)
        sa_builds[threads] = (n / wall, statistics.median(r[1] for r in runs), max(r[2] for r in runs) / n, len(runs))
        # The whole process of the command users run: the interpreter, the extension and the build.
        sa_file.unlink(missing_ok=True)
        make = ["--quiet", "--threads", str(threads), "make", str(train), "--out", str(sa_file)]
        wrapped_peak[threads] = run_child([*python_wrapper(), *make])[2] / n
    load_end = os.getloadavg()[0]

    tokens = np.fromfile(train, dtype=np.uint16)
    docs = _rust_sa.read_documents(train, size)
    targets = sample_windows(tokens, docs, args.targets, rng)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    hits = _rust_sa.scan(train, targets, max_distance=MAX_DISTANCE)
    scan_wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    scan_cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    body_tokens = sum(e - s for _, s, e in docs)
    scan_per_core = body_tokens / scan_wall / cores
    scan_per_cpu_s = body_tokens / scan_cpu

    # The Python reference on a slice: one document of slice-windows windows,
    # holding a planted copy so that both sides find something.
    slice_body = list(map(int, targets[0][: LENGTH // 2])) + list(map(int, targets[0][LENGTH // 2 :]))
    extra = [int(x) for x in tokens[docs[0][1] : docs[0][1] + args.slice_windows - 1]]
    slice_body = slice_body[: LENGTH // 2] + extra + slice_body[LENGTH // 2 :]
    sdir = work / "slice"
    sdir.mkdir(exist_ok=True)
    stoks = np.array([0xFFFF, 0, 0, *slice_body], dtype="<u2")
    stoks.tofile(sdir / "s.train")
    np.array([0, 2 * len(stoks)], dtype="<u8").tofile(sdir / "s.train.size")
    tlist = [list(map(int, t_)) for t_ in targets]
    t = time.perf_counter()
    python_reference(slice_body, tlist, MAX_DISTANCE)
    py_time = time.perf_counter() - t
    reps = 20
    t = time.perf_counter()
    for _ in range(reps):
        _rust_sa.scan(sdir / "s.train", targets, max_distance=MAX_DISTANCE)
    rust_slice = (time.perf_counter() - t) / reps
    py_rate = len(slice_body) / py_time
    speedup_same_slice = py_time / rust_slice
    speedup_rate = scan_per_core / py_rate

    queries = np.concatenate(
        [
            sample_windows(tokens, docs, args.queries // 2, rng, distinct=1),
            np.searchsorted(np.linspace(0, 1, VOCAB), rng.random((args.queries - args.queries // 2, LENGTH))).astype(np.uint16),
        ]
    )
    t = time.perf_counter()
    counts = _rust_sa.count_multi(train, queries, sa=sa_file)
    count_time = time.perf_counter() - t
    assert (counts[: args.queries // 2] >= 1).all(), "sampled queries must occur"
    qps = args.queries / count_time

    rows = []
    for threads, (rate, cpu, bpt, k) in sa_builds.items():
        rows += [
            (
                f"SA construction, {threads} thread(s)",
                f"{rate / 1e6:.1f}M tokens/s (median of {k}; {cpu:.1f} CPU-s)",
                "10M tokens/s",
                rate / 10e6,
            ),
            (f"SA peak memory, {threads} thread(s)", f"{bpt:.2f} bytes/token", "<= 6.5 bytes/token", 6.5 / bpt),
            (
                f"SA peak memory, {threads} thread(s), rust-sa script",
                f"{wrapped_peak[threads]:.2f} bytes/token",
                "<= 6.5 bytes/token",
                6.5 / wrapped_peak[threads],
            ),
        ]
    rows += [
        (
            "scan, 300 targets, d=50",
            f"{scan_per_core / 1e6:.2f}M tokens/s/core (wall, {cores} cores)",
            "5M tokens/s/core",
            scan_per_core / 5e6,
        ),
        ("scan per CPU-second", f"{scan_per_cpu_s / 1e6:.2f}M tokens/CPU-s", "5M tokens/s/core", scan_per_cpu_s / 5e6),
        ("scan vs Python, same slice", f"{speedup_same_slice:,.0f}x ({len(slice_body)} tokens)", ">= 1,000x", speedup_same_slice / 1000),
        ("scan vs Python, throughput", f"{speedup_rate:,.0f}x (Python {py_rate:.2f} tokens/s)", ">= 1,000x", speedup_rate / 1000),
        ("count-multi, 100-token queries", f"{qps:,.0f} queries/s", "20,000 queries/s", qps / 20_000),
    ]
    print(
        f"\nrust_sa on {n:,} Zipf tokens ({len(docs):,} documents), {cores} cores; "
        f"scan kept {len(hits['target']):,} windows; scan CPU {scan_cpu:.1f} s; "
        f"load average {load_start:.1f} before the builds, {load_end:.1f} after\n"
    )
    w = max(len(r[0]) for r in rows)
    v = max(len(r[1]) for r in rows)
    print(f"{'measure':<{w}}  {'measured':<{v}}  {'target':<20}  ratio (>= 1 meets)")
    for name, val, target, ratio in rows:
        print(f"{name:<{w}}  {val:<{v}}  {target:<20}  {ratio:.2f}  {'PASS' if ratio >= 1 else 'FAIL'}")
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
