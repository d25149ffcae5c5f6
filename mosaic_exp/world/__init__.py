"""The tiny world: a corpus, a BPE tokenizer and two small pretrained models, built offline."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import DictConfig

from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.world.stages import build_causal_lm, build_masked_lm, build_tokenizer


@dataclass(frozen=True)
class TinyWorld:
    tokenizer: Artifact
    causal_lm: Artifact
    mlm: Artifact



def build_tiny_world(cfg: DictConfig, corpus: Artifact, store: ArtifactStore) -> TinyWorld:
    """Builds (or reuses) the tokenizer and both tiny models for ``cfg.tiny_world``."""
    tokenizer = build_tokenizer(cfg.tiny_world, corpus, store)
    return TinyWorld(
        tokenizer=tokenizer,
        causal_lm=build_causal_lm(cfg.tiny_world, corpus, tokenizer, store),
        mlm=build_masked_lm(cfg.tiny_world, corpus, tokenizer, store),
    )
