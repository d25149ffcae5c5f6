"""Shared fixtures: composing the real configs, and a smoke-sized tiny world."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from mosaic_exp.config import register_configs

REPO = Path(__file__).resolve().parents[1]
CONF_DIR = REPO / "conf"

# Tests never reach a hub: everything they load is built or saved locally.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("WANDB_MODE", "offline")

register_configs()

Compose = Callable[..., DictConfig]


def compose_config(overrides: Sequence[str] = (), root: Path | None = None) -> DictConfig:
    """The config ``run.py`` would see, with every path under ``root``."""
    paths = []
    if root is not None:
        paths = [f"paths.root_dir={root}", f"paths.output_dir={root}/output"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=[*paths, *overrides])


@pytest.fixture
def compose_cfg(tmp_path: Path) -> Compose:
    def _compose(*overrides: str, root: Path | None = None) -> DictConfig:
        return compose_config(overrides, root=root or tmp_path)

    return _compose


@pytest.fixture(scope="session")
def smoke_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding the smoke-sized tiny world, built once per test session."""
    from mosaic_exp.tasks.prepare import prepare

    root = tmp_path_factory.mktemp("smoke_world")
    prepare(compose_config(["experiment=smoke"], root=root))
    return root


@pytest.fixture(scope="session")
def smoke_world(smoke_root: Path) -> dict:
    """Artifacts of the smoke world (reused from the session cache)."""
    from mosaic_exp.tasks.prepare import prepare

    return prepare(compose_config(["experiment=smoke"], root=smoke_root))


@pytest.fixture(scope="session")
def smoke_models(smoke_world: dict) -> dict[str, str]:
    """``tiny://`` names of the smoke world and their directories."""
    return {"causal_lm": str(smoke_world["causal_lm"].path), "mlm": str(smoke_world["mlm"].path)}
