"""Curves and figures of the near-duplicate study, from the merged scan.

Counts are per target, averaged over the targets of a bucket, and scaled by
(all document tokens) / (scanned document tokens) when only some parts were
scanned: near-duplicates of a target are spread over the corpus like any
other text, so the scanned share of the corpus holds that share of them.
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from mosaic_exp.errors import UserError
from mosaic_exp.neardup.distance import longest_common_substring  # noqa: E402
from mosaic_exp.neardup.hits import HITS, METRICS, read_hits  # noqa: E402
from mosaic_exp.neardup.targets import RANDOM  # noqa: E402
from mosaic_exp.store import Artifact  # noqa: E402

if TYPE_CHECKING:
    from mosaic_exp.neardup.stages import Study

log = logging.getLogger(__name__)

VERSION = 1
TITLES = {"hamming": "Hamming", "levenshtein": "Levenshtein"}


def _bucket_order(targets: list[dict]) -> list[str]:
    buckets = sorted({t["bucket"] for t in targets if t["bucket"] != RANDOM}, key=int)
    return buckets + ([RANDOM] if any(t["bucket"] == RANDOM for t in targets) else [])


def _label(bucket: str, targets: list[dict]) -> str:
    if bucket == RANDOM:
        return "random"
    counts = [t["exact_count"] for t in targets if t["bucket"] == bucket]
    return f"{int(bucket):,} copies" + (f" (n={len(counts)})" if len(counts) > 1 else "")


def cumulative(hits: dict[str, np.ndarray], targets: list[dict], max_distance: int, scale: float) -> list[dict]:
    """Near-duplicates within each distance, per bucket and metric (mean per target, extrapolated)."""
    rows = []
    distances = np.arange(max_distance + 1)
    for bucket in _bucket_order(targets):
        ids = [t["target"] for t in targets if t["bucket"] == bucket]
        for metric in METRICS:
            per_target = np.zeros((len(ids), len(distances)))
            for k, t in enumerate(ids):
                d = hits["distance"][(hits["target"] == t) & (hits["metric"] == metric)]
                per_target[k] = np.searchsorted(np.sort(d), distances, side="right")
            mean = per_target.mean(axis=0)
            for dist, m in zip(distances, mean):
                rows.append(
                    {
                        "bucket": bucket,
                        "metric": metric,
                        "distance": int(dist),
                        "targets": len(ids),
                        "mean_found": float(m),
                        "extrapolated": float(m * scale),
                    }
                )
    return rows


def ngram_survival(
    hits: dict[str, np.ndarray],
    windows: np.ndarray,
    target_tokens: np.ndarray,
    targets: list[dict],
    ngram_sizes: list[int],
    scale: float,
) -> list[dict]:
    """Near-duplicates that share no n-gram with their target, i.e. survive n-gram deduplication."""
    lcs = np.zeros(len(hits["target"]), dtype=np.int64)
    for t in np.unique(hits["target"]):
        rows = np.flatnonzero(hits["target"] == t)
        lcs[rows] = longest_common_substring(windows[rows], target_tokens[t])
    out = []
    for bucket in _bucket_order(targets):
        ids = [t["target"] for t in targets if t["bucket"] == bucket]
        for metric in METRICS:
            for n in ngram_sizes:
                survivors = [np.sum((hits["target"] == t) & (hits["metric"] == metric) & (lcs < n)) for t in ids]
                m = float(np.mean(survivors)) if ids else 0.0
                out.append(
                    {"bucket": bucket, "metric": metric, "n": int(n), "targets": len(ids), "mean_found": m, "extrapolated": m * scale}
                )
    return out


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["empty"])
        writer.writeheader()
        writer.writerows(rows)


def _save(fig, directory: Path, name: str) -> None:
    fig.savefig(directory / f"{name}.png", dpi=150, bbox_inches="tight")
    fig.savefig(directory / f"{name}.pdf", bbox_inches="tight")
    plt.close(fig)


def _series(rows: list[dict], bucket: str, metric: str, x: str) -> tuple[np.ndarray, np.ndarray]:
    sel = [r for r in rows if r["bucket"] == bucket and r["metric"] == metric]
    return np.array([r[x] for r in sel]), np.array([r["extrapolated"] for r in sel])


def _panels_per_metric(
    rows: list[dict],
    targets: list[dict],
    x_key: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    suptitle: str,
    marker: str,
    positive_only: bool,
    yscale: tuple[str, dict],
    directory: Path,
    name: str,
) -> None:
    """One panel per metric (Hamming, Levenshtein), one curve per bucket."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True, layout="constrained")
    for ax, metric in zip(axes, METRICS):
        for bucket in _bucket_order(targets):
            x, y = _series(rows, bucket, metric, x_key)
            ax.plot(x, np.where(y > 0, y, np.nan) if positive_only else y, marker=marker, markersize=3, label=_label(bucket, targets))
        ax.set_yscale(yscale[0], **yscale[1])
        ax.set_title(title.format(metric=TITLES[metric]))
        ax.set_xlabel(xlabel)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel(ylabel)
    # Outside the axes: curves of several buckets may run anywhere inside.
    fig.legend(*axes[0].get_legend_handles_labels(), title="bucket", loc="outside right center", fontsize="small")
    fig.suptitle(suptitle)
    _save(fig, directory, name)


def plot_cumulative(rows: list[dict], targets: list[dict], directory: Path, note: str) -> None:
    _panels_per_metric(
        rows,
        targets,
        "distance",
        title="{metric} distance",
        xlabel="distance to the target (tokens)",
        ylabel="near-duplicates per target within distance",
        suptitle=f"Cumulative near-duplicates{note}",
        marker=".",
        positive_only=True,
        yscale=("log", {}),
        directory=directory,
        name="cumulative",
    )


def plot_compare(rows: list[dict], targets: list[dict], bucket: str, directory: Path, note: str) -> None:
    fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
    for metric in METRICS:
        x, y = _series(rows, bucket, metric, "distance")
        ax.plot(x, np.where(y > 0, y, np.nan), marker=".", markersize=3, label=TITLES[metric])
    exact = np.mean([t["exact_count"] for t in targets if t["bucket"] == bucket])
    ax.axhline(exact, color="black", linestyle="--", linewidth=1, label=f"exact duplicates ({exact:,.0f})")
    ax.set_yscale("log")
    # A narrow range on a log axis gets mantissa labels (1.02×10³); plain counts read better.
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.6g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.set_xlabel("distance to the target (tokens)")
    ax.set_ylabel("near-duplicates per target within distance")
    ax.set_title(f"Hamming vs Levenshtein, bucket {_label(bucket, targets)}{note}", fontsize="medium")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    _save(fig, directory, "hamming_vs_levenshtein")


def plot_survival(rows: list[dict], targets: list[dict], directory: Path, note: str) -> None:
    # symlog: a bucket whose near-duplicates all share short n-grams is 0 there.
    _panels_per_metric(
        rows,
        targets,
        "n",
        title="{metric} near-duplicates",
        xlabel="n of the n-gram deduplication",
        ylabel="near-duplicates per target\nsharing no n-gram with it",
        suptitle=f"Near-duplicates surviving n-gram deduplication{note}",
        marker="o",
        positive_only=False,
        yscale=("symlog", {"linthresh": 1}),
        directory=directory,
        name="ngram_survival",
    )


def build_analysis(study: Study, indexed: list[dict], chosen: Artifact, scans: dict[int, Artifact]) -> Artifact:
    """Merges the scans of every scanned part and writes CSVs, figures and ``summary.json``."""
    cfg = study.cfg
    missing = [i for i in range(study.scan_parts) if i not in scans]
    if missing:
        raise UserError(f"the analysis merges every scanned part; parts {missing} are not scanned")
    spec = {
        "version": VERSION,
        "targets": chosen.key,
        "scans": [scans[i].key for i in sorted(scans)],
        "ngram_sizes": [int(n) for n in cfg.ngram_sizes],
        "compare_bucket": cfg.compare_bucket,
    }

    def build(d: Path) -> None:
        meta = json.loads((chosen.path / "targets.json").read_text())
        targets = meta["targets"]
        target_tokens = np.load(chosen.path / "targets.npy").astype(np.int64)
        table = read_hits([scans[i].path / HITS for i in sorted(scans)])
        pq.write_table(table, d / HITS)
        hits = {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}
        scanned = sum(meta["body_tokens"][i] for i in scans)
        total = sum(meta["body_tokens"])
        scale = total / scanned
        note = "" if scale == 1 else f" (extrapolated ×{scale:.2f})"
        windows = np.zeros((len(hits["target"]), meta["length"]), dtype=np.int64)
        for i in sorted(scans):
            rows = np.flatnonzero(hits["part"] == i)
            if len(rows):
                tokens = study.part_of(indexed[i]["tokenize"]).tokens()
                windows[rows] = tokens[hits["position"][rows, None] + np.arange(meta["length"])[None, :]]

        cum = cumulative(hits, targets, int(cfg.max_distance), scale)
        surv = ngram_survival(hits, windows, target_tokens, targets, [int(n) for n in cfg.ngram_sizes], scale)
        _write_csv(d / "cumulative.csv", cum)
        _write_csv(d / "ngram_survival.csv", surv)
        buckets = [b for b in _bucket_order(targets) if b != RANDOM]
        compare = str(cfg.compare_bucket) if cfg.compare_bucket is not None else (buckets[-1] if buckets else None)
        if compare is not None and compare not in _bucket_order(targets):
            raise UserError(f"neardup.compare_bucket={compare} has no targets; buckets with targets: {buckets}")
        if compare is not None:
            _write_csv(d / "hamming_vs_levenshtein.csv", [r for r in cum if r["bucket"] == compare])
            plot_compare(cum, targets, compare, d, note)
        plot_cumulative(cum, targets, d, note)
        plot_survival(surv, targets, d, note)
        shutil.copy(chosen.path / "targets.json", d / "targets.json")
        summary = {
            "scanned_parts": sorted(scans),
            "scanned_tokens": int(scanned),
            "total_tokens": int(total),
            "scale": scale,
            "targets": len(targets),
            "hits": int(len(hits["target"])),
            "at_max_distance": {f"{r['bucket']}/{r['metric']}": r["extrapolated"] for r in cum if r["distance"] == int(cfg.max_distance)},
        }
        (d / "summary.json").write_text(json.dumps(summary, indent=1))
        log.info("near-duplicates within distance %d per target: %s", cfg.max_distance, summary["at_max_distance"])

    return study.store.build("neardup_analysis", spec, build)
