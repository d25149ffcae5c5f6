"""``task=neardup``: exact and near duplicates of target sequences in a token corpus.

Run here by default; with ``neardup.launcher`` (``slurm``) the whole study is
submitted as a chain of jobs, each of which runs :func:`run_here` on one step
(:mod:`mosaic_exp.neardup.slurm`).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from mosaic_exp.atomic import atomic_path
from mosaic_exp.neardup.artifacts import ArtifactKey, Stage
from mosaic_exp.neardup.slurm import submit_chain
from mosaic_exp.neardup.study import run_study
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.tasks.report import log_artifacts

log = logging.getLogger(__name__)


def neardup(cfg: DictConfig) -> dict[str, Any]:
    """Runs ``neardup.step`` of the study here, or submits the whole study as jobs (``neardup.launcher``)."""
    if cfg.neardup.launcher is not None:
        return submit_chain(cfg, run=run_here)
    return run_here(cfg)


def run_here(cfg: DictConfig) -> dict[str, Artifact]:
    """Runs ``neardup.step`` of the study in this process; the analysis is also copied to the run's folder."""
    artifacts = run_study(cfg, ArtifactStore(cfg.paths.cache_dir, force=cfg.force))
    log_artifacts(artifacts)
    analysis = artifacts.get(str(ArtifactKey(Stage.ANALYSIS)))
    if analysis is not None:
        out = Path(cfg.paths.output_dir) / "neardup"
        shutil.copytree(analysis.path, out, dirs_exist_ok=True, copy_function=_copy_atomic)
        log.info("figures and tables: %s", out)
    return artifacts


def _copy_atomic(src: str, dst: str) -> str:
    """One file of the copy: whole or absent, never half of it."""
    with atomic_path(dst) as tmp:
        shutil.copy2(src, tmp)
    return dst
