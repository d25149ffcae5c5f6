"""AUC and ρ tables: ρ of every fuzzy setting against the exact curve of the same model and seed.

Spreads over seeds are population standard deviations (``np.std``, as the
authors' notebook reports them), not sample ones.
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from mosaic_exp.analysis.records import EXACT, AUCRecord, family_label
from mosaic_exp.errors import UserError
from mosaic_exp.metrics.rho import rho

log = logging.getLogger(__name__)

# What a row of the AUC and rho tables is the mean over seeds of.
_GROUP = ["model", "family", "setting", "attack"]


class NoExactSweep(UserError):
    """Fuzzy runs without the exact sweep (nu = 1, 2, ...) that their rho is read from."""


def auc_table(records: Iterable[AUCRecord]) -> list[dict]:
    """Mean ± population std of the AUC over seeds per (model, family, setting, attack).

    A setting measured by one run has no spread over seeds; its row carries that
    run's 95% bootstrap interval instead (``auc_ci_low``, ``auc_ci_high``; None
    for several seeds, or a run that has none).
    """
    records = list(records)
    frame = pd.DataFrame([(r.model, r.family, r.setting, r.attack, r.auc) for r in records], columns=[*_GROUP, "auc"])
    rows = _over_seeds(frame, "auc")
    intervals = {(r.model, r.family, r.setting, r.attack): r.ci for r in records}
    for row in rows:
        ci = intervals[tuple(row[k] for k in _GROUP)] if row["seeds"] == 1 else None
        row["auc_ci_low"], row["auc_ci_high"] = ci if ci is not None else (None, None)
    return rows


def rho_table(records: Iterable[AUCRecord], attack: str = "ratio") -> list[dict]:
    """Mean ± population std of ρ over seeds per (model, fuzzy family, setting).

    A seed contributes only when the same model and seed has an exact sweep
    (ν = 1, 2, …, at least 3 points) for ``attack``.
    """
    exact: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    fuzzy: list[AUCRecord] = []
    for r in records:
        if r.attack != attack:
            continue
        if r.family == EXACT:
            exact[(r.model, r.seed)][int(r.setting)] = r.auc
        else:
            fuzzy.append(r)
    values: list[tuple[str, str, float, str, float]] = []
    skipped: dict[tuple[str, str], str] = {}
    for r in fuzzy:
        curve = exact.get((r.model, r.seed))
        if not curve:
            continue
        try:
            values.append((r.model, r.family, r.setting, attack, rho(r.auc, curve)))
        except ValueError as err:
            skipped[(r.model, r.seed)] = str(err)
    for (model, seed), reason in skipped.items():
        log.warning("model %s seed %s: no rho, the exact curve is incomplete (%s)", model, seed, reason)
    if fuzzy and not values:
        raise NoExactSweep(
            f"no fuzzy run has a complete exact sweep (nu = 1, 2, ..., at least 3) of the same model and seed for attack {attack!r}"
        )
    return _over_seeds(pd.DataFrame(values, columns=[*_GROUP, "rho"]), "rho")


def _over_seeds(frame: pd.DataFrame, value: str) -> list[dict]:
    """One row per (model, family, setting, attack), sorted: ``<value>_mean``, ``<value>_std`` (population), ``seeds``."""
    if frame.empty:
        return []
    # statistics sums exactly, so a mean does not depend on the order the runs were read in (a float sum,
    # as pandas' own mean, would); dropna=False keeps a group whatever its keys hold.
    stats = frame.groupby(_GROUP, sort=True, dropna=False)[value].agg(
        **{f"{value}_mean": statistics.mean, f"{value}_std": statistics.pstdev, "seeds": "size"}
    )
    # to_dict gives Python floats and ints, which the CSV writer prints as before (not as np.float64(...)).
    return stats.reset_index().to_dict("records")


@dataclass(frozen=True)
class SweepTable:
    """A two-way sweep of one perturbation: a family setting (rows) × the swept value (columns)."""

    name: str
    kind: str
    row: str
    column: str


SWEEP_TABLES = (
    SweepTable("insertion", "insert", "every", "n_insert"),
    SweepTable("shuffle", "shuffle", "block", "kendall_tau"),
    SweepTable("topk", "replace", "topk", "R"),
)


def sweep_table(records: Iterable[AUCRecord], rho_rows: list[dict], table: SweepTable, attack: str = "ratio") -> list[dict]:
    """AUC (and ρ where ``rho_rows`` has it) of every run of ``table.kind``, by row setting and swept value.

    ``group`` names the family without the row setting: the runs that one
    grid of rows × columns compares (e.g. the MLM strategy of a top-k sweep).
    """
    selected = [r for r in records if r.kind == table.kind and r.attack == attack and r.param(table.row) is not None]
    described = {r.family: r for r in selected}
    rho_of = {(row["model"], row["family"], row["setting"]): row for row in rho_rows}
    out = []
    for row in auc_table(selected):
        record = described[row["family"]]
        match = rho_of.get((row["model"], row["family"], row["setting"]), {})
        out.append(
            {
                "model": row["model"],
                "group": family_label(record.kind, [(k, v) for k, v in record.params if k != table.row]),
                table.row: record.param(table.row),
                table.column: row["setting"],
                "attack": attack,
                "auc_mean": row["auc_mean"],
                "auc_std": row["auc_std"],
                "seeds": row["seeds"],
                "rho_mean": match.get("rho_mean"),
                "rho_std": match.get("rho_std"),
            }
        )
    return sorted(out, key=lambda r: (r["model"], r["group"], r[table.row], r[table.column]))
