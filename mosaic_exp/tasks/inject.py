"""``task=inject``: canaries → fuzzy duplicates → injection into the fine-tuning books."""

from __future__ import annotations

from omegaconf import DictConfig

from mosaic_exp.inject.fidelity import log_summary
from mosaic_exp.inject.stage import load_injection_summary
from mosaic_exp.pipeline import injection_stages
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.tasks.report import log_artifacts


def inject(cfg: DictConfig) -> dict[str, Artifact]:
    """Builds (or reuses) the injected books and logs how many copies are token-exact in them."""
    artifacts = injection_stages(cfg, ArtifactStore(cfg.paths.cache_dir, force=cfg.force))
    log_summary(load_injection_summary(artifacts["inject"].path))
    log_artifacts(artifacts)
    return artifacts
