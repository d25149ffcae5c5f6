"""Names of the study's artifacts, in one place: stages of the store, keys of a run, files inside.

Every stage is a directory ``<cache>/<stage>/<key>/`` of the artifact store
(:mod:`mosaic_exp.store`); a run names what it touched with an
:class:`ArtifactKey` (a stage, and a part for the per-part stages). The small
writers at the end go through :mod:`mosaic_exp.atomic`, so a reader never sees
half a file even outside the store (the analysis is copied to the run folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mosaic_exp.atomic import atomic_path


class Stage(str, Enum):
    """A stage of the study: the folder of its artifacts in the store."""

    TOKENIZE = "neardup_tokenize"  # per part: the part in the interchange format
    MAKE = "neardup_make"  # per part: its suffix array
    SELFSIM = "neardup_selfsim"  # per part: sequences of `length` tokens occurring ≥ 2 times
    CANDIDATES = "neardup_candidates"  # sequences whose exact counts are summed over the parts
    COUNT = "neardup_count"  # per part: exact count of every candidate
    TARGETS = "neardup_targets"  # the chosen targets and their buckets
    SCAN = "neardup_scan"  # per part: near duplicates of every target
    ANALYSIS = "neardup_analysis"  # merged hits, curves, figures

    @property
    def label(self) -> str:
        """Short name in a run's listing (``make``)."""
        return self.value.removeprefix("neardup_")


@dataclass(frozen=True)
class ArtifactKey:
    """What a run touched: a stage, and the part for a per-part stage."""

    stage: Stage
    part: int | None = None

    def __str__(self) -> str:
        return self.stage.label if self.part is None else f"{self.stage.label}[{self.part}]"


# --- files inside the artifacts -----------------------------------------------------

PART = "part.json"  # tokenize: the part's files and sizes (parts.Part.to_json)
TRUTH = "truth.json"  # tokenize, planted corpus: every planted item and its closest windows
SOURCES = "sources.json"  # tokenize, text corpora: which file each document came from
IDS = "ids.parquet"  # tokenize, text corpora with document ids (id_field, text_dir): doc_id -> id
SUFFIX_ARRAY = "sa.npy"  # make
CLUSTER_POSITIONS = "positions.npy"  # selfsim: one occurrence of each repeated sequence
CLUSTER_COUNTS = "counts.npy"  # selfsim: its number of occurrences in the part
CANDIDATE_TOKENS = "candidates.npy"  # candidates: one sequence per row
CANDIDATE_ORIGINS = "candidates.json"  # candidates: bucket (or "random") and [part, position]
COUNTS = "counts.npy"  # count: exact count of every candidate in the part
TARGET_TOKENS = "targets.npy"  # targets: one target per row
TARGET_META = "targets.json"  # targets: length, document tokens per part, and per target its bucket
HITS = "hits.parquet"  # scan (per part) and analysis (merged)
SUMMARY = "summary.json"  # analysis
CUMULATIVE = "cumulative"  # analysis: .csv, .png, .pdf
COMPARE = "hamming_vs_levenshtein"  # analysis: .csv, .png, .pdf
SURVIVAL = "ngram_survival"  # analysis: .csv, .png, .pdf


# --- writers -------------------------------------------------------------------------


def save_array(path: Path, array: np.ndarray) -> None:
    """``np.save`` to exactly ``path`` (through a file object: a path would get ``.npy`` appended)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array)


def write_table(path: Path, table: pa.Table) -> None:
    """A Parquet file."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
