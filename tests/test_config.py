"""Every shipped config composes; bad overrides fail before any work starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONF_DIR, REPO, compose_config
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))
GROUP_OPTIONS = [
    (group, p.stem)
    for group in ["model", "reference", "generator", "mlm", "corpus", "trainer", "logger", "task", "tiny_world"]
    for p in sorted((CONF_DIR / group).glob("*.yaml"))
]


def test_experiments_exist() -> None:
    assert {"smoke", "paper"} <= set(EXPERIMENTS)


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes_and_resolves(experiment: str, tmp_path: Path) -> None:
    cfg = compose_config([f"experiment={experiment}"], root=tmp_path)
    resolved = OmegaConf.to_container(cfg, resolve=True)
    assert resolved["task"]["_target_"].startswith("mosaic_exp.tasks.")
    assert resolved["paths"]["cache_dir"] == f"{tmp_path}/cache"


# The authors' HF Trainer run: batch 2, no accumulation, weight decay 0.01, the Trainer's defaults for the rest.
PAPER_RECIPE = {
    "train.batch_size": 2,
    "train.weight_decay": 0.01,
    "train.warmup_steps": 0,
    "train.adam_beta1": 0.9,
    "train.adam_beta2": 0.999,
    "train.adam_epsilon": 1e-8,
    "train.context_length": 2048,
    "train.reduced_precision": False,
    "trainer.gradient_clip_val": 1.0,
    "trainer.max_epochs": 1,
    "trainer.accumulate_grad_batches": 1,
}


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_fine_tunes_with_the_papers_recipe(experiment: str, tmp_path: Path) -> None:
    cfg = compose_config([f"experiment={experiment}"], root=tmp_path)
    assert {key: OmegaConf.select(cfg, key) for key in PAPER_RECIPE} == PAPER_RECIPE


def test_paper_config_shows_the_recipe_and_the_sampling() -> None:
    out = subprocess.run(
        [sys.executable, "run.py", "experiment=paper", "--cfg", "job"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    job = OmegaConf.create(out)
    assert job.train.batch_size == 2 and job.trainer.gradient_clip_val == 1.0 and job.canaries.top_k == 50
    assert job.model.dtype == "float32" and job.trainer.precision == "bf16-mixed"


@pytest.mark.parametrize("group,option", GROUP_OPTIONS)
def test_every_group_option_composes(group: str, option: str, tmp_path: Path) -> None:
    cfg = compose_config([f"{group}={option}"], root=tmp_path)
    OmegaConf.to_container(cfg, resolve=True)


@pytest.mark.parametrize("launcher", ["basic", "submitit_local", "submitit_slurm", "slurm"])
def test_launchers_compose(launcher: str) -> None:
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"hydra/launcher={launcher}"], return_hydra_config=True)
    assert cfg.hydra.launcher._target_.rsplit(".", 1)[-1] in {"BasicLauncher", "LocalLauncher", "SlurmLauncher"}
    if launcher == "slurm":
        assert cfg.hydra.launcher.array_parallelism == 32


def test_shortcuts_are_top_level_and_typed(tmp_path: Path) -> None:
    cfg = compose_config(["topk=10", "temperature=0.7", "strategy=mlm_random", "lr=5e-4", "seed=3"], root=tmp_path)
    assert (cfg.topk, cfg.temperature, cfg.strategy.value, cfg.lr, cfg.seed) == (10, 0.7, "mlm_random", 5e-4, 3)


def test_lr_follows_the_model_unless_overridden(tmp_path: Path) -> None:
    assert compose_config(["model=gemma_2b"], root=tmp_path).lr == 3e-5
    assert compose_config(["model=phi_2"], root=tmp_path).lr == 6e-5
    assert compose_config(["model=phi_2", "lr=1e-4"], root=tmp_path).lr == 1e-4


@pytest.mark.parametrize(
    "override,key",
    [
        ("topk=ten", "topk"),
        ("strategy=bert", "strategy"),
        ("corpus.n_books=many", "corpus.n_books"),
        ("model.dtype=int3", "model.dtype"),
        ("tiny_world.causal_lm.hidden_size=1.5", "tiny_world.causal_lm.hidden_size"),
    ],
)
def test_bad_values_fail_while_composing(override: str, key: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigCompositionException) as err:
        compose_config([override], root=tmp_path)
    messages = f"{err.value} {err.value.__cause__}"
    assert key.rsplit(".", 1)[-1] in messages


@pytest.mark.parametrize("override", ["bogus=1", "corpus.bogus=1", "model.bogus=1", "tiny_world.tokenizer.bogus=1"])
def test_unknown_keys_fail_while_composing(override: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigCompositionException, match=override.split("=")[0]):
        compose_config([override], root=tmp_path)


def test_run_py_rejects_bad_override_before_any_work(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "run.py", "topk=ten", "experiment=smoke"],
        cwd=REPO,
        env={**__import__("os").environ, "MOSAIC_ROOT": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "topk" in result.stderr and "ten" in result.stderr
    assert not (tmp_path / "cache").exists(), "no stage may run when the config is invalid"
