"""The stages of the near-duplicate study, each an ArtifactStore build.

    per part:  tokenize → make (suffix array) → self-similar
    global:    candidates → count (per part, summed) → targets
    per part:  scan
    global:    analysis (merges every scanned part)

Per-part stages depend only on their own part, so the parts of a step can run
as the jobs of a SLURM array (``neardup.step=index|scan neardup.part=i``).
A global step never builds missing parts when it runs on its own: it names
the parts that are not done, so a merge cannot silently redo an array's work.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from mosaic_exp import _rust_sa
from mosaic_exp.errors import UserError
from mosaic_exp.neardup import targets as tg
from mosaic_exp.neardup.config import NeardupStep
from mosaic_exp.neardup.hits import HITS, write_hits
from mosaic_exp.neardup.parts import Part
from mosaic_exp.neardup.planted import TRUTH, PlantedCorpus
from mosaic_exp.store import Artifact, ArtifactStore

log = logging.getLogger(__name__)

VERSION = 1
PART = "part.json"


class StageNotDone(UserError):
    """A step needs the output of an earlier step that has not finished."""


@dataclass
class Study:
    """The configured study: builds or reuses each stage's artifact."""

    cfg: DictConfig  # the `neardup` group
    store: ArtifactStore

    def __post_init__(self) -> None:
        self.step = NeardupStep(self.cfg.step)
        self.n_parts = int(self.cfg.n_parts)
        if self.n_parts < 1:
            raise UserError(f"neardup.n_parts={self.n_parts} must be at least 1")
        if self.cfg.part is not None:
            if self.step not in (NeardupStep.index, NeardupStep.scan):
                raise UserError("neardup.part selects one part of a per-part step: use it with neardup.step=index or scan")
            if not 0 <= self.cfg.part < self.n_parts:
                raise UserError(f"neardup.part={self.cfg.part} is not one of the parts 0..{self.n_parts - 1}")
        self.scan_parts = self.n_parts if self.cfg.scan_parts is None else int(self.cfg.scan_parts)
        if not 1 <= self.scan_parts <= self.n_parts:
            raise UserError(f"neardup.scan_parts={self.cfg.scan_parts} must be between 1 and neardup.n_parts={self.n_parts}")
        if self.cfg.length < 1 or not 1 <= self.cfg.min_distinct <= self.cfg.length:
            raise UserError("neardup.length must be ≥ 1 and neardup.min_distinct between 1 and neardup.length")
        self.corpus_spec = OmegaConf.to_container(self.cfg.corpus, resolve=True)
        try:
            self.corpus = instantiate(self.cfg.corpus)
        except InstantiationException as e:
            # Hydra's wrapper buries the corpus' own message under its call details.
            raise UserError(f"neardup.corpus: {e.__cause__ or e}") from e
        # rust_sa's parallel loops use rayon's global pool, sized once per process.
        os.environ.setdefault("RAYON_NUM_THREADS", str(self.cfg.threads))

    # --- plumbing ---------------------------------------------------------------

    def _get(self, stage: str, spec: dict, builder: Callable[[Path], None], build: bool, hint: str) -> Artifact:
        if build:
            return self.store.build(stage, spec, builder)
        path = self.store.path(stage, spec)
        if not self.store.is_complete(path):
            raise StageNotDone(f"{stage} is not done ({path}); first run {hint}")
        return Artifact(stage, path.name, path, reused=True)

    def _builds(self, step: NeardupStep) -> bool:
        return self.step in (NeardupStep.all, step)

    def _parts_of_step(self, count: int) -> list[int]:
        return [int(self.cfg.part)] if self.cfg.part is not None else list(range(count))

    @staticmethod
    def part_of(artifact: Artifact) -> Part:
        return Part.from_json(json.loads((artifact.path / PART).read_text()), base=artifact.path)

    # --- per part: tokenize, make, self-similar -----------------------------------

    def tokenize(self, i: int, build: bool) -> Artifact:
        fingerprint = getattr(self.corpus, "fingerprint", None)
        spec = {
            "version": VERSION,
            "corpus": self.corpus_spec,
            "n_parts": self.n_parts,
            "part": i,
            "inputs": fingerprint(i, self.n_parts, self.store.digests) if fingerprint else None,
        }

        def builder(d: Path) -> None:
            if isinstance(self.corpus, PlantedCorpus):
                part = self.corpus.write_part(i, self.n_parts, d)
            else:
                part = self.corpus.write_part(i, self.n_parts, d, threads=int(self.cfg.threads))
            # The build runs in a temporary directory renamed afterwards: paths inside it are kept relative.
            (d / PART).write_text(json.dumps(part.to_json(relative_to=d)))

        return self._get("neardup_tokenize", spec, builder, build, f"neardup.step=index neardup.part={i}")

    def make(self, i: int, tok: Artifact, build: bool) -> Artifact:
        part = self.part_of(tok)

        def builder(d: Path) -> None:
            _rust_sa.make(
                str(part.train), size=str(part.size), out=str(d / "sa.npy"), token_bytes=part.token_bytes, threads=int(self.cfg.threads)
            )

        return self._get("neardup_make", {"version": VERSION, "tokenize": tok.key}, builder, build, f"neardup.step=index neardup.part={i}")

    def self_similar(self, i: int, tok: Artifact, sa: Artifact, build: bool) -> Artifact:
        part = self.part_of(tok)

        def builder(d: Path) -> None:
            positions, counts = _rust_sa.self_similar(
                str(part.train), length=int(self.cfg.length), size=str(part.size), sa=str(sa.path / "sa.npy"), token_bytes=part.token_bytes
            )
            np.save(d / "positions.npy", positions)
            np.save(d / "counts.npy", counts)

        spec = {"version": VERSION, "tokenize": tok.key, "make": sa.key, "length": int(self.cfg.length)}
        return self._get("neardup_selfsim", spec, builder, build, f"neardup.step=index neardup.part={i}")

    def index(self, i: int, build: bool) -> dict[str, Artifact]:
        """Tokenize, suffix array and self-similar clusters of part ``i``; ``build=False`` only looks them up."""
        tok = self.tokenize(i, build)
        sa = self.make(i, tok, build)
        return {"tokenize": tok, "make": sa, "selfsim": self.self_similar(i, tok, sa, build)}

    # --- global: candidates, counts, targets ----------------------------------------

    def targets(self, indexed: list[dict[str, Artifact]]) -> dict[str, Artifact]:
        parts = [self.part_of(a["tokenize"]) for a in indexed]
        build = self._builds(NeardupStep.targets)
        hint = "neardup.step=targets"
        settings = {
            k: OmegaConf.to_container(self.cfg, resolve=True)[k]
            for k in ("length", "min_distinct", "buckets", "tolerance", "candidates_per_bucket", "random_targets", "seed")
        }

        def build_candidates(d: Path) -> None:
            rng = np.random.default_rng([int(self.cfg.seed), 1])
            clusters = [
                (np.load(a["selfsim"].path / "positions.npy", mmap_mode="r"), np.load(a["selfsim"].path / "counts.npy")) for a in indexed
            ]
            found = tg.cluster_candidates(
                parts,
                clusters,
                list(self.cfg.buckets),
                float(self.cfg.tolerance),
                int(self.cfg.length),
                int(self.cfg.min_distinct),
                int(self.cfg.candidates_per_bucket),
                rng,
            )
            rand = tg.random_windows(
                parts,
                int(self.cfg.random_targets),
                int(self.cfg.length),
                int(self.cfg.min_distinct),
                np.random.default_rng([int(self.cfg.seed), 2]),
            )
            both = tg.Candidates(np.concatenate([found.tokens, rand.tokens]), found.origin + rand.origin, found.source + rand.source)
            tg.save_candidates(d, both)

        cand = self._get(
            "neardup_candidates",
            {"version": VERSION, "selfsim": [a["selfsim"].key for a in indexed], **settings},
            build_candidates,
            build,
            hint,
        )
        queries = tg.load_candidates(cand.path)
        counts = []
        for a, part in zip(indexed, parts):

            def build_count(d: Path, a=a, part=part) -> None:
                q = queries.tokens.astype(np.uint16 if part.token_bytes == 2 else np.uint32)
                c = (
                    _rust_sa.count_multi(
                        str(part.train), q, size=str(part.size), sa=str(a["make"].path / "sa.npy"), token_bytes=part.token_bytes
                    )
                    if len(q)
                    else np.zeros(0, dtype=np.uint64)
                )
                np.save(d / "counts.npy", c)

            counts.append(
                self._get(
                    "neardup_count",
                    {"version": VERSION, "candidates": cand.key, "tokenize": a["tokenize"].key, "make": a["make"].key},
                    build_count,
                    build,
                    hint,
                )
            )

        def build_targets(d: Path) -> None:
            totals = np.sum([np.load(c.path / "counts.npy").astype(np.int64) for c in counts], axis=0)
            chosen = tg.choose_targets(
                queries,
                totals,
                list(self.cfg.buckets),
                float(self.cfg.tolerance),
                int(self.cfg.targets_per_bucket),
                np.random.default_rng([int(self.cfg.seed), 3]),
            )
            width = max(p.token_bytes for p in parts)
            tokens = queries.tokens[[t["candidate"] for t in chosen]].reshape(len(chosen), int(self.cfg.length))
            np.save(d / "targets.npy", tokens.astype(np.uint16 if width == 2 else np.uint32))
            summary = {
                "length": int(self.cfg.length),
                "body_tokens": [p.body_tokens for p in parts],
                "targets": chosen,
            }
            (d / "targets.json").write_text(json.dumps(summary, indent=1))
            for bucket in [*map(str, self.cfg.buckets), tg.RANDOM]:
                found = [t["exact_count"] for t in chosen if t["bucket"] == bucket]
                log.info("bucket %s: %d targets, exact counts %s", bucket, len(found), found)

        spec = {
            "version": VERSION,
            "candidates": cand.key,
            "counts": [c.key for c in counts],
            "targets_per_bucket": int(self.cfg.targets_per_bucket),
        }
        chosen = self._get("neardup_targets", spec, build_targets, build, hint)
        return {"candidates": cand, "targets": chosen}

    # --- per part: scan -------------------------------------------------------------

    def scan(self, i: int, tok: Artifact, chosen: Artifact) -> Artifact:
        part = self.part_of(tok)

        def build(d: Path) -> None:
            meta = json.loads((chosen.path / "targets.json").read_text())["targets"]
            queries = np.load(chosen.path / "targets.npy")
            if len(queries):
                hits = _rust_sa.scan(
                    str(part.train),
                    queries.astype(np.uint16 if part.token_bytes == 2 else np.uint32),
                    max_distance=int(self.cfg.max_distance),
                    size=str(part.size),
                    token_bytes=part.token_bytes,
                )
            else:
                hits = {k: np.zeros(0, dtype=np.int64) for k in ("target", "metric", "doc_id", "offset", "position", "distance")}
            write_hits(d / HITS, hits, meta, i)

        spec = {"version": VERSION, "tokenize": tok.key, "targets": chosen.key, "max_distance": int(self.cfg.max_distance)}
        return self._get("neardup_scan", spec, build, self._builds(NeardupStep.scan), f"neardup.step=scan neardup.part={i}")

    # --- the whole run -----------------------------------------------------------------

    def run(self) -> dict[str, Artifact]:
        """Performs ``neardup.step`` (everything by default) and returns the artifacts it touched."""
        from mosaic_exp.neardup.analysis import build_analysis

        out: dict[str, Artifact] = {}
        if self.step == NeardupStep.index:
            for i in self._parts_of_step(self.n_parts):
                out.update({f"{k}[{i}]": v for k, v in self.index(i, build=True).items()})
            return out
        indexed = [self.index(i, build=self.step == NeardupStep.all) for i in range(self.n_parts)]
        out.update({f"{k}[{i}]": v for i, a in enumerate(indexed) for k, v in a.items()})
        out.update(self.targets(indexed))
        if self.step == NeardupStep.targets:
            return out
        scans = {}
        for i in self._parts_of_step(self.scan_parts):
            if i >= self.scan_parts:
                raise UserError(f"neardup.part={i} is not scanned: neardup.scan_parts={self.scan_parts}")
            scans[i] = out[f"scan[{i}]"] = self.scan(i, indexed[i]["tokenize"], out["targets"])
        if self.step == NeardupStep.scan:
            return out
        out["analysis"] = build_analysis(self, indexed, out["targets"], scans)
        return out

    def truth_files(self) -> dict[int, Path]:
        """``truth.json`` of every part (planted corpora only)."""
        return {i: self.tokenize(i, build=False).path / TRUTH for i in range(self.n_parts)}


def build_study(cfg: DictConfig, store: ArtifactStore) -> Study:
    """The study of a composed config (``cfg.neardup``)."""
    return Study(cfg.neardup, store)


def neardup_stages(cfg: DictConfig, store: ArtifactStore) -> dict[str, Artifact]:
    """Runs ``neardup.step`` of the study and returns every artifact it touched."""
    return build_study(cfg, store).run()
