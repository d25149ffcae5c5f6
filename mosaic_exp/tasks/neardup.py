"""``task=neardup``: exact and near duplicates of target sequences in a token corpus."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from omegaconf import DictConfig

from mosaic_exp.neardup.stages import neardup_stages
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.tasks.report import log_artifacts

log = logging.getLogger(__name__)


def neardup(cfg: DictConfig) -> dict[str, Artifact]:
    """Runs ``neardup.step`` of the study; the analysis is also copied to the run's folder."""
    artifacts = neardup_stages(cfg, ArtifactStore(cfg.paths.cache_dir, force=cfg.force))
    log_artifacts(artifacts)
    if "analysis" in artifacts:
        out = Path(cfg.paths.output_dir) / "neardup"
        shutil.copytree(artifacts["analysis"].path, out, dirs_exist_ok=True)
        log.info("figures and tables: %s", out)
    return artifacts
