"""The README's commands, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def run(args: list[str], root: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOSAIC_ROOT": str(root), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_prepare_builds_then_reuses(tmp_path: Path) -> None:
    first = run(["experiment=smoke"], tmp_path)
    assert first.returncode == 0, first.stderr
    second = run(["experiment=smoke"], tmp_path)
    assert second.returncode == 0, second.stderr
    for stage in ("corpus", "tokenizer", "causal_lm", "mlm"):
        assert f"{stage}: reusing" in second.stdout + second.stderr
        assert len(list((tmp_path / "cache" / stage).glob("*/COMPLETE.json"))) == 1
    assert "training" not in second.stdout + second.stderr
    run_dirs = list((tmp_path / "logs" / "prepare" / "runs").iterdir())
    assert len(run_dirs) == 2 and all((d / ".hydra" / "config.yaml").is_file() for d in run_dirs)


def test_print_config(tmp_path: Path) -> None:
    out = run(["--cfg", "job", "topk=7"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "topk: 7" in out.stdout and "name_or_path: tiny://causal_lm" in out.stdout


def test_submitit_local_multirun(tmp_path: Path) -> None:
    out = run(["-m", "hydra/launcher=submitit_local", "experiment=smoke", "corpus.seed=0,1"], tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr
    corpora = list((tmp_path / "cache" / "corpus").glob("*/COMPLETE.json"))
    assert len(corpora) == 2, "one corpus per seed of the sweep"
    assert len(list((tmp_path / "cache" / "mlm").glob("*/COMPLETE.json"))) == 2
