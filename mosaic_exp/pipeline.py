"""The stages of the memorization experiment, chained: each reads the artifacts of the one before.

corpus → tiny world (when a tiny:// model is configured) → canaries → variations → injected books

This is the one place that reads the whole config: it resolves the model
references once (:func:`resolve_models`) and hands every stage its own
settings, the refs it needs and the artifacts it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig

from mosaic_exp.canaries.stage import build_canaries
from mosaic_exp.data.stage import build_corpus
from mosaic_exp.inject.stage import build_injected
from mosaic_exp.models.loading import resolve_tiny_paths, uses_tiny_world
from mosaic_exp.models.ref import ModelRef
from mosaic_exp.perturb.stage import build_variations
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.world.stages import build_tiny_world


@dataclass(frozen=True)
class Models:
    """The run's language models, ``tiny://`` resolved."""

    target: ModelRef
    reference: ModelRef
    generator: ModelRef
    mlm: ModelRef


def prepare_stages(cfg: DictConfig, store: ArtifactStore) -> dict[str, Artifact]:
    """The corpus and, when needed, the tiny world."""
    artifacts = {"corpus": build_corpus(cfg.corpus, store)}
    if uses_tiny_world(cfg):
        world = build_tiny_world(cfg.tiny_world, artifacts["corpus"], store)
        artifacts.update(tokenizer=world.tokenizer, causal_lm=world.causal_lm, mlm=world.mlm)
    return artifacts


def tiny_models(artifacts: Mapping[str, Artifact]) -> dict[str, str] | None:
    """Directories that ``tiny://NAME`` stands for, if the tiny world was built."""
    if "causal_lm" not in artifacts:
        return None
    return {"causal_lm": str(artifacts["causal_lm"].path), "mlm": str(artifacts["mlm"].path)}


def resolve_models(cfg: DictConfig, tiny: Mapping[str, str] | None) -> Models:
    """The refs of ``model``, ``reference``, ``generator`` and ``mlm``; ``tiny`` is :func:`tiny_models` of the artifacts."""
    return Models(
        target=ModelRef.resolve(cfg.model, tiny, "model"),
        reference=ModelRef.resolve(cfg.reference, tiny, "reference"),
        generator=ModelRef.resolve(cfg.generator, tiny, "generator"),
        mlm=ModelRef.resolve(cfg.mlm, tiny, "mlm"),
    )


def resolve_paraphraser(cfg: DictConfig, tiny: Mapping[str, str] | None) -> Any:
    """``cfg.paraphraser`` with its ``tiny://`` model resolved, or None when there is none."""
    return None if cfg.paraphraser is None else resolve_tiny_paths(cfg.paraphraser, tiny)


def _canaries(cfg: DictConfig, store: ArtifactStore, models: Models) -> Artifact:
    # Imported canaries come from the original pickles: no generator is loaded or keyed.
    generator = None if cfg.import_legacy else models.generator
    return build_canaries(cfg.canaries, store, models.target, generator, import_legacy=cfg.import_legacy)


def canary_stages(cfg: DictConfig, store: ArtifactStore) -> dict[str, Artifact]:
    """Everything up to and including the canaries."""
    artifacts = prepare_stages(cfg, store)
    artifacts["canaries"] = _canaries(cfg, store, resolve_models(cfg, tiny_models(artifacts)))
    return artifacts


def injection_stages(cfg: DictConfig, store: ArtifactStore) -> dict[str, Artifact]:
    """Everything up to and including the injected fine-tuning books."""
    artifacts = prepare_stages(cfg, store)
    tiny = tiny_models(artifacts)
    models = resolve_models(cfg, tiny)
    artifacts["canaries"] = _canaries(cfg, store, models)
    artifacts["variations"] = build_variations(
        cfg.perturbation,
        store,
        artifacts["canaries"],
        models.target,
        models.mlm,
        resolve_paraphraser(cfg, tiny),
        import_legacy=cfg.import_legacy,
    )
    artifacts["inject"] = build_injected(cfg.inject, store, artifacts["corpus"], artifacts["variations"], models.target)
    return artifacts
