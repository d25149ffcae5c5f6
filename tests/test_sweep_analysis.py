"""The analysis at the end of a multirun, and experiment=figure1 as one multirun."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CONF_DIR, REPO
from hydra import compose, initialize_config_dir
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig
from synthetic_runs import write_sweep

from mosaic_exp.analysis.report import analyze_inputs
from mosaic_exp.analysis.sweep_callback import AnalyzeSweep

# The paper's Figure 1: nu = 1..10 exact copies, and R = 1, 5, 10, 15, 20, 25, 50, 75 replaced tokens.
PAPER_R = (1, 5, 10, 15, 20, 25, 50, 75)
FIGURE1 = {("exact", nu) for nu in range(1, 11)} | {("replace", r) for r in PAPER_R}


def _multirun_config(sweep_dir: Path, root: Path) -> DictConfig:
    """The config Hydra hands to ``on_multirun_end``: the primary config with its ``hydra`` node."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(
            "config",
            overrides=[f"paths.root_dir={root}", f"paths.log_dir={root}/outputs", f"hydra.sweep.dir={sweep_dir}"],
            return_hydra_config=True,
        )


def _analyze_sweep(sweep_dir: Path, root: Path) -> None:
    cfg = _multirun_config(sweep_dir, root)
    callback = instantiate(cfg.hydra.callbacks.analysis)
    assert isinstance(callback, AnalyzeSweep), "the callback is registered in conf/hydra/default.yaml"
    callback.on_multirun_end(config=cfg)


def test_sweep_is_analysed_like_task_analyze(tmp_path: Path) -> None:
    write_sweep(tmp_path / "sweep", models=("m1",), seeds=(1, 2), tables=False)
    _analyze_sweep(tmp_path / "sweep", tmp_path)
    out = tmp_path / "sweep" / "analysis"
    assert {"auc.csv", "rho.csv", "topk.csv", "auc_vs_nu.png", "nu_eq_m1.png", "rho_vs_R.pdf"} <= {p.name for p in out.iterdir()}
    analyze_inputs([tmp_path / "sweep"], None, "ratio", tmp_path / "by_task")
    for table in ("auc.csv", "rho.csv", "topk.csv"):
        assert (out / table).read_text() == (tmp_path / "by_task" / table).read_text()


def test_sweep_without_results_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "sweep" / "0").mkdir(parents=True)
    (tmp_path / "sweep" / "0" / "hits.parquet").write_bytes(b"")
    with caplog.at_level(logging.INFO):
        _analyze_sweep(tmp_path / "sweep", tmp_path)
    assert "no results.json, nothing to analyze" in caplog.text
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir()) == ["0"]


def test_sweep_without_exact_runs_is_analysed_cleanly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_sweep(tmp_path / "sweep", seeds=(1,), exact=(), tables=False)
    with caplog.at_level(logging.INFO):
        _analyze_sweep(tmp_path / "sweep", tmp_path)
    assert "failed" not in caplog.text and not any(r.exc_info for r in caplog.records)
    (line,) = [r.getMessage() for r in caplog.records if "no rho" in r.getMessage()]
    assert "perturbation=exact nrep=1,2" in line
    assert "sweep" in caplog.text and "analysed" in caplog.text
    assert (tmp_path / "sweep" / "analysis" / "auc.csv").is_file()


def test_failed_analysis_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch) -> None:
    write_sweep(tmp_path / "sweep", seeds=(1,), tables=False)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the analysis")

    monkeypatch.setattr("mosaic_exp.analysis.report.analyze_inputs", broken)
    _analyze_sweep(tmp_path / "sweep", tmp_path)
    assert "analysis of sweep" in caplog.text and "failed" in caplog.text and "a bug in the analysis" in caplog.text
    assert f"python run.py task=analyze 'analysis.inputs=[{tmp_path / 'sweep'}]'" in caplog.text


def _expand_multirun(overrides: list[str], root: Path) -> tuple[DictConfig, list[list[str]], Callable]:
    """The primary config of ``run.py -m OVERRIDES``, the overrides of every job the basic sweeper
    launches, and a function composing a job's config from its overrides."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        primary = loader.load_configuration(
            "config", [f"paths.root_dir={root}", f"paths.log_dir={root}/outputs", *overrides], RunMode.MULTIRUN
        )
        params = [f"{k}={v}" for k, v in primary.hydra.sweeper.params.items()]
        parsed = OverridesParser.create(config_loader=loader).parse_overrides([*params, *primary.hydra.overrides.task])
        (jobs,) = BasicSweeper.split_arguments(parsed, None)
    return primary, jobs, lambda job: loader.load_sweep_config(primary, list(job))


def _point(job: DictConfig) -> tuple[str, int]:
    p = job.perturbation
    return (p.name, p.nrep) if p.name == "exact" else (p.name, p.R)


def _run_dir(job: DictConfig) -> Path:
    return Path(job.hydra.sweep.dir) / job.hydra.sweep.subdir


def test_figure1_is_the_papers_eighteen_runs_in_fixed_folders(tmp_path: Path) -> None:
    primary, overrides, load = _expand_multirun(["experiment=figure1", "topk=5"], tmp_path)
    jobs = [load(job) for job in overrides]
    assert len(jobs) == 18 and {_point(job) for job in jobs} == FIGURE1
    assert all(job.task.name == "train" for job in jobs)
    replace = {(job.perturbation.strategy.value, job.perturbation.topk) for job in jobs if job.perturbation.name == "replace"}
    assert replace == {("mlm", 5)}
    sweep_dir = tmp_path / "outputs" / "figure1"
    assert primary.hydra.sweep.dir == str(sweep_dir)
    run_dirs = {_point(job): _run_dir(job) for job in jobs}
    assert run_dirs[("exact", 3)] == sweep_dir / "tiny" / "seed42" / "nu3"
    assert run_dirs[("replace", 75)] == sweep_dir / "tiny" / "seed42" / "R75"
    assert len(set(run_dirs.values())) == 18


def test_figure1_with_command_line_seeds(tmp_path: Path) -> None:
    primary, overrides, load = _expand_multirun(["experiment=figure1", "seed=1,2,3", "model=gpt_neo_1.3b"], tmp_path)
    points = [f"nu{nu}" for nu in range(1, 11)] + [f"R{r}" for r in PAPER_R]
    assert sorted(tuple(sorted(o for o in job if not o.startswith("paths."))) for job in overrides) == sorted(
        tuple(sorted([f"figure1={p}", "experiment=figure1", f"seed={s}", "model=gpt_neo_1.3b"])) for s in (1, 2, 3) for p in points
    )
    # Every seed's runs have their own folder, all in the one sweep folder the analysis reads.
    for job in (load(o) for o in overrides if "figure1=nu4" in o):
        assert _run_dir(job) == Path(primary.hydra.sweep.dir) / "gpt_neo_1.3b" / f"seed{job.seed}" / "nu4"


def test_figure1_multirun_ends_with_its_analysis(tmp_path: Path) -> None:
    # A real multirun of the figure1 experiment; the synthetic task stands in for training.
    env = {**os.environ, "MOSAIC_ROOT": str(tmp_path), "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    args = ["-m", "experiment=figure1", "task._target_=synthetic_runs.task", "figure1=nu1,nu2,nu3,R10", "seed=3"]
    done = subprocess.run([sys.executable, "run.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    sweep_dir = tmp_path / "outputs" / "figure1"
    runs = sorted(p.parent.relative_to(sweep_dir) for p in sweep_dir.rglob("results.json"))
    assert runs == [Path("tiny") / "seed3" / point for point in ("R10", "nu1", "nu2", "nu3")]
    rho_rows = (sweep_dir / "analysis" / "rho.csv").read_text().splitlines()
    assert len(rho_rows) == 2 and ",10.0,ratio," in rho_rows[1]
    assert (sweep_dir / "analysis" / "nu_eq_tiny_causal_lm.png").is_file()
    assert "tables and figures in" in done.stderr + done.stdout
