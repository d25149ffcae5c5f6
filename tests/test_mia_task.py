"""task=mia on the configured model, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import compose_config

from mosaic_exp.mia.attacks import ATTACKS
from mosaic_exp.tasks.mia import mia


def test_mia_attacks_the_configured_model_by_default(smoke_root: Path, tmp_path: Path) -> None:
    cfg = compose_config(["experiment=smoke", "task=mia", f"paths.output_dir={tmp_path}"], root=smoke_root)
    results = mia(cfg)
    assert results["model_path"] == "tiny://causal_lm"
    assert set(results["attacks"]) == set(ATTACKS) and "extraction" not in results
    assert json.loads((tmp_path / "results.json").read_text())["attacks"] == results["attacks"]
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
