"""``task=canaries``: sample member and non-member canaries and report the rejections."""

from __future__ import annotations

import json
import logging

from omegaconf import DictConfig

from mosaic_exp.canaries.stage import FILE
from mosaic_exp.pipeline import canary_stages
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.tasks.report import log_artifacts

log = logging.getLogger(__name__)


def canaries(cfg: DictConfig) -> dict[str, Artifact]:
    """Builds (or reuses) the canaries and logs how many samples each set took and why the others were rejected."""
    artifacts = canary_stages(cfg, ArtifactStore(cfg.paths.cache_dir, force=cfg.force))
    data = json.loads((artifacts["canaries"].path / FILE).read_text())
    for name, report in data["report"].items():
        log.info(
            "%s: %d accepted of %d drawn (%.1f/s); rejected: %s",
            name,
            report["accepted"],
            report["drawn"],
            report["per_second"],
            ", ".join(f"{k} {v}" for k, v in report["rejected"].items()),
        )
    log_artifacts(artifacts)
    return artifacts
