"""The whole analysis of a set of AUC records: tables (CSV, printed) and figures.

``task=analyze`` and the end-of-sweep callback both call ``analyze_inputs``,
so a sweep's own analysis and a later ``task=analyze`` of the same folder agree.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.console import Console

from mosaic_exp.analysis.console import print_grids, print_rho
from mosaic_exp.analysis.curves import equivalences, exact_curves, families_of_kind, series
from mosaic_exp.analysis.figures import file_stem, plot_auc_vs_nu, plot_equivalence, plot_rho_vs_r
from mosaic_exp.analysis.io import write_csv
from mosaic_exp.analysis.records import REPLACE, AUCRecord, legacy_records, run_records
from mosaic_exp.analysis.tables import SWEEP_TABLES, NoExactSweep, auc_table, rho_table, sweep_table
from mosaic_exp.errors import UserError

log = logging.getLogger(__name__)


def analyze_inputs(inputs: Sequence[str | Path], legacy_dir: str | Path | None, attack: str, out: str | Path) -> dict[str, list[dict]]:
    """Reads run folders (``results.json`` below them) and/or the authors' AUC pickles, then ``write_analysis``."""
    if not inputs and not legacy_dir:
        raise UserError("nothing to analyze: set analysis.inputs=[FOLDER, ...] and/or analysis.legacy_dir=FOLDER")
    records = run_records(inputs) if inputs else []
    if legacy_dir:
        records += legacy_records(legacy_dir)
    return write_analysis(records, Path(out), attack)


def write_analysis(records: list[AUCRecord], out: Path, attack: str) -> dict[str, list[dict]]:
    """Writes every table and figure the records allow to ``out`` and returns the tables.

    ``auc.csv`` is always written. ρ needs the exact sweep (ν = 1, 2, …) of the
    same model and seed; without one, everything else is written and one line
    says what ρ would need: a sweep of fuzzy runs alone is a normal sweep.
    """
    out.mkdir(parents=True, exist_ok=True)
    console = Console()
    tables = {"auc": auc_table(records)}
    write_csv(out / "auc.csv", tables["auc"])
    try:
        tables["rho"] = rho_table(records, attack)
    except NoExactSweep as err:
        tables["rho"] = []
        log.warning("no rho: %s; add one (perturbation=exact nrep=1,2,...,10 with the same model and seed) for rho", err)
    if tables["rho"]:
        write_csv(out / "rho.csv", tables["rho"])
        print_rho(tables["rho"], console)
    for table in SWEEP_TABLES:
        rows = sweep_table(records, tables["rho"], table, attack)
        if rows:
            tables[table.name] = rows
            write_csv(out / f"{table.name}.csv", rows)
            print_grids(rows, table, console)
    figures = _figures(records, tables, attack, out)
    written = sum(1 for rows in tables.values() if rows)
    log.info("analysis in %s: %d tables, %d figure files", out, written, len(figures))
    return tables


def _figures(records: list[AUCRecord], tables: dict[str, list[dict]], attack: str, out: Path) -> list[Path]:
    written: list[Path] = []
    attack_rows = [row for row in tables["auc"] if row["attack"] == attack]
    exact = exact_curves(attack_rows)
    if exact:
        written += plot_auc_vs_nu(exact, attack, out)
    for model, curve in exact.items():
        if curve.smoothed is None:
            log.warning("model %s: no smoothed exact curve, nu = %s is not 1, 2, ..., n (n >= 3)", model, curve.observed.x)
    replace = families_of_kind(records, REPLACE)
    by_model: dict[str, list] = {}
    for eq in equivalences(attack_rows, exact, replace):
        by_model.setdefault(eq.fuzzy.model, []).append(eq)
    for model, rows in by_model.items():
        written += plot_equivalence(rows, attack, out, f"nu_eq_{file_stem(model)}")
    rho = {key: s for key, s in series(tables["rho"], "rho").items() if key[1] in replace}
    if rho:
        written += plot_rho_vs_r(rho, attack, out)
    return written


def has_results(folders: Iterable[str | Path]) -> bool:
    """Whether any ``results.json`` lies below the folders (a sweep of ``task=train`` runs)."""
    return any(next(Path(f).rglob("results.json"), None) is not None for f in folders)
