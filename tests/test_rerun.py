"""Finished runs are skipped when the same config runs into the same folder, and never overwritten by another."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import compose_config
from omegaconf import OmegaConf

from mosaic_exp.app import run_task
from mosaic_exp.rerun import ResultsConflict, finished_results


def _cfg(tmp_path: Path, *overrides: str):
    cfg = compose_config(["task=train", *overrides], root=tmp_path)
    OmegaConf.resolve(cfg)
    return cfg


def _finish(cfg, extra: dict | None = None) -> Path:
    out = Path(cfg.paths.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    path.write_text(json.dumps({"config": OmegaConf.to_container(cfg, resolve=True), **(extra or {})}))
    return path


def test_no_results_means_run(tmp_path: Path) -> None:
    assert finished_results(_cfg(tmp_path)) is None


def test_same_config_returns_the_stored_results(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, "R=5")
    _finish(cfg, {"attacks": {"ratio": {"auc": 0.75}}})
    assert finished_results(cfg)["attacks"]["ratio"]["auc"] == 0.75
    # run_task returns them without running the task (which would need a built tiny world here).
    assert run_task(compose_config(["task=train", "R=5"], root=tmp_path))["attacks"]["ratio"]["auc"] == 0.75


def test_force_reruns(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    _finish(cfg)
    assert finished_results(_cfg(tmp_path, "force=true")) is None


def test_other_config_is_refused_with_the_differences(tmp_path: Path) -> None:
    _finish(_cfg(tmp_path, "R=5"))
    with pytest.raises(ResultsConflict, match=r"R: 5 -> 20.*hydra.sweep.dir.*force=true"):
        finished_results(_cfg(tmp_path, "R=20"))


def test_damaged_results_are_refused(tmp_path: Path) -> None:
    path = _finish(_cfg(tmp_path))
    path.write_text("{not json")
    with pytest.raises(ResultsConflict, match="not valid JSON"):
        finished_results(_cfg(tmp_path))
