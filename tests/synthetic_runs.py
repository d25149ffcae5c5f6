"""Finished runs without training: ``results.json`` files whose AUCs follow a known memorization model.

The exact curve rises with ν and saturates; a fuzzy setting is worth fewer
exact copies the more it changes the canary. ``task`` is a drop-in for
``task=train`` (``task._target_=synthetic_runs.task``) so that real Hydra
multiruns finish in seconds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

REPLACE = {"name": "replace", "strategy": "mlm", "topk": 10, "same_indices": False, "uniform_spread": False}


def exact_auc(nu: float, seed: int, model: str = "") -> float:
    """φ_ν of the synthetic model: 0.5 at ν = 0, saturating towards 0.95; models and seeds shift it a little."""
    return 0.5 + 0.45 * (1.0 - math.exp(-nu / 4.0)) - 0.03 * (sum(map(ord, model)) % 3) + 0.004 * (seed % 5)


def worth(perturbation: dict) -> float:
    """How many exact copies the synthetic model counts a setting as (1 = only the reference counts)."""
    name = perturbation["name"]
    if name == "exact":
        return float(perturbation["nrep"])
    if name == "replace":
        return 1.0 + 9.0 * math.exp(-perturbation["R"] / (2.0 * perturbation["topk"] + 10.0))
    if name == "insert":
        return 1.0 + 9.0 * math.exp(-perturbation["n_insert"] / perturbation["every"])
    if name == "shuffle":
        return 1.0 + 9.0 * (1.0 - perturbation["kendall_tau"]) * perturbation["block"] / 10.0
    raise ValueError(f"no synthetic AUC for perturbation {name!r}")


def results(model: str, seed: int, perturbation: dict) -> dict:
    """The parts of ``results.json`` that the analysis reads; the loss attack is a flat 0.5."""
    auc = exact_auc(worth(perturbation), seed, model)
    attacks = {"ratio": auc, "loss": 0.5}
    return {
        "model": model,
        "seed": seed,
        "perturbation": perturbation,
        "attacks": {a: {"auc": v, "tpr@1%fpr": 0.0, "tpr@10%fpr": 0.0} for a, v in attacks.items()},
    }


def write_run(folder: Path, model: str, seed: int, perturbation: dict) -> None:
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(results(model, seed, perturbation)))


def write_sweep(root: Path, models=("m1", "m2"), seeds=(1, 2), exact=range(1, 11), fuzzy=True, tables=True) -> None:
    """Exact runs ν = ``exact``; fuzzy MLM runs (top-1 and top-10) over R; insertion and shuffle grids."""
    settings = [{"name": "exact", "nrep": nu} for nu in exact]
    if fuzzy:
        settings += [{**REPLACE, "topk": k, "R": r} for k in (1, 10) for r in (1, 5, 10, 20, 50, 75)]
    if tables:
        settings += [{"name": "insert", "every": n, "n_insert": x} for n in (5, 10) for x in (1, 5, 10)]
        settings += [{"name": "shuffle", "block": b, "kendall_tau": t} for b in (2, 5) for t in (0.1, 0.5, 0.9)]
    for model in models:
        for seed in seeds:
            for i, perturbation in enumerate(settings):
                write_run(root / f"{model}_{seed}_{i}", model, seed, perturbation)


def task(cfg: DictConfig) -> dict:
    """Writes the synthetic ``results.json`` of this config's model, seed and perturbation."""
    perturbation = OmegaConf.to_container(cfg.perturbation, resolve=True, enum_to_str=True)
    out = Path(cfg.paths.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    payload = results(cfg.model.name_or_path, cfg.seed, perturbation)
    (out / "results.json").write_text(json.dumps(payload))
    return payload
