"""Composing the project's config outside ``run.py`` (tests, benchmarks, notebooks)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from mosaic_exp.config.schema import register_configs

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"


def compose_config(overrides: Sequence[str] = (), root: str | Path | None = None) -> DictConfig:
    """The config ``run.py`` would see for these overrides, with every path under ``root``.

    Without ``root`` the ``paths`` group needs Hydra's runtime (``paths.output_dir``).
    """
    register_configs()
    paths = [] if root is None else [f"paths.root_dir={root}", f"paths.log_dir={root}/outputs", f"paths.output_dir={root}/output"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=[*paths, *overrides])
