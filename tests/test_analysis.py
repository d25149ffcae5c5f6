"""AUC and ρ tables from run folders and from the original scripts' AUC files."""

from __future__ import annotations

import csv
import json
import pickle
import statistics
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import compose_config

from mosaic_exp.analysis.records import family_of, family_params, legacy_records, run_records
from mosaic_exp.analysis.tables import auc_table, rho_table
from mosaic_exp.metrics.rho import rho
from mosaic_exp.tasks.analyze import analyze

EXACT = {1: 0.55, 2: 0.62, 3: 0.68, 4: 0.73, 5: 0.80}


def _write_results(root: Path, name: str, model: str, seed: int, perturbation: dict, auc: float) -> None:
    run = root / name
    run.mkdir(parents=True)
    attacks = {"ratio": {"auc": auc, "tpr@1%fpr": 0.0, "tpr@10%fpr": 0.0}, "loss": {"auc": 0.5, "tpr@1%fpr": 0, "tpr@10%fpr": 0}}
    (run / "results.json").write_text(json.dumps({"model": model, "seed": seed, "perturbation": perturbation, "attacks": attacks}))


def _sweep(root: Path, seeds=(1, 2)) -> dict:
    fuzzy = {}
    for seed in seeds:
        shift = 0.01 * seed
        for nu, auc in EXACT.items():
            _write_results(root, f"exact_{seed}_{nu}", "m", seed, {"name": "exact", "nrep": nu}, auc + shift)
        for R, auc in {5: 0.70, 10: 0.64}.items():
            perturbation = {"name": "replace", "R": R, "strategy": "mlm", "topk": 10, "same_indices": False, "uniform_spread": False}
            _write_results(root, f"fuzzy_{seed}_{R}", "m", seed, perturbation, auc)
            fuzzy.setdefault(R, []).append(rho(auc, {nu: a + shift for nu, a in EXACT.items()}))
    return fuzzy


def test_rho_table_from_run_folders(tmp_path: Path) -> None:
    expected = _sweep(tmp_path / "sweep")
    rows = rho_table(run_records([tmp_path / "sweep"]), "ratio")
    assert [(r["family"], r["setting"], r["seeds"]) for r in rows] == [
        ("replace,strategy=mlm,topk=10,same_indices=False,uniform_spread=False", 5.0, 2),
        ("replace,strategy=mlm,topk=10,same_indices=False,uniform_spread=False", 10.0, 2),
    ]
    for row in rows:
        values = expected[int(row["setting"])]
        assert row["rho_mean"] == pytest.approx(statistics.mean(values))
        # The authors' notebook reports np.std over seeds: the population standard deviation.
        assert row["rho_std"] == pytest.approx(np.std(values))
    aucs = auc_table(run_records([tmp_path / "sweep"]))
    exact_1 = next(r for r in aucs if r["family"] == "exact" and r["setting"] == 1 and r["attack"] == "ratio")
    assert exact_1["auc_mean"] == pytest.approx(0.565) and exact_1["seeds"] == 2


def test_fuzzy_runs_need_an_exact_sweep(tmp_path: Path) -> None:
    _write_results(tmp_path, "f", "m", 1, {"name": "replace", "R": 5, "strategy": "mlm", "topk": 10}, 0.7)
    with pytest.raises(ValueError, match="complete exact sweep"):
        rho_table(run_records([tmp_path]))
    # An exact sweep with a gap gives no rho either, but names the gap in a warning.
    for nu in (1, 2, 4):
        _write_results(tmp_path, f"e{nu}", "m", 1, {"name": "exact", "nrep": nu}, 0.5 + 0.05 * nu)
    with pytest.raises(ValueError, match="complete exact sweep"):
        rho_table(run_records([tmp_path]))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no results.json below"):
        run_records([tmp_path / "empty"])
    with pytest.raises(FileNotFoundError, match="no such folder"):
        run_records([tmp_path / "missing"])


def test_family_names() -> None:
    assert family_of({"name": "exact", "nrep": 4}) == ("exact", 4.0)
    assert family_of({"name": "shuffle", "block": 5, "kendall_tau": 0.3}) == ("shuffle,block=5", 0.3)
    assert family_params({"name": "insert", "every": 5, "n_insert": 10, "seed": 3}) == ("insert", (("every", 5),))
    with pytest.raises(ValueError, match="unknown perturbation"):
        family_of({"name": "teleport"})


def _legacy_files(directory: Path) -> None:
    directory.mkdir()
    for seed in (1, 2):
        exact = defaultdict(dict, {nu: {"ratio": auc + 0.01 * seed, "minkprob": auc} for nu, auc in EXACT.items()})
        fuzzy = defaultdict(dict, {10: {"ratio": 0.64, "minkprob": 0.6}})
        (directory / f"nrep_aucs_tiny_1B_exactduplicates_tiny_seed{seed}_lr2e5.pickle").write_bytes(pickle.dumps(exact))
        name = f"R_aucs_tiny_1B_nearduplicates_diffindices_topk10_tiny_RXX_seed{seed}_lr2e5.pickle"
        (directory / name).write_bytes(pickle.dumps(fuzzy))


def test_legacy_auc_files(tmp_path: Path) -> None:
    _legacy_files(tmp_path / "aucs")
    records = legacy_records(tmp_path / "aucs")
    assert {r.model for r in records} == {"tiny_1B"}
    assert {r.attack for r in records} == {"ratio", "min_k"}
    fuzzy = next(r for r in records if r.family != "exact")
    assert (fuzzy.kind, fuzzy.param("topk"), fuzzy.param("variant")) == ("replace", 10, "diffindices")
    (row,) = rho_table(records, "ratio")
    assert row["family"] == "nearduplicates_diffindices_topk10" and row["seeds"] == 2
    expected = [rho(0.64, {nu: a + 0.01 * s for nu, a in EXACT.items()}) for s in (1, 2)]
    assert row["rho_mean"] == pytest.approx(statistics.mean(expected))


def test_legacy_names_are_checked(tmp_path: Path) -> None:
    (tmp_path / "aucs").mkdir()
    (tmp_path / "aucs" / "something.pickle").write_bytes(pickle.dumps({}))
    with pytest.raises(ValueError, match="not an AUC file name"):
        legacy_records(tmp_path / "aucs")


def test_task_analyze_writes_tables(tmp_path: Path) -> None:
    _sweep(tmp_path / "sweep")
    _legacy_files(tmp_path / "aucs")
    cfg = compose_config(
        [
            "task=analyze",
            f"analysis.inputs=[{tmp_path / 'sweep'}]",
            f"analysis.legacy_dir={tmp_path / 'aucs'}",
            f"paths.output_dir={tmp_path / 'out'}",
        ],
        root=tmp_path,
    )
    tables = analyze(cfg)
    rows = list(csv.DictReader((tmp_path / "out" / "rho.csv").open()))
    assert len(rows) == len(tables["rho"]) == 3
    assert (tmp_path / "out" / "auc.csv").is_file()
    with pytest.raises(ValueError, match="nothing to analyze"):
        analyze(compose_config(["task=analyze", f"paths.output_dir={tmp_path / 'o2'}"], root=tmp_path))


def test_a_single_run_carries_its_bootstrap_interval(tmp_path: Path) -> None:
    """One seed has no spread over seeds: its row and its error bars show the run's own 95% bootstrap CI."""
    from mosaic_exp.analysis.curves import exact_curves
    from mosaic_exp.analysis.figures import _errors

    for nu, auc in EXACT.items():
        run = tmp_path / "one" / f"exact_{nu}"
        run.mkdir(parents=True)
        attacks = {"ratio": {"auc": auc, "auc_ci_low": auc - 0.04, "auc_ci_high": auc + 0.02}}
        (run / "results.json").write_text(
            json.dumps({"model": "m", "seed": 1, "perturbation": {"name": "exact", "nrep": nu}, "attacks": attacks})
        )
    rows = auc_table(run_records([tmp_path / "one"]))
    assert all(r["auc_ci_low"] == pytest.approx(EXACT[int(r["setting"])] - 0.04) for r in rows)
    assert all(r["auc_ci_high"] == pytest.approx(EXACT[int(r["setting"])] + 0.02) for r in rows)
    low, high = _errors(exact_curves(rows)["m"].observed)
    assert low == pytest.approx([0.04] * len(EXACT)) and high == pytest.approx([0.02] * len(EXACT))
    # Two seeds: the spread over seeds, no single run's interval.
    _sweep(tmp_path / "two")
    assert all(r["auc_ci_low"] is None and r["auc_ci_high"] is None for r in auc_table(run_records([tmp_path / "two"])))
