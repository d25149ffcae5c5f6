"""One AUC per (model, family, setting, seed, attack), from our runs or the authors' files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from mosaic_exp.legacy import load_legacy_pickle

EXACT = "exact"
# The authors' attack names, in ours.
_ATTACK_NAMES = {"minkprob": "min_k"}
_LEGACY_FILE = re.compile(
    r"^(?P<kind>nrep|R)_aucs_(?P<model>.+?)_(?P<what>exactduplicates|nearduplicates(?:_(?!topk)[a-z]+)*(?:_topk\d+)?)_.*_seed(?P<seed>\d+)_(?P<lr>lr[0-9a-z.]+)\.pickle$"
)
# Which field a sweep varies, per perturbation family; the other fields name the family.
_SWEPT = {"exact": "nrep", "replace": "R", "insert": "n_insert", "scattered": "ngram", "shuffle": "kendall_tau", "paraphrase": "n_variations"}
_FAMILY_FIELDS = {"replace": ("strategy", "topk", "same_indices", "uniform_spread"), "insert": ("every",), "shuffle": ("block",)}


@dataclass(frozen=True)
class AUCRecord:
    model: str
    family: str
    setting: float
    seed: str
    attack: str
    auc: float


def family_of(perturbation: dict) -> tuple[str, float]:
    """The family name and the swept value of a run's perturbation settings."""
    name = perturbation["name"]
    if name not in _SWEPT:
        raise ValueError(f"unknown perturbation {name!r} in results")
    if name == EXACT:
        return EXACT, float(perturbation["nrep"])
    extra = [f"{k}={perturbation[k]}" for k in _FAMILY_FIELDS.get(name, ()) if k in perturbation]
    return ",".join([name, *extra]), float(perturbation[_SWEPT[name]])


def run_records(directories: Iterable[str | Path]) -> list[AUCRecord]:
    """Every ``results.json`` below the given folders (a sweep folder, or several)."""
    records = []
    for directory in directories:
        files = sorted(Path(directory).expanduser().rglob("results.json"))
        if not files:
            raise FileNotFoundError(f"no results.json below {directory}")
        for file in files:
            results = json.loads(file.read_text())
            family, setting = family_of(results["perturbation"])
            for attack, metrics in results["attacks"].items():
                records.append(AUCRecord(str(results["model"]), family, setting, str(results["seed"]), attack, metrics["auc"]))
    return records


def legacy_records(directory: str | Path) -> list[AUCRecord]:
    """The authors' published AUC pickles (``nrep_aucs_*`` exact, ``R_aucs_*`` fuzzy)."""
    records = []
    files = sorted(Path(directory).expanduser().glob("*.pickle"))
    if not files:
        raise FileNotFoundError(f"no .pickle files in {directory}")
    for file in files:
        match = _LEGACY_FILE.match(file.name)
        if match is None:
            raise ValueError(f"{file.name}: not an AUC file name of the original scripts (nrep_aucs_* or R_aucs_*)")
        family = EXACT if match["kind"] == "nrep" else match["what"]
        for setting, attacks in load_legacy_pickle(file).items():
            for attack, auc in attacks.items():
                value = sum(auc) / len(auc) if isinstance(auc, list) else auc
                records.append(
                    AUCRecord(match["model"], family, float(setting), f"{match['seed']}", _ATTACK_NAMES.get(attack, attack), float(value))
                )
    return records
