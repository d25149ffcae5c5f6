"""``neardup.step=targets``, over every part: candidates, their exact counts in each part, the targets.

The sums of the per-part counts decide the buckets (:mod:`mosaic_exp.neardup.sampling`).
``targets.json`` also records what the analysis needs of the parts (document
tokens per part), so the analysis reads the scans and nothing else.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from mosaic_exp import _rust_sa
from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.neardup import sampling
from mosaic_exp.neardup.artifacts import (
    CLUSTER_COUNTS,
    CLUSTER_POSITIONS,
    COUNTS,
    SUFFIX_ARRAY,
    TARGET_META,
    TARGET_TOKENS,
    ArtifactKey,
    Stage,
    save_array,
)
from mosaic_exp.neardup.config import NeardupStep
from mosaic_exp.neardup.steps.base import Artifacts, Step, query_dtype, read_part
from mosaic_exp.store import Artifact

log = logging.getLogger(__name__)

VERSION = 1
# Independent random streams of the study's seed, one per use.
CANDIDATE_STREAM, RANDOM_STREAM, CHOICE_STREAM = 1, 2, 3


class TargetsStep(Step):
    """Samples candidates per bucket, counts them exactly in every part and picks the targets."""

    name = NeardupStep.targets
    inputs = (Stage.TOKENIZE, Stage.MAKE, Stage.SELFSIM)
    outputs = (Stage.CANDIDATES, Stage.COUNT, Stage.TARGETS)
    per_part = False

    def _run(self, inputs: Artifacts, parts: list[int], build: bool) -> Artifacts:
        tokenized = [inputs[ArtifactKey(Stage.TOKENIZE, i)] for i in parts]
        clusters = [inputs[ArtifactKey(Stage.SELFSIM, i)] for i in parts]
        candidates = self.candidates(tokenized, clusters, build)
        out: Artifacts = {ArtifactKey(Stage.CANDIDATES): candidates}
        counts = []
        for i, tok in zip(parts, tokenized):
            counts.append(self.count(i, candidates, tok, inputs[ArtifactKey(Stage.MAKE, i)], build))
            out[ArtifactKey(Stage.COUNT, i)] = counts[-1]
        out[ArtifactKey(Stage.TARGETS)] = self.targets(tokenized, candidates, counts, build)
        return out

    def _rng(self, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.settings.seed, stream])

    def candidates(self, tokenized: list[Artifact], clusters: list[Artifact], build: bool) -> Artifact:
        """Up to ``candidates_per_bucket`` repeated sequences per bucket, and the random windows."""
        s = self.settings
        spec = {
            "version": VERSION,
            "selfsim": [a.key for a in clusters],
            "length": s.length,
            "min_distinct": s.min_distinct,
            "buckets": list(s.buckets),
            "tolerance": s.tolerance,
            "candidates_per_bucket": s.candidates_per_bucket,
            "random_targets": s.random_targets,
            "seed": s.seed,
        }

        def builder(d: Path) -> None:
            parts = [read_part(a) for a in tokenized]
            found = sampling.cluster_candidates(
                parts,
                [(np.load(a.path / CLUSTER_POSITIONS, mmap_mode="r"), np.load(a.path / CLUSTER_COUNTS)) for a in clusters],
                list(s.buckets),
                s.tolerance,
                s.length,
                s.min_distinct,
                s.candidates_per_bucket,
                self._rng(CANDIDATE_STREAM),
            )
            rand = sampling.random_windows(parts, s.random_targets, s.length, s.min_distinct, self._rng(RANDOM_STREAM))
            both = sampling.Candidates(np.concatenate([found.tokens, rand.tokens]), found.origin + rand.origin, found.source + rand.source)
            sampling.save_candidates(d, both)

        return self.artifact(ArtifactKey(Stage.CANDIDATES), spec, builder, build)

    def count(self, i: int, candidates: Artifact, tokenized: Artifact, suffix_array: Artifact, build: bool) -> Artifact:
        """Exact count of every candidate in part ``i``, by its suffix array."""

        def builder(d: Path) -> None:
            part = read_part(tokenized)
            queries = sampling.load_candidates(candidates.path).tokens.astype(query_dtype(part.token_bytes))
            if len(queries):
                counts = _rust_sa.count_multi(
                    str(part.train),
                    queries,
                    size=str(part.size),
                    sa=str(suffix_array.path / SUFFIX_ARRAY),
                    token_bytes=part.token_bytes,
                    progress=True,
                )
            else:
                counts = np.zeros(0, dtype=np.uint64)
            save_array(d / COUNTS, counts)

        spec = {"version": VERSION, "candidates": candidates.key, "tokenize": tokenized.key, "make": suffix_array.key}
        return self.artifact(ArtifactKey(Stage.COUNT, i), spec, builder, build)

    def targets(self, tokenized: list[Artifact], candidates: Artifact, counts: list[Artifact], build: bool) -> Artifact:
        """``targets_per_bucket`` candidates per bucket by their total count, and every random one."""
        s = self.settings
        spec = {
            "version": VERSION,
            "candidates": candidates.key,
            "counts": [c.key for c in counts],
            "targets_per_bucket": s.targets_per_bucket,
        }

        def builder(d: Path) -> None:
            parts = [read_part(a) for a in tokenized]
            queries = sampling.load_candidates(candidates.path)
            totals = np.sum([np.load(c.path / COUNTS).astype(np.int64) for c in counts], axis=0)
            chosen = sampling.choose_targets(queries, totals, list(s.buckets), s.tolerance, s.targets_per_bucket, self._rng(CHOICE_STREAM))
            tokens = queries.tokens[[t["candidate"] for t in chosen]].reshape(len(chosen), s.length)
            save_array(d / TARGET_TOKENS, tokens.astype(query_dtype(max(p.token_bytes for p in parts))))
            # body_tokens: the analysis extrapolates from the scanned parts' share of the corpus.
            write_json_atomic(d / TARGET_META, {"length": s.length, "body_tokens": [p.body_tokens for p in parts], "targets": chosen})
            for bucket in [*map(str, s.buckets), sampling.RANDOM]:
                found = [t["exact_count"] for t in chosen if t["bucket"] == bucket]
                log.info("bucket %s: %d targets, exact counts %s", bucket, len(found), found)

        return self.artifact(ArtifactKey(Stage.TARGETS), spec, builder, build)


def read_targets(targets: Artifact) -> dict:
    """``targets.json``: ``length``, ``body_tokens`` per part and ``targets`` (bucket, exact count, source)."""
    return json.loads((targets.path / TARGET_META).read_text())
