"""``task=analyze``: AUC and ρ tables and figures from finished runs and/or the authors' published AUCs."""

from __future__ import annotations

from omegaconf import DictConfig

from mosaic_exp.analysis.report import analyze_inputs


def analyze(cfg: DictConfig) -> dict[str, list[dict]]:
    """Writes the tables (``auc.csv``, ``rho.csv``, sweep tables) and figures to the run's output folder."""
    return analyze_inputs(cfg.analysis.inputs, cfg.analysis.legacy_dir, cfg.analysis.attack, cfg.paths.output_dir)
