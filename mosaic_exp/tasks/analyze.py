"""``task=analyze``: AUC and ρ tables from finished runs and/or the authors' published AUCs."""

from __future__ import annotations

import logging
from pathlib import Path

from omegaconf import DictConfig

from mosaic_exp.analysis.io import write_csv
from mosaic_exp.analysis.records import legacy_records, run_records
from mosaic_exp.analysis.tables import auc_table, rho_table

log = logging.getLogger(__name__)


def analyze(cfg: DictConfig) -> dict[str, list[dict]]:
    """Writes ``auc.csv`` and ``rho.csv`` to the run's output folder and prints ρ."""
    records = run_records(cfg.analysis.inputs) if cfg.analysis.inputs else []
    if cfg.analysis.legacy_dir:
        records += legacy_records(cfg.analysis.legacy_dir)
    if not records:
        raise ValueError("nothing to analyze: set analysis.inputs=[FOLDER, ...] and/or analysis.legacy_dir=FOLDER")
    out = Path(cfg.paths.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {"auc": auc_table(records)}
    write_csv(out / "auc.csv", tables["auc"])
    tables["rho"] = rho_table(records, cfg.analysis.attack)
    if tables["rho"]:
        write_csv(out / "rho.csv", tables["rho"])
    print(f"{'model':<16} {'family':<40} {'setting':>8} {'rho':>13} {'seeds':>5}")
    for row in tables["rho"]:
        rho = f"{row['rho_mean']:.2f} ± {row['rho_std']:.2f}"
        print(f"{row['model']:<16} {row['family']:<40} {row['setting']:>8g} {rho:>13} {row['seeds']:>5}")
    log.info("tables in %s", out)
    return tables
