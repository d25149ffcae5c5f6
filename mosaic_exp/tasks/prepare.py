"""``task=prepare``: build the corpus and, when a configured LM needs it, the tiny world."""

from __future__ import annotations

from omegaconf import DictConfig

from mosaic_exp.pipeline import prepare_stages
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.tasks.report import log_artifacts


def prepare(cfg: DictConfig) -> dict[str, Artifact]:
    """Builds or reuses every local artifact the configured models and corpus need."""
    artifacts = prepare_stages(cfg, ArtifactStore(cfg.paths.cache_dir, force=cfg.force))
    log_artifacts(artifacts)
    return artifacts
