"""The analysis figures (PNG and PDF): AUC vs ν, the ν_eq construction, ρ vs R.

Every function draws data computed in ``mosaic_exp.analysis.curves`` and
returns the files it wrote. Figures are built with ``matplotlib.figure.Figure``
on an Agg canvas rather than with pyplot: pyplot would pick (or need a switch
to) a GUI backend, which importing this module must never do to a process
that plots for itself, and it keeps every figure in a global registry until
closed.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from mosaic_exp.analysis.curves import Equivalence, ExactCurve, Series
from mosaic_exp.analysis.labels import family_title
from mosaic_exp.atomic import atomic_path

NU_LABEL = "ν, exact copies of each member canary"
R_LABEL = "R, tokens replaced in each fuzzy duplicate"
_FORMATS = ("png", "pdf")
_LINESTYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D")


def new_figure(figsize: tuple[float, float]) -> Figure:
    """An empty figure with constrained layout, drawn by Agg (PNG) or the PDF backend on saving."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, directory: Path, name: str) -> list[Path]:
    """Writes ``name.png`` and ``name.pdf`` atomically and returns their paths."""
    paths = []
    for fmt in _FORMATS:
        path = directory / f"{name}.{fmt}"
        # The temporary name hides the extension, so the format is given explicitly.
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=150)
        paths.append(path)
    return paths


def file_stem(text: str) -> str:
    """A file-name-safe version of a model or family name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "unnamed"


def _wrap(label: str, width: int = 60) -> str:
    # Family ids are comma-joined settings; break them between settings.
    return textwrap.fill(label.replace(",", ", "), width, break_long_words=False)


def _integer_ticks(axis: Axis) -> None:
    # ν and R count copies and tokens: a tick at 2.5 would name a run that cannot exist.
    axis.set_major_locator(MaxNLocator(integer=True))


def _errors(s: Series) -> list[float] | list[list[float]] | None:
    """Error bars: the std over seeds; for single runs, their 95% bootstrap intervals of the AUC."""
    if max(s.seeds) > 1:
        return s.std
    if s.ci and all(ci is not None for ci in s.ci):
        return [[m - ci[0] for m, ci in zip(s.mean, s.ci)], [ci[1] - m for m, ci in zip(s.mean, s.ci)]]
    return None


def _seeds_note(s: Series) -> str:
    low, high = min(s.seeds), max(s.seeds)
    if high == 1 and s.ci and all(ci is not None for ci in s.ci):
        return "1 seed, 95% bootstrap CI"
    return f"{low} seed{'s' * (high > 1)}" if low == high else f"{low}–{high} seeds"


def _colors(n: int) -> list:
    return list(matplotlib.colormaps["tab10"](np.arange(n) % 10))


def _dodge(x: list[float], index: int, count: int, span: float) -> list[float]:
    # Series sharing x values are shifted apart a little so their error bars do not hide each other.
    shift = (index - (count - 1) / 2) * 0.005 * span
    return [v + shift for v in x]


def plot_auc_vs_nu(curves: dict[str, ExactCurve], attack: str, directory: Path) -> list[Path]:
    """Observed φ_ν (mean ± std over seeds) and its 3-wide moving average, one colour per model."""
    fig = new_figure((7.5, 4.5))
    ax = fig.subplots()
    values = sorted({x for curve in curves.values() for x in curve.observed.x})
    for i, (color, (model, curve)) in enumerate(zip(_colors(len(curves)), curves.items())):
        s = curve.observed
        x = _dodge(s.x, i, len(curves), values[-1] - values[0])
        ax.errorbar(x, s.mean, yerr=_errors(s), fmt="o", color=color, markersize=4, capsize=3, label=f"{model} ({_seeds_note(s)})")
        if curve.smoothed is not None:
            ax.plot(x, curve.smoothed, color=color, linewidth=1.5)
    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="gray", marker="o", linestyle="none"), Line2D([], [], color="gray")]
    labels += ["observed (mean ± std over seeds)", "3-wide moving average"]
    fig.legend(handles, labels, loc="outside right center", fontsize="small")
    _integer_ticks(ax.xaxis)
    ax.set_xlabel(NU_LABEL)
    ax.set_ylabel(f"membership AUC ({attack} attack)")
    ax.set_title("Exact duplicates: membership AUC vs number of copies ν")
    ax.grid(True, alpha=0.3)
    return save_figure(fig, directory, "auc_vs_nu")


def plot_equivalence(rows: list[Equivalence], attack: str, directory: Path, name: str) -> list[Path]:
    """Left: AUC vs R of each fuzzy sweep; right: the smoothed exact curve, each fuzzy AUC carried across to its ν_eq.

    One row of two panels per fuzzy family; the panels of a row share the AUC axis.
    """
    fig = new_figure((12, 4.6 * len(rows)))
    axes = fig.subplots(len(rows), 2, sharey="row", squeeze=False)
    for (left, right), eq in zip(axes, rows):
        _equivalence_row(left, right, eq, attack)
    fig.suptitle(f"{rows[0].fuzzy.model}: exact-duplicate equivalent ν_eq of fuzzy duplicates", fontsize="large")
    return save_figure(fig, directory, name)


def _equivalence_row(left: Axes, right: Axes, eq: Equivalence, attack: str) -> None:
    fuzzy, exact = eq.fuzzy, eq.exact.observed
    colors = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, len(fuzzy.x)))
    nu_right = max(exact.x[-1], max(eq.nu_eq)) + 0.5
    r_right = fuzzy.x[-1] + 0.05 * (fuzzy.x[-1] - fuzzy.x[0] or 1)

    left.plot(fuzzy.x, fuzzy.mean, color="gray", linewidth=1, zorder=1)
    for color, r, auc, std, nu in zip(colors, fuzzy.x, fuzzy.mean, fuzzy.std, eq.nu_eq):
        left.errorbar([r], [auc], yerr=[std] if max(fuzzy.seeds) > 1 else None, fmt="o", color=color, capsize=3, zorder=3)
        left.hlines(auc, r, r_right, color=color, linestyle="--", linewidth=1)
        right.hlines(auc, 0.5, nu, color=color, linestyle="--", linewidth=1)
        right.vlines(nu, 0, auc, color=color, linestyle=":", linewidth=1)
        right.plot([nu], [auc], marker="D", color=color, markersize=5, linestyle="none", label=f"R = {r:g} → ν_eq = {nu:.1f}")
    left.set_xlim(right=r_right)
    _integer_ticks(left.xaxis)
    left.set_xlabel(R_LABEL)
    left.set_ylabel(f"membership AUC ({attack} attack)")
    left.set_title(f"{_wrap(family_title(fuzzy.family))}, {_seeds_note(fuzzy)}", fontsize="medium")

    right.errorbar(
        exact.x, exact.mean, yerr=_errors(exact), fmt="o", color="black", markersize=3, capsize=2, alpha=0.5, label="observed φ_ν"
    )
    right.plot(exact.x, eq.exact.smoothed, color="black", linewidth=1.5, label="3-wide moving average")
    right.set_xlim(0.5, nu_right)
    _integer_ticks(right.xaxis)
    right.set_xlabel(NU_LABEL)
    right.set_title(f"Exact duplicates, {_seeds_note(exact)}", fontsize="medium")
    right.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, fontsize="small")
    # The drop lines start at the axis; keep the data's own range rather than stretching to 0.
    low = min(min(fuzzy.mean), min(exact.mean))
    high = max(max(fuzzy.mean), max(exact.mean))
    pad = 0.05 * (high - low or 0.1)
    left.set_ylim(low - pad, high + pad)
    for ax in (left, right):
        ax.grid(True, alpha=0.3)


def plot_rho_vs_r(rho: dict[tuple[str, str], Series], attack: str, directory: Path) -> list[Path]:
    """ρ (mean ± std over seeds) against R: one colour per model, one line style per fuzzy family."""
    models = list(dict.fromkeys(model for model, _ in rho))
    families = list(dict.fromkeys(family for _, family in rho))
    common, own = _split_settings(families)
    labels = {key: f"{key[0]} ({_seeds_note(s)})" + (f", {own[key[1]]}" if len(families) > 1 else "") for key, s in rho.items()}
    # Long legend entries (families named in full) go below the plot: beside it they would squeeze the axes.
    below = max(map(len, labels.values())) > 45
    fig = new_figure((7.5, 4.5 + 0.22 * len(rho) * below))
    ax = fig.subplots()
    values = sorted({x for s in rho.values() for x in s.x})
    colors = dict(zip(models, _colors(len(models))))
    for i, ((model, family), s) in enumerate(rho.items()):
        style = families.index(family)
        ax.errorbar(
            _dodge(s.x, i, len(rho), values[-1] - values[0]),
            s.mean,
            yerr=_errors(s),
            capsize=3,
            color=colors[model],
            linestyle=_LINESTYLES[style % 4],
            marker=_MARKERS[style % 4],
            markersize=4,
            label=labels[(model, family)],
        )
    ax.axhline(0, color="black", linewidth=0.8)
    _integer_ticks(ax.xaxis)
    ax.set_xlabel(R_LABEL)
    ax.set_ylabel("ρ = (ν_eq − 1) / (ν_max − 1)")
    # A human name first; the shared settings below it say exactly which runs these are.
    title = [f"Exact-duplicate equivalent of fuzzy duplicates ({attack} attack)"]
    if common:
        title += [family_title(common), _wrap(common, 80)]
    ax.set_title("\n".join(title), fontsize="medium")
    ax.grid(True, alpha=0.3)
    fig.legend(loc="outside lower center" if below else "outside right center", fontsize="small")
    return save_figure(fig, directory, "rho_vs_R")


def _split_settings(families: list[str]) -> tuple[str, dict[str, str]]:
    """The settings all family ids share, and what is left of each id.

    Families that share nothing (e.g. ours next to the authors') are named
    in full, by their human names.
    """
    parts = {f: f.split(",") for f in families}
    common = [p for p in parts[families[0]] if all(p in other for other in parts.values())]
    if not common:
        return "", {f: family_title(f) for f in families}
    return ",".join(common), {f: ",".join(p for p in parts[f] if p not in common) or f for f in families}
