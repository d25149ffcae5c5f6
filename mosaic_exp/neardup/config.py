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


class NeardupLauncher(str, Enum):
    """Where the steps of ``task=neardup`` run as jobs (:mod:`mosaic_exp.neardup.slurm`); unset: in this process."""

    slurm = "slurm"  # a chain of SLURM jobs with dependencies; the command returns once they are queued
    local = "local"  # the same jobs as processes of this machine, one step after another
    debug = "debug"  # the same jobs inside this process (submitit's debug executor), one step after another


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
class TextCorpusConfig:
    """What every text corpus tokenized into parts shares (``jsonl``, ``parquet``, ``text_dir``, ``hf_dataset``).

    Documents are split into parts by contiguous ranges of their order and
    numbered by it (``mosaic_exp/neardup/documents.py``).
    """

    # jsonl, parquet: a file, a folder (its files of the format, at any depth) or a glob (** spans folders);
    # text_dir, hf_dataset: a folder.
    path: str = MISSING
    # Any tokenizer that transformers.AutoTokenizer loads: a local directory or a hub id in the HF cache.
    tokenizer: str = "gpt2"
    # Documents tokenized (and appended to the part) at a time.
    batch_size: int = bounded(1000, ge=1)


@dataclass
class RecordCorpusConfig(TextCorpusConfig):
    """Records (lines, rows) with the document in one field: what ``jsonl``, ``parquet`` and ``hf_dataset`` share."""

    text_field: str = "text"
    # A field naming each record, kept in ids.parquet beside the part; None = none.
    id_field: str | None = None


@dataclass
class JsonlNeardupCorpusConfig(RecordCorpusConfig):
    """JSON lines (``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst``), one document per line (``neardup/corpus=jsonl``)."""

    _target_: str = "mosaic_exp.neardup.jsonl.JsonlCorpus"


@dataclass
class ParquetNeardupCorpusConfig(RecordCorpusConfig):
    """Parquet files, one document per row (``neardup/corpus=parquet``)."""

    _target_: str = "mosaic_exp.neardup.parquet.ParquetCorpus"


@dataclass
class TextDirNeardupCorpusConfig(TextCorpusConfig):
    """A folder with one document per file (``neardup/corpus=text_dir``)."""

    _target_: str = "mosaic_exp.neardup.text_dir.TextDirCorpus"
    # Which files below path are documents (** spans folders); hidden ones never are.
    glob: str = "**/*.txt"
    # Bytes that are not valid in it are replaced; files with NUL bytes (binary) are skipped.
    encoding: str = "utf-8"


@dataclass
class HFDatasetNeardupCorpusConfig(RecordCorpusConfig):
    """A local Hugging Face dataset (``neardup/corpus=hf_dataset``): a ``save_to_disk`` folder, or one that ``load_dataset`` reads."""

    _target_: str = "mosaic_exp.neardup.hf_dataset.HFDatasetCorpus"
    # The split of a DatasetDict or of load_dataset; None = the only one (save_to_disk) or "train".
    split: str | None = None


@dataclass
class NeardupSlurmConfig:
    """The jobs of ``neardup.launcher=slurm``; the one source of their defaults.

    ``conf/neardup/default.yaml`` only ties ``log_dir`` to the run folder.
    """

    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    # Wall time of every job: the slowest step (the index or the scan of the largest part) decides it.
    timeout_min: int = bounded(240, ge=1)
    # None: neardup.threads, the threads every step uses.
    cpus_per_task: int | None = bounded(None, ge=1)
    mem_gb: float = bounded(64, gt=0)
    # Tasks of an array running at once (the %N of sbatch --array).
    array_parallelism: int = bounded(32, ge=1)
    # Any other sbatch option by its long name, e.g. {constraint: cpu, mail-type: END}.
    sbatch: dict[str, Any] = field(default_factory=dict)
    # Shell lines each job runs first (module load ..., source .venv/bin/activate).
    setup: list[str] = field(default_factory=list)
    # Job scripts, pickled jobs and their logs (one folder per job).
    log_dir: str = MISSING


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
    # Submit the study as jobs that depend on each other; None = run it here.
    launcher: NeardupLauncher | None = None
    slurm: NeardupSlurmConfig = field(default_factory=NeardupSlurmConfig)
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
    # Where index.json, the list of every part and its suffix array, is written
    # once every part is indexed; None = nowhere (conf/neardup/default.yaml: paths.root_dir/neardup_index).
    index_dir: str | None = None


class SearchMetric(str, Enum):
    """Which distances a search reports."""

    both = "both"
    hamming = "hamming"
    levenshtein = "levenshtein"


class SearchMode(str, Enum):
    """How a search finds windows: seeds from the suffix array where they beat a scan (auto), always, or never."""

    auto = "auto"
    seeds = "seeds"
    scan = "scan"


@dataclass
class NeardupSearchConfig:
    """Near duplicates of given queries anywhere in an index of parts (``task=neardup_search``, the ``search`` group).

    ``conf/search/default.yaml`` ties ``index`` to the study's ``neardup.index_dir``.
    """

    # A folder with index.json (written by task=neardup), or one part's NAME.train.
    index: str = MISSING
    # Queries: a .txt file (one per line), .jsonl / .jsonl.gz (field `text_field`) or .npy of token ids (one per row) ...
    queries: str | None = None
    # ... or one text given here.
    text: str | None = None
    text_field: str = "text"
    # Tokenizer of text queries and of the matches shown; None = the index's (index.json).
    tokenizer: str | None = None
    max_distance: int = bounded(10, ge=0)
    metric: SearchMetric = SearchMetric.both
    mode: SearchMode = SearchMode.auto
    # Matches printed per query (all are written to hits.parquet / hits.csv).
    show: int = bounded(5, ge=0)
