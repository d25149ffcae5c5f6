"""Configs of the language models a run loads (target, reference, generator, MLM)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from omegaconf import MISSING

from mosaic_exp.config.ranges import bounded


class DType(str, Enum):
    """Weights' dtype when a model is loaded; ``auto`` keeps the checkpoint's."""

    auto = "auto"
    float32 = "float32"
    bfloat16 = "bfloat16"
    float16 = "float16"


@dataclass
class LMConfig:
    """A language model loaded with ``from_pretrained``.

    ``name_or_path`` is a hub id, a local directory, or ``tiny://NAME`` for a
    model of the locally built tiny world (``tiny://causal_lm``, ``tiny://mlm``).
    """

    name_or_path: str = MISSING
    tokenizer: str | None = None
    revision: str | None = None
    # HF cache to read from (and download into); None = the default HF cache.
    cache_dir: str | None = None
    dtype: DType = DType.auto
    trust_remote_code: bool = False
    # Longest context used for training and scoring; None = the model's maximum.
    max_length: int | None = bounded(None, ge=2)
    # Fine-tuning learning rate the paper used for this model (targets only).
    lr: float | None = bounded(None, gt=0)
