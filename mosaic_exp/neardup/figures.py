"""The study's figures, drawn from its tables (:mod:`mosaic_exp.neardup.curves`).

Figures are plain :class:`~matplotlib.figure.Figure` objects on an Agg canvas:
no pyplot state and no backend switched for the whole process. Each is saved
as PNG and PDF through :func:`mosaic_exp.atomic.atomic_path`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

from mosaic_exp.atomic import atomic_path
from mosaic_exp.neardup.artifacts import COMPARE, CUMULATIVE, SURVIVAL
from mosaic_exp.neardup.curves import bucket_order, series
from mosaic_exp.neardup.hits import METRICS
from mosaic_exp.neardup.sampling import RANDOM

METRIC_NAMES = {"hamming": "Hamming", "levenshtein": "Levenshtein"}
DISTANCE_LABEL = "distance to the target (tokens)"
# Round integer steps (0, 10, 20, … rather than 0, 6, 12, …).
INTEGER_STEPS = [1, 2, 5, 10]


def bucket_label(bucket: str, targets: list[dict]) -> str:
    """How a bucket reads in a legend: ``1,000 exact copies``, ``random windows``."""
    if bucket == RANDOM:
        return "random windows"
    n = sum(t["bucket"] == bucket for t in targets)
    return f"{int(bucket):,} exact copies" + (f" ({n} targets)" if n > 1 else "")


def _figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, directory: Path, name: str) -> None:
    """``NAME.png`` and ``NAME.pdf`` in ``directory``."""
    for fmt, options in (("png", {"dpi": 150}), ("pdf", {})):
        with atomic_path(directory / f"{name}.{fmt}") as tmp:
            fig.savefig(tmp, format=fmt, bbox_inches="tight", **options)


def _plain(value: float, _position: int) -> str:
    return f"{value:,.6g}"


def _count_ticks(ax: Axes) -> None:
    """Integer ticks on the x axis (distances, n) and on the y axis of counts, labelled as plain numbers.

    Within a decade, matplotlib's log locators fall back to linear ticks at
    fractions (1,002.5); counts read better whole, and 1,000 better than 10³.
    """
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=INTEGER_STEPS))
    lo, hi = ax.get_ylim()
    if 0 < lo and hi < 10 * lo:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=INTEGER_STEPS))
        ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(_plain))


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
) -> Figure:
    """One panel per metric (Hamming, Levenshtein), one curve per bucket."""
    fig = _figure((11, 4))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, metric in zip(axes, METRICS):
        for bucket in bucket_order(targets):
            x, y = series(rows, bucket, metric, x_key)
            ax.plot(x, np.where(y > 0, y, np.nan) if positive_only else y, marker=marker, markersize=3, label=bucket_label(bucket, targets))
        ax.set_yscale(yscale[0], **yscale[1])
        ax.set_title(title.format(metric=METRIC_NAMES[metric]))
        ax.set_xlabel(xlabel)
        ax.grid(True, which="both", alpha=0.3)
    for ax in axes:
        _count_ticks(ax)
    axes[0].set_ylabel(ylabel)
    # Outside the axes: curves of several buckets may run anywhere inside.
    fig.legend(*axes[0].get_legend_handles_labels(), title="targets", loc="outside right center", fontsize="small")
    fig.suptitle(suptitle)
    return fig


def plot_cumulative(rows: list[dict], targets: list[dict], directory: Path, note: str) -> None:
    """``cumulative.png/pdf``: near duplicates within each distance, per bucket, one panel per metric."""
    fig = _panels_per_metric(
        rows,
        targets,
        "distance",
        title="{metric} distance",
        xlabel=DISTANCE_LABEL,
        ylabel="near-duplicates per target within distance",
        suptitle=f"Near-duplicates of a target within each distance{note}",
        marker=".",
        positive_only=True,
        yscale=("log", {}),
    )
    save_figure(fig, directory, CUMULATIVE)


def plot_compare(rows: list[dict], targets: list[dict], bucket: str, directory: Path, note: str) -> None:
    """``hamming_vs_levenshtein.png/pdf``: both metrics for one bucket, its exact-duplicate level dashed."""
    fig = _figure((6, 4))
    ax = fig.subplots()
    for metric in METRICS:
        x, y = series(rows, bucket, metric, "distance")
        ax.plot(x, np.where(y > 0, y, np.nan), marker=".", markersize=3, label=METRIC_NAMES[metric])
    exact = np.mean([t["exact_count"] for t in targets if t["bucket"] == bucket])
    ax.axhline(exact, color="black", linestyle="--", linewidth=1, label=f"exact duplicates ({exact:,.0f})")
    ax.set_yscale("log")
    _count_ticks(ax)
    ax.set_xlabel(DISTANCE_LABEL)
    ax.set_ylabel("near-duplicates per target within distance")
    ax.set_title(f"Hamming vs Levenshtein distance: targets with {bucket_label(bucket, targets)}{note}", fontsize="medium")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    save_figure(fig, directory, COMPARE)


def plot_survival(rows: list[dict], targets: list[dict], directory: Path, note: str) -> None:
    """``ngram_survival.png/pdf``: near duplicates sharing no n-gram with their target, against n."""
    # symlog: a bucket whose near-duplicates all share short n-grams is 0 there.
    fig = _panels_per_metric(
        rows,
        targets,
        "n",
        title="{metric} near-duplicates",
        xlabel="n of the n-gram deduplication",
        ylabel="near-duplicates per target\nsharing no n-gram with it",
        suptitle=f"Near-duplicates that n-gram deduplication keeps{note}",
        marker="o",
        positive_only=False,
        yscale=("symlog", {"linthresh": 1}),
    )
    save_figure(fig, directory, SURVIVAL)
