"""mia.attacks: a subset of the attacks runs and is reported; an unknown name is refused with the list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import compose_config

from mosaic_exp.tasks.mia import mia


def test_a_subset_of_attacks_runs(smoke_root: Path, tmp_path: Path) -> None:
    cfg = compose_config(
        ["experiment=smoke", "task=mia", "mia.attacks=[loss,recall,gradnorm]", f"paths.output_dir={tmp_path}"], root=smoke_root
    )
    results = mia(cfg)
    assert set(results["attacks"]) == {"loss", "recall", "gradnorm"}
    rows = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert {k for r in rows for k in r} == {"canary", "member", "loss", "recall", "gradnorm"}
    # ReCaLL's 2 + 2 shots are held out: unscored, and left out of its AUC.
    assert sum(r["recall"] is None for r in rows) == 4 and all(r["gradnorm"] is not None for r in rows)


def test_an_unknown_attack_is_refused(smoke_root: Path, tmp_path: Path) -> None:
    cfg = compose_config(["experiment=smoke", "task=mia", "mia.attacks=[loss,lira]", f"paths.output_dir={tmp_path}"], root=smoke_root)
    with pytest.raises(ValueError, match="no attack named lira; the attacks are loss, ratio"):
        mia(cfg)
