"""task=mia on the configured model, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import compose_config

from mosaic_exp.mia.attacks import ATTACKS
from mosaic_exp.mia.tables import attack_table, extraction_table, table_text
from mosaic_exp.tasks.mia import mia

METRIC_FIELDS = {"auc", "auc_std", "auc_ci_low", "auc_ci_high", "tpr@0.1%fpr", "tpr@1%fpr", "tpr@10%fpr"}


def test_mia_attacks_the_configured_model_by_default(smoke_root: Path, tmp_path: Path) -> None:
    cfg = compose_config(["experiment=smoke", "task=mia", f"paths.output_dir={tmp_path}"], root=smoke_root)
    results = mia(cfg)
    assert results["model_path"] == "tiny://causal_lm"
    assert set(results["attacks"]) == set(ATTACKS) and "extraction" not in results
    assert json.loads((tmp_path / "results.json").read_text())["attacks"] == results["attacks"]
    for metrics in results["attacks"].values():
        assert set(metrics) == METRIC_FIELDS
        assert metrics["auc_ci_low"] <= metrics["auc_ci_high"] and metrics["auc_std"] >= 0
    rows = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert len(rows) == cfg.canaries.n_members + cfg.canaries.n_non_members


def test_mia_model_path_must_hold_a_model(smoke_root: Path, tmp_path: Path) -> None:
    cfg = compose_config(["experiment=smoke", "task=mia", f"mia.model_path={tmp_path}", f"paths.output_dir={tmp_path}"], root=smoke_root)
    with pytest.raises(FileNotFoundError, match="save_model=true"):
        mia(cfg)


def test_extraction_longer_than_the_canaries_is_refused(smoke_root: Path, tmp_path: Path) -> None:
    # Smoke canaries have 32 tokens; the paper's 50 + 50 do not fit.
    cfg = compose_config(["experiment=smoke", "task=mia", "mia.extraction=true", f"paths.output_dir={tmp_path}"], root=smoke_root)
    with pytest.raises(ValueError, match="32-token canary"):
        mia(cfg)


def test_tables_keep_their_fixed_width_layout() -> None:
    interval = {"auc_std": 0.03, "auc_ci_low": 0.512, "auc_ci_high": 0.6449}
    summary = {
        "loss": {"auc": 0.578, **interval, "tpr@0.1%fpr": 0.0, "tpr@1%fpr": 0.0, "tpr@10%fpr": 0.0},
        # mia.bootstrap=0: no interval, an empty CI cell.
        "min_k_plus": {"auc": 0.656, "auc_std": None, "auc_ci_low": None, "auc_ci_high": None}
        | {"tpr@0.1%fpr": 0.1, "tpr@1%fpr": 0.125, "tpr@10%fpr": 1.0},
    }
    assert table_text(attack_table(summary)).splitlines() == [
        "attack          AUC       95% CI  TPR@0.1%FPR  TPR@1%FPR  TPR@10%FPR",
        "loss          0.578 [0.51, 0.64]        0.000      0.000       0.000",
        "min_k_plus    0.656                     0.100      0.125       1.000",
    ]
    means = {"members": {"bleu": 0.5, "edit_similarity": 0.25}, "non_members": {"bleu": 0.0, "edit_similarity": 1.0}}
    assert table_text(extraction_table(means)).splitlines() == [
        "extraction     BLEU  edit sim.",
        "members       0.500      0.250",
        "non_members   0.000      1.000",
    ]


def test_mia_prints_the_attack_table(smoke_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cfg = compose_config(["experiment=smoke", "task=mia", f"paths.output_dir={tmp_path}"], root=smoke_root)
    results = mia(cfg)
    printed = capsys.readouterr().out
    assert table_text(attack_table(results["attacks"])) in printed
    assert printed.count("attack          AUC       95% CI  TPR@0.1%FPR  TPR@1%FPR  TPR@10%FPR") == 1
