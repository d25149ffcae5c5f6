"""DDP on CPU: two gloo processes fine-tune together, rank 0 alone reports; and where DDP cannot start."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import lightning as L
import pytest
from conftest import REPO, compose_config
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import open_dict
from transformers import AutoTokenizer

from mosaic_exp.config.compose import CONF_DIR
from mosaic_exp.errors import UserError
from mosaic_exp.inject.stage import load_injected
from mosaic_exp.training.chunks import book_chunks
from mosaic_exp.training.distributed import check_process_launch

TABLE_HEADER = "attack          AUC"


def test_two_process_ddp_trains_once_and_rank_zero_writes_results(smoke_root: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MOSAIC_ROOT": str(smoke_root), "HF_HUB_OFFLINE": "1"}
    args = [
        "experiment=smoke",
        "task=train",
        "trainer=ddp_cpu",
        "trainer.enable_progress_bar=false",
        "mia.every_n_steps=5",
        f"paths.log_dir={tmp_path}",
    ]
    out = subprocess.run([sys.executable, "run.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    # Both processes ran in one run folder (Lightning pins Hydra's run dir for the second one) ...
    (run,) = (tmp_path / "train" / "runs").iterdir()
    assert (run / "train_ddp_process_1.log").is_file()
    # ... and only rank 0 wrote results and printed the table.
    assert [p.name for p in tmp_path.rglob("results.json")] == ["results.json"]
    assert out.stdout.count(TABLE_HEADER) == 1
    results = json.loads((run / "results.json").read_text())
    assert results["train"]["processes"] == 2
    # Each process took half of the chunks (DistributedSampler), so an epoch has half the steps.
    cfg = compose_config(args[:1])
    books, _ = load_injected(results["artifacts"]["inject"])
    tokenizer = AutoTokenizer.from_pretrained(results["artifacts"]["causal_lm"])
    ids = tokenizer(list(books["text"]), add_special_tokens=False)["input_ids"]
    chunks = len(book_chunks(ids, cfg.tiny_world.causal_lm.context_length, tokenizer.pad_token_id)["input_ids"])
    steps = math.ceil(math.ceil(chunks / 2) / cfg.train.batch_size)
    assert results["train"]["steps"] == steps
    expected = sorted({*range(0, steps + 1, 5), steps})
    assert [h["step"] for h in results["mia_history"]] == expected
    assert [h["step"] for h in results["validation"]["history"]] == expected
    rows = (run / "scores.jsonl").read_text().splitlines()
    assert len(rows) == cfg.canaries.n_members + cfg.canaries.n_non_members


def _ddp_trainer() -> L.Trainer:
    return L.Trainer(accelerator="cpu", devices=2, strategy="ddp", logger=False, enable_checkpointing=False)


def test_ddp_refuses_to_rerun_a_python_caller() -> None:
    with pytest.raises(UserError, match="python run.py"):
        check_process_launch(_ddp_trainer())
    check_process_launch(L.Trainer(accelerator="cpu", devices=1, logger=False))


def test_ddp_refuses_a_local_multirun_but_not_processes_started_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["paths.root_dir=."], return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.mode = RunMode.MULTIRUN
    HydraConfig.instance().set_config(cfg)
    try:
        with pytest.raises(UserError, match="multirun"):
            check_process_launch(_ddp_trainer())
        # With LOCAL_RANK set (SLURM, torchrun), Lightning starts nothing itself.
        monkeypatch.setenv("LOCAL_RANK", "0")
        check_process_launch(_ddp_trainer())
    finally:
        HydraConfig.instance().cfg = None
