"""The stages of the memorization experiment, chained: each reads the artifacts of the one before.

corpus → tiny world (when a tiny:// model is configured) → canaries → variations → injected books
"""

from __future__ import annotations

from omegaconf import DictConfig

from mosaic_exp.canaries.stage import build_canaries
from mosaic_exp.data.stage import build_corpus
from mosaic_exp.inject.stage import build_injected
from mosaic_exp.models.loading import uses_tiny_world
from mosaic_exp.perturb.stage import build_variations
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.world.stages import build_tiny_world


def prepare_stages(cfg: DictConfig, store: ArtifactStore) -> dict[str, Artifact]:
    """The corpus and, when needed, the tiny world."""
    artifacts = {"corpus": build_corpus(cfg.corpus, store)}
    if uses_tiny_world(cfg):
        world = build_tiny_world(cfg, artifacts["corpus"], store)
        artifacts.update(tokenizer=world.tokenizer, causal_lm=world.causal_lm, mlm=world.mlm)
    return artifacts


def tiny_models(artifacts: dict[str, Artifact]) -> dict[str, str] | None:
    """Directories that ``tiny://NAME`` stands for, if the tiny world was built."""
    if "causal_lm" not in artifacts:
        return None
    return {"causal_lm": str(artifacts["causal_lm"].path), "mlm": str(artifacts["mlm"].path)}


def canary_stages(cfg: DictConfig, store: ArtifactStore) -> dict[str, Artifact]:
    """Everything up to and including the canaries."""
    artifacts = prepare_stages(cfg, store)
    artifacts["canaries"] = build_canaries(cfg, store, tiny_models(artifacts))
    return artifacts


def injection_stages(cfg: DictConfig, store: ArtifactStore) -> dict[str, Artifact]:
    """Everything up to and including the injected fine-tuning books."""
    artifacts = canary_stages(cfg, store)
    models = tiny_models(artifacts)
    artifacts["variations"] = build_variations(cfg, store, artifacts["canaries"], models)
    artifacts["inject"] = build_injected(cfg, store, artifacts["corpus"], artifacts["variations"], models)
    return artifacts
