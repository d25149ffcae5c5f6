"""A small planted near-duplicate study that the neardup tests share."""

from __future__ import annotations

from pathlib import Path

from conftest import compose_config

from mosaic_exp.neardup.study import build_study
from mosaic_exp.store import ArtifactStore

SMALL = [
    "task=neardup",
    "neardup.buckets=[4,16]",
    "neardup.corpus.n_documents=40",
    "neardup.corpus.document_length=600",
    "neardup.n_parts=2",
]


def run_study(root: Path, *extra: str):
    """Builds (or reuses) the small study under ``root``, with ``extra`` overrides: (study, its artifacts)."""
    cfg = compose_config([*SMALL, *extra], root=root)
    study = build_study(cfg, ArtifactStore(cfg.paths.cache_dir, force=cfg.force))
    return study, study.run()
