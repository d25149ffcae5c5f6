"""``neardup.step=scan``, per part: every window within ``max_distance`` of a target.

rust_sa's scan keeps, per target and metric, the closest window, then the
next closest not overlapping a kept one, and so on. With the part's tokens at
hand, the scan also records how long a run of tokens each window shares with
its target, which is all the n-gram deduplication curve needs of the part.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mosaic_exp import _rust_sa
from mosaic_exp.neardup.artifacts import HITS, TARGET_TOKENS, ArtifactKey, Stage
from mosaic_exp.neardup.config import NeardupStep
from mosaic_exp.neardup.distance import longest_common_substring
from mosaic_exp.neardup.hits import write_hits
from mosaic_exp.neardup.parts import Part
from mosaic_exp.neardup.steps.base import Artifacts, Step, query_dtype, read_part
from mosaic_exp.neardup.steps.targets import read_targets
from mosaic_exp.store import Artifact

# 2: hits.parquet holds the longest run each window shares with its target.
VERSION = 2
HIT_FIELDS = ("target", "metric", "doc_id", "offset", "position", "distance")


class ScanStep(Step):
    """Finds the near duplicates of every target in one part."""

    name = NeardupStep.scan
    inputs = (Stage.TOKENIZE, Stage.TARGETS)
    outputs = (Stage.SCAN,)
    per_part = True

    def _run(self, inputs: Artifacts, parts: list[int], build: bool) -> Artifacts:
        targets = inputs[ArtifactKey(Stage.TARGETS)]
        return {ArtifactKey(Stage.SCAN, i): self.scan(i, inputs[ArtifactKey(Stage.TOKENIZE, i)], targets, build) for i in parts}

    def scan(self, i: int, tokenized: Artifact, targets: Artifact, build: bool) -> Artifact:
        """``hits.parquet`` of part ``i``: one row per near duplicate of a target."""
        max_distance = self.settings.max_distance

        def builder(d: Path) -> None:
            part = read_part(tokenized)
            meta = read_targets(targets)
            queries = np.load(targets.path / TARGET_TOKENS)
            if len(queries):
                hits = _rust_sa.scan(
                    str(part.train),
                    queries.astype(query_dtype(part.token_bytes)),
                    max_distance=max_distance,
                    size=str(part.size),
                    token_bytes=part.token_bytes,
                    progress=True,
                )
            else:
                hits = {k: np.zeros(0, dtype=np.int64) for k in HIT_FIELDS}
            shared = longest_shared(part, hits, queries.astype(np.int64), meta["length"])
            write_hits(d / HITS, hits, meta["targets"], i, shared)

        spec = {"version": VERSION, "tokenize": tokenized.key, "targets": targets.key, "max_distance": max_distance}
        return self.artifact(ArtifactKey(Stage.SCAN, i), spec, builder, build)


def longest_shared(part: Part, hits: dict, targets: np.ndarray, length: int) -> np.ndarray:
    """Per hit, the longest run of tokens its window shares with its target (an n-gram shared when ≥ n)."""
    target = np.asarray(hits["target"], dtype=np.int64)
    position = np.asarray(hits["position"], dtype=np.int64)
    out = np.zeros(len(target), dtype=np.int32)
    if not len(target):
        return out
    windows = part.tokens()[position[:, None] + np.arange(length)[None, :]].astype(np.int64)
    for t in np.unique(target):
        rows = np.flatnonzero(target == t)
        out[rows] = longest_common_substring(windows[rows], targets[t])
    return out
