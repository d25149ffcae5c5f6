"""``task=prepare``: build the corpus and, when a configured LM needs it, the tiny world."""

from __future__ import annotations

import logging

from omegaconf import DictConfig

from mosaic_exp.data.stage import build_corpus
from mosaic_exp.models.loading import uses_tiny_world
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.world import build_tiny_world

log = logging.getLogger(__name__)


def prepare(cfg: DictConfig) -> dict[str, Artifact]:
    """Builds or reuses every local artifact the configured models and corpus need."""
    store = ArtifactStore(cfg.paths.cache_dir, force=cfg.force)
    artifacts = {"corpus": build_corpus(cfg.corpus, store)}
    if uses_tiny_world(cfg):
        world = build_tiny_world(cfg, artifacts["corpus"], store)
        artifacts.update(tokenizer=world.tokenizer, causal_lm=world.causal_lm, mlm=world.mlm)
    for name, artifact in artifacts.items():
        state = "reused" if artifact.reused else "built"
        log.info("%-10s %-6s %s", name, state, artifact.path)
    return artifacts
