"""Shared fixtures: composing the real configs, and a smoke-sized tiny world."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mosaic_exp.config.compose import CONF_DIR, compose_config  # noqa: F401 (tests import it from here)
from mosaic_exp.config.schema import register_configs

REPO = Path(__file__).resolve().parents[1]

# Tests never reach a hub: everything they load is built or saved locally.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("WANDB_MODE", "offline")

register_configs()


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
