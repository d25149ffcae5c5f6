"""``task=inject``: canaries → fuzzy duplicates → injection into the fine-tuning books."""

from __future__ import annotations

import json
import logging

from omegaconf import DictConfig

from mosaic_exp.inject.stage import MANIFEST
from mosaic_exp.pipeline import injection_stages
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.tasks.report import log_artifacts

log = logging.getLogger(__name__)


def inject(cfg: DictConfig) -> dict[str, Artifact]:
    artifacts = injection_stages(cfg, ArtifactStore(cfg.paths.cache_dir, force=cfg.force))
    summary = json.loads((artifacts["inject"].path / MANIFEST).read_text())["summary"]
    log.info(
        "%d copies in %d books, %d token-exact after tokenizing the books",
        summary["copies"], summary["books_with_canaries"], summary["token_exact"],
    )
    log_artifacts(artifacts)
    return artifacts
