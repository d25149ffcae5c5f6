"""Config of membership inference (``conf/mia/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    # Stratified bootstrap resamples of the canaries for each attack's AUC std and 95% interval.
    bootstrap: int = bounded(1000, ge=0, hint="0 skips the interval (auc_std, auc_ci_low, auc_ci_high are null)")
    bootstrap_seed: int = 0
    # surp: the surprising tokens are among this fraction of least likely tokens and have a next-token
    # entropy below surp_max_entropy nats (SoK benchmark: 40%, 2.0).
    surp_fraction: float = bounded(0.4, gt=0, le=1)
    surp_max_entropy: float = bounded(2.0, gt=0)
    # dc_pdd: the clip of each token's p · (−log f) (MIMIR's default 0.01); f from the corpus's pretrain split,
    # or from dc_pdd_corpus: a .txt / .jsonl / .jsonl.gz file (field `text`) or a folder of them.
    dc_pdd_a: float = bounded(0.01, gt=0)
    dc_pdd_corpus: str | None = None
    # bag_of_words (the blind baseline): stratified folds of its cross-validation and their shuffling seed.
    bag_of_words_folds: int = bounded(5, ge=2)
    bag_of_words_seed: int = 0
    # Which attacks to run and report (names of mosaic_exp.mia.attacks.ATTACKS); None = every attack whose
    # inputs are available (neighborhood needs the `mlm`, recall more than recall_shots canaries per class).
    attacks: list[str] | None = None
    # Seed of the attacks' own randomness: neighbours, shuffled copies, held-out shots, samples.
    attack_seed: int = 0
    # neighborhood (Mattern et al. 2023): neighbours per text, tokens each replaces by one of the MLM's top-k.
    neighborhood_neighbours: int = bounded(50, ge=1)
    neighborhood_replaced: int = bounded(1, ge=1)
    neighborhood_top_k: int = bounded(10, ge=1)
    # pac (Ye et al. 2024): shuffled copies per text, the fraction of positions each swaps, and the fractions of
    # lowest (k_min) and highest (k_max) token log-probabilities of the polarized distance (SoK: pac_10).
    pac_augmentations: int = bounded(10, ge=1)
    pac_swap_ratio: float = bounded(0.3, gt=0, le=1)
    pac_k_min: float = bounded(0.3, gt=0, le=1)
    pac_k_max: float = bounded(0.05, gt=0, le=1)
    # recall / con_recall (Xie et al. 2024; Wang et al. 2024): shots of each class held out as the prefix
    # (and left unscored), and con_recall's weight of the member prefix.
    recall_shots: int = bounded(10, ge=1)
    con_recall_gamma: float = bounded(1.0, ge=0)
    # samia (Kaneko et al. 2024): continuations sampled from the first prefix_fraction of each text,
    # compared with the true rest by ROUGE-1 recall; top_k 0 samples from the whole vocabulary.
    samia_samples: int = bounded(10, ge=1)
    samia_prefix_fraction: float = bounded(0.5, gt=0, lt=1)
    samia_temperature: float = bounded(1.0, gt=0)
    samia_top_k: int = bounded(50, ge=0)
    # gradnorm: sequences whose per-sequence gradients are held in memory at once.
    gradnorm_batch_size: int = bounded(8, ge=1)
    # task=mia: a labelled dataset (mia/dataset=jsonl|hf_dataset|wikimia|mimir, conf/mia/dataset/) scored instead
    # of the canaries; its schema is one of mosaic_exp/mia/dataset_config.py. None = the canaries.
    dataset: Any = None
