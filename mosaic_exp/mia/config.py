"""Config of membership inference (``conf/mia/``)."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic_exp.config.ranges import bounded


@dataclass
class MIAConfig:
    """Membership inference on the fine-tuned target."""

    batch_size: int = bounded(32, ge=1)
    # min-k and min-k%++: k tokens when >= 1, else a fraction of the tokens (paper: 20 tokens).
    k: float = bounded(20.0, gt=0)
    # Log the loss-attack AUC (and val/loss) every this many optimizer steps during training.
    every_n_steps: int = bounded(50, ge=0, hint="0 measures at the start and the end only")
    # task=mia: a saved model folder (save_model=true writes <run>/model); None = the configured `model`.
    model_path: str | None = None
    # Greedy continuation of each canary's prefix, compared with its true suffix (BLEU, edit similarity).
    extraction: bool = False
    extraction_prefix_length: int = bounded(50, ge=1)
    extraction_suffix_length: int = bounded(50, ge=1)
