"""One AUC per (model, family, setting, seed, attack), from our runs or the authors' files."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mosaic_exp.errors import MissingInput, UserError, existing
from mosaic_exp.legacy import load_legacy_pickle

EXACT = "exact"
REPLACE = "replace"
Scalar = str | int | float | bool
# The authors' attack names, in ours.
_ATTACK_NAMES = {"minkprob": "min_k"}
_LEGACY_FILE = re.compile(
    r"^(?P<kind>nrep|R)_aucs_(?P<model>.+?)_(?P<what>exactduplicates|nearduplicates(?:_(?!topk)[a-z]+)*(?:_topk\d+)?)_.*_seed(?P<seed>\d+)_(?P<lr>lr[0-9a-z.+-]+)\.pickle$"
)
# Which field a sweep varies, per perturbation family; the other fields name the family.
_SWEPT = {
    "exact": "nrep",
    "replace": "R",
    "insert": "n_insert",
    "scattered": "ngram",
    "shuffle": "kendall_tau",
    "paraphrase": "n_variations",
}
_FAMILY_FIELDS = {"replace": ("strategy", "topk", "same_indices", "uniform_spread"), "insert": ("every",), "shuffle": ("block",)}


@dataclass(frozen=True)
class AUCRecord:
    """One attack's AUC for one run (or one setting of an authors' file)."""

    model: str
    # Runs with the same family differ only in the swept value `setting`.
    family: str
    setting: float
    seed: str
    attack: str
    auc: float
    # The perturbation (exact, replace, insert, ...) and the settings that make up `family`.
    kind: str = ""
    params: tuple[tuple[str, Scalar], ...] = ()
    # The run's 95% bootstrap interval of the AUC (results.json auc_ci_low/high); None when not measured.
    ci: tuple[float, float] | None = None

    def param(self, name: str) -> Scalar | None:
        """A family setting (e.g. ``every`` of an insertion sweep); None when the family lacks it."""
        return dict(self.params).get(name)


def family_label(kind: str, params: Iterable[tuple[str, Scalar]]) -> str:
    """``kind,key=value,...``: how families are named in tables."""
    return ",".join([kind, *(f"{k}={v}" for k, v in params)])


def swept_field(kind: str) -> str:
    """The perturbation field a sweep of this family varies (``nrep``, ``R``, ``n_insert``, ...)."""
    if kind not in _SWEPT:
        raise UserError(f"unknown perturbation {kind!r}; known: {sorted(_SWEPT)}")
    return _SWEPT[kind]


def family_params(perturbation: dict) -> tuple[str, tuple[tuple[str, Scalar], ...]]:
    """The perturbation's name and the settings that, with it, name its family."""
    name = perturbation["name"]
    swept_field(name)  # raises on an unknown perturbation
    return name, tuple((k, perturbation[k]) for k in _FAMILY_FIELDS.get(name, ()) if k in perturbation)


def family_of(perturbation: dict) -> tuple[str, float]:
    """The family name and the swept value of a run's perturbation settings."""
    name, params = family_params(perturbation)
    return family_label(name, params), float(perturbation[swept_field(name)])


def run_records(directories: Iterable[str | Path]) -> list[AUCRecord]:
    """Every ``results.json`` below the given folders (a sweep folder, or several)."""
    records = []
    for directory in directories:
        files = sorted(existing(directory, "analysis.inputs", "folder").rglob("results.json"))
        if not files:
            raise MissingInput(f"analysis.inputs: no results.json below {directory} (no run there has finished)")
        for file in files:
            results = _read_results(file)
            kind, params = family_params(results["perturbation"])
            family, setting = family_of(results["perturbation"])
            for attack, metrics in results["attacks"].items():
                low, high = metrics.get("auc_ci_low"), metrics.get("auc_ci_high")
                ci = None if low is None or high is None else (low, high)
                records.append(
                    AUCRecord(str(results["model"]), family, setting, str(results["seed"]), attack, metrics["auc"], kind, params, ci)
                )
    return records


def _read_results(file: Path) -> dict:
    try:
        results = json.loads(file.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(
            f"{file} is not valid JSON ({err}); runs write it atomically, so it was changed by hand or damaged: "
            "restore it, or move its run folder out of analysis.inputs"
        ) from None
    missing = [k for k in ("perturbation", "attacks", "model", "seed") if k not in results]
    if missing:
        raise UserError(f"{file} has no {', '.join(missing)}: not the results.json of a task=train run")
    return results


def legacy_records(directory: str | Path) -> list[AUCRecord]:
    """The authors' published AUC pickles (``nrep_aucs_*`` exact, ``R_aucs_*`` fuzzy)."""
    records = []
    files = sorted(existing(directory, "analysis.legacy_dir", "folder").glob("*.pickle"))
    if not files:
        raise MissingInput(f"analysis.legacy_dir={directory} holds no .pickle files")
    for file in files:
        match = _LEGACY_FILE.match(file.name)
        if match is None:
            raise UserError(
                f"{file.name}: not an AUC file name of the original scripts: expected "
                "nrep_aucs_<model>_exactduplicates_..._seed<N>_lr<LR>.pickle or R_aucs_<model>_nearduplicates_..._seed<N>_lr<LR>.pickle"
            )
        family = EXACT if match["kind"] == "nrep" else match["what"]
        kind, params = (EXACT, ()) if family == EXACT else (REPLACE, legacy_family_params(family))
        for setting, attacks in load_legacy_pickle(file).items():
            for attack, auc in attacks.items():
                value = sum(auc) / len(auc) if isinstance(auc, list) else auc
                records.append(
                    AUCRecord(
                        match["model"],
                        family,
                        float(setting),
                        f"{match['seed']}",
                        _ATTACK_NAMES.get(attack, attack),
                        float(value),
                        kind,
                        params,
                    )
                )
    return records


def legacy_family_params(what: str) -> tuple[tuple[str, Scalar], ...]:
    """The settings in an authors' family name: ``nearduplicates_diffindices_topk10`` -> (("variant", "diffindices"), ("topk", 10))."""
    words = what.split("_")[1:]
    topk = [int(w[len("topk") :]) for w in words if re.fullmatch(r"topk\d+", w)]
    variant = "_".join(w for w in words if not re.fullmatch(r"topk\d+", w))
    return ((("variant", variant),) if variant else ()) + ((("topk", topk[0]),) if topk else ())
