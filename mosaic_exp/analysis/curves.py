"""What the figures draw, computed from the AUC and ρ tables (no plotting here).

Curves are means over seeds. The ν_eq construction of a figure is therefore
drawn on the mean curves, while ``rho.csv`` averages the ρ of each seed;
the two agree closely when seeds agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from mosaic_exp.analysis.records import EXACT, AUCRecord
from mosaic_exp.metrics.rho import exact_duplicate_equivalent, smooth


@dataclass(frozen=True)
class Series:
    """Mean ± std over seeds at each swept value of one (model, family)."""

    model: str
    family: str
    x: list[float]
    mean: list[float]
    std: list[float]
    seeds: list[int]
    # Per value measured by one run: its 95% bootstrap interval of the AUC (None elsewhere).
    ci: list[tuple[float, float] | None] | None = None


@dataclass(frozen=True)
class ExactCurve:
    """φ_ν of one model: observed means and, when ν runs 1, 2, …, n (n ≥ 3), the smoothed curve ρ uses."""

    observed: Series
    smoothed: list[float] | None


@dataclass(frozen=True)
class Equivalence:
    """A fuzzy sweep carried onto the exact curve of the same model: ν_eq of every swept value."""

    fuzzy: Series
    exact: ExactCurve
    nu_eq: list[float]


def series(rows: Iterable[dict], value: str) -> dict[tuple[str, str], Series]:
    """Rows of ``auc_table`` (``value="auc"``) or ``rho_table`` (``"rho"``) as one series per (model, family)."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return {}
    # A stable sort: rows with equal settings keep their order, as the tables wrote them.
    frame = frame.sort_values("setting", kind="stable")
    return {
        (model, family): Series(
            model,
            family,
            group["setting"].tolist(),
            group[f"{value}_mean"].tolist(),
            group[f"{value}_std"].tolist(),
            group["seeds"].tolist(),
            _intervals(group, value),
        )
        for (model, family), group in frame.groupby(["model", "family"], sort=True, dropna=False)
    }


def _intervals(group: pd.DataFrame, value: str) -> list[tuple[float, float] | None] | None:
    """The rows' bootstrap intervals of ``value`` where the table has them (``auc_table`` rows)."""
    low, high = f"{value}_ci_low", f"{value}_ci_high"
    if low not in group:
        return None
    return [None if pd.isna(lo) or pd.isna(hi) else (float(lo), float(hi)) for lo, hi in zip(group[low], group[high])]


def exact_curves(auc_rows: Iterable[dict]) -> dict[str, ExactCurve]:
    """The exact-duplicate curve of every model that has exact runs."""
    curves = {}
    for (model, family), observed in series(auc_rows, "auc").items():
        if family != EXACT:
            continue
        complete = len(observed.x) >= 3 and observed.x == [float(n) for n in range(1, len(observed.x) + 1)]
        curves[model] = ExactCurve(observed, smooth(observed.mean) if complete else None)
    return curves


def equivalences(auc_rows: Iterable[dict], exact: dict[str, ExactCurve], families: Iterable[str]) -> list[Equivalence]:
    """ν_eq of every fuzzy setting of ``families`` whose model has a complete exact curve."""
    wanted = set(families)
    out = []
    for (model, family), fuzzy in series(auc_rows, "auc").items():
        curve = exact.get(model)
        if family not in wanted or curve is None or curve.smoothed is None:
            continue
        phi = dict(zip((int(n) for n in curve.observed.x), curve.observed.mean))
        out.append(Equivalence(fuzzy, curve, [exact_duplicate_equivalent(a, phi) for a in fuzzy.mean]))
    return out


def families_of_kind(records: Iterable[AUCRecord], kind: str) -> set[str]:
    """The family labels of every record of one perturbation (e.g. every ``replace`` family)."""
    return {r.family for r in records if r.kind == kind}
