"""Configs of the near-duplicate study (``conf/neardup/``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from omegaconf import MISSING

from mosaic_exp.config.ranges import bounded


class NeardupStep(str, Enum):
    """Which stages of the near-duplicate study a run performs (see README, SLURM)."""

    all = "all"
    index = "index"  # per part: tokenize, suffix array, self-similar
    targets = "targets"  # candidates, exact counts across parts, buckets
    scan = "scan"  # per part
    analysis = "analysis"  # merge the scans, curves and figures


@dataclass
class PlantedNeardupCorpusConfig:
    """Synthetic tokens with planted duplicates (``neardup/corpus=planted``); the one source of its defaults.

    ``conf/neardup/corpus/planted.yaml`` only ties ``seed``, ``length``, ``counts``
    and ``sequences_per_count`` to the study's settings.
    """

    _target_: str = "mosaic_exp.neardup.planted.PlantedCorpus"
    seed: int = 0
    n_documents: int = 1000
    document_length: int = 1000
    vocab_size: int = 4096
    zipf_exponent: float = 1.0
    length: int = 100
    # Exact copies of each planted sequence, one sequence group per bucket.
    counts: list[int] = field(default_factory=lambda: [10, 100, 1000])
    sequences_per_count: int = 1
    # Substitutions of the Hamming variants of each planted sequence (one variant each).
    hamming_distances: list[int] = field(default_factory=lambda: [1, 2, 3, 5, 8, 10, 15, 20, 25, 30, 40, 50, 60])
    # Insertion/deletion pairs of the Levenshtein variants.
    levenshtein_edits: list[int] = field(default_factory=lambda: [1, 2, 3, 5, 8, 10, 15, 20])
    # Decoys repeated this fraction above and below each count (0 = none).
    decoy_offset: float = 0.02
    min_gap: int = 200


@dataclass
class SlimPajamaNeardupCorpusConfig:
    """SlimPajama (or any corpus in its layout) from a local copy (``neardup/corpus=slimpajama``)."""

    _target_: str = "mosaic_exp.neardup.slimpajama.SlimPajamaCorpus"
    # The dataset's root: holds train/chunk*/example_train_*.jsonl.zst.
    path: str = MISSING
    split: str = "train"
    text_field: str = "text"
    # A local tokenizer directory or a hub id found in the HF cache.
    tokenizer: str = "gpt2"
    # Read at most this many files (sorted); None = all.
    max_files: int | None = None
    batch_size: int = 1000
    # A folder of parts made elsewhere (NAME.train + NAME.train.size), used as they are.
    parts_dir: str | None = None
    # Width of the parts in parts_dir; tokenized parts pick it from the vocabulary.
    token_bytes: int = 2


@dataclass
class NeardupConfig:
    """The near-duplicate study: corpus, parts, target buckets and the scan.

    The one source of its defaults: ``conf/neardup/default.yaml`` only ties
    ``seed`` to the run's, and a corpus file may scale ``buckets``.
    """

    corpus: Any = MISSING
    n_parts: int = bounded(2, ge=1)
    # One part only (a job of a SLURM array); None = every part.
    part: int | None = None
    step: NeardupStep = NeardupStep.all
    length: int = bounded(100, ge=1)
    min_distinct: int = bounded(50, ge=1)
    buckets: list[int] = field(default_factory=lambda: [100, 1000, 10000])
    tolerance: float = bounded(0.01, ge=0)
    targets_per_bucket: int = bounded(1, ge=0)
    random_targets: int = bounded(1, ge=0)
    # Sequences per bucket whose exact counts are summed across parts.
    candidates_per_bucket: int = bounded(1000, ge=1)
    max_distance: int = bounded(50, ge=0)
    # Scan only the first k parts and extrapolate; None = every part.
    scan_parts: int | None = None
    ngram_sizes: list[int] = field(default_factory=lambda: list(range(10, 101, 10)))
    # Bucket of the Hamming vs Levenshtein figure; None = the largest.
    compare_bucket: int | None = None
    seed: int = 0
    threads: int = bounded(2, ge=1)
