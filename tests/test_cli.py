"""The README's commands, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def run(args: list[str], root: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOSAIC_ROOT": str(root), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "run.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def test_prepare_builds_then_reuses(tmp_path: Path) -> None:
    first = run(["experiment=smoke"], tmp_path)
    assert first.returncode == 0, first.stderr
    second = run(["experiment=smoke"], tmp_path)
    assert second.returncode == 0, second.stderr
    for stage in ("corpus", "tokenizer", "causal_lm", "mlm"):
        assert f"{stage}: reusing" in second.stdout + second.stderr
        assert len(list((tmp_path / "cache" / stage).glob("*/COMPLETE.json"))) == 1
    assert "training" not in second.stdout + second.stderr
    run_dirs = list((tmp_path / "outputs" / "prepare" / "runs").iterdir())
    assert len(run_dirs) == 2 and all((d / ".hydra" / "config.yaml").is_file() for d in run_dirs)


def test_print_config(tmp_path: Path) -> None:
    out = run(["--cfg", "job", "topk=7"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "topk: 7" in out.stdout and "name_or_path: tiny://causal_lm" in out.stdout


def test_submitit_local_sweep_trains_then_resumes(smoke_root: Path, tmp_path: Path) -> None:
    """A real 2-job training sweep through submitit; re-submitting it skips the finished runs."""
    sweep = tmp_path / "sweep"
    args = [
        "-m",
        "hydra/launcher=submitit_local",
        "experiment=smoke",
        "task=train",
        "R=2",
        "seed=1,2",
        "trainer.enable_progress_bar=false",
        f"hydra.sweep.dir={sweep}",
    ]
    out = run(args, smoke_root, timeout=600)
    assert out.returncode == 0, out.stderr
    results = [sweep / str(job) / "results.json" for job in (0, 1)]
    assert [json.loads(r.read_text())["seed"] for r in results] == [1, 2]
    written = [r.stat().st_mtime_ns for r in results]

    again = run(args, smoke_root, timeout=600)
    assert again.returncode == 0, again.stderr
    assert [r.stat().st_mtime_ns for r in results] == written, "finished runs must not train again"
    logs = "".join(p.read_text() for p in sweep.rglob("*_log.out"))
    assert logs.count("already holds the results of this config: skipped") == 2
