"""The near-duplicate study: checked settings, the corpus, and ``neardup.step`` run as steps.

    step=all       index → targets → scan → analysis, each artifact built or reused
    step=index     the index of every part, or of ``neardup.part`` (a job of an array)
    step=targets   looks up the index of every part; builds the targets
    step=scan      looks up the index and the targets; scans every scanned part, or ``neardup.part``
    step=analysis  looks up everything else; builds the analysis

A step that runs on its own never builds what an earlier step should have:
it names the missing part and the command that builds it (``StageNotDone``).

Every run that holds the index of every part (all but ``step=index`` for one
part) also writes the index manifest to ``neardup.index_dir``
(:mod:`mosaic_exp.neardup.index_manifest`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from mosaic_exp.errors import UserError
from mosaic_exp.neardup.artifacts import SUFFIX_ARRAY, TRUTH, ArtifactKey, Stage
from mosaic_exp.neardup.config import NeardupConfig, NeardupStep
from mosaic_exp.neardup.corpus import CorpusSource
from mosaic_exp.neardup.index_manifest import write_manifest
from mosaic_exp.neardup.steps import AnalysisStep, Artifacts, IndexStep, ScanStep, StudyContext, TargetsStep
from mosaic_exp.neardup.steps.base import read_part
from mosaic_exp.store import Artifact, ArtifactStore

log = logging.getLogger(__name__)


def check_settings(settings: NeardupConfig) -> None:
    """Stops on settings that contradict each other, before any work (ranges are checked when composing)."""
    step, part, n_parts = settings.step, settings.part, settings.n_parts
    if n_parts < 1:
        raise UserError(f"neardup.n_parts={n_parts} must be at least 1")
    if part is not None:
        if step not in (NeardupStep.index, NeardupStep.scan):
            raise UserError("neardup.part selects one part of a per-part step: use it with neardup.step=index or scan")
        if not 0 <= part < n_parts:
            raise UserError(f"neardup.part={part} is not one of the parts 0..{n_parts - 1}")
    scan_parts = n_parts if settings.scan_parts is None else settings.scan_parts
    if not 1 <= scan_parts <= n_parts:
        raise UserError(f"neardup.scan_parts={settings.scan_parts} must be between 1 and neardup.n_parts={n_parts}")
    if step is NeardupStep.scan and part is not None and part >= scan_parts:
        raise UserError(f"neardup.part={part} is not scanned: neardup.scan_parts={scan_parts}")
    if settings.length < 1 or not 1 <= settings.min_distinct <= settings.length:
        raise UserError("neardup.length must be ≥ 1 and neardup.min_distinct between 1 and neardup.length")


def load_corpus(corpus: DictConfig) -> CorpusSource:
    """The corpus that ``neardup.corpus._target_`` names, built from its settings."""
    try:
        return instantiate(corpus)
    except InstantiationException as e:
        # Hydra's wrapper buries the corpus' own message under its call details.
        raise UserError(f"neardup.corpus: {e.__cause__ or e}") from e


class Study:
    """The configured study (the ``neardup`` group): runs ``neardup.step`` over the artifact store."""

    def __init__(self, cfg: DictConfig, store: ArtifactStore) -> None:
        self.cfg = cfg
        self.settings: NeardupConfig = OmegaConf.to_object(cfg)
        check_settings(self.settings)
        self.n_parts = self.settings.n_parts
        self.scan_parts = self.n_parts if self.settings.scan_parts is None else self.settings.scan_parts
        self.corpus = load_corpus(cfg.corpus)
        context = StudyContext(
            settings=self.settings,
            corpus=self.corpus,
            corpus_spec=OmegaConf.to_container(cfg.corpus, resolve=True),
            store=store,
        )
        # rust_sa's parallel loops use rayon's global pool, sized once per process.
        os.environ.setdefault("RAYON_NUM_THREADS", str(self.settings.threads))
        self.index = IndexStep(context)
        self.targets = TargetsStep(context)
        self.scan = ScanStep(context)
        self.analysis = AnalysisStep(context)

    def _parts(self, count: int) -> list[int]:
        """The parts of a per-part step: ``neardup.part`` alone, or the first ``count``."""
        return [self.settings.part] if self.settings.part is not None else list(range(count))

    def run(self) -> dict[str, Artifact]:
        """Performs ``neardup.step`` (everything by default); returns every artifact it touched, by name (``make[1]``)."""
        step = self.settings.step
        every = range(self.n_parts)
        if step is NeardupStep.index:
            out = self.index.run({}, self._parts(self.n_parts), build=True)
            if self.settings.part is None:
                self.write_index(out)
            return _named(out)
        out = self.index.run({}, every, build=step is NeardupStep.all)
        self.write_index(out)
        out |= self.targets.run(out, every, build=step in (NeardupStep.all, NeardupStep.targets))
        if step is NeardupStep.targets:
            return _named(out)
        out |= self.scan.run(out, self._parts(self.scan_parts), build=step in (NeardupStep.all, NeardupStep.scan))
        if step is NeardupStep.scan:
            return _named(out)
        out |= self.analysis.run(out, range(self.scan_parts), build=True)
        return _named(out)

    def write_index(self, index: Artifacts) -> Path | None:
        """``index.json`` of every part and its suffix array in ``neardup.index_dir`` (if set); its path."""
        if self.settings.index_dir is None:
            return None
        parts = [
            (read_part(index[ArtifactKey(Stage.TOKENIZE, i)]), index[ArtifactKey(Stage.MAKE, i)].path / SUFFIX_ARRAY)
            for i in range(self.n_parts)
        ]
        path = write_manifest(self.settings.index_dir, parts, self.corpus.tokenizer_dir())
        log.info("index of %d parts: %s", self.n_parts, path)
        return path

    def truth_files(self) -> dict[int, Path]:
        """``truth.json`` of every part (planted corpora only), looked up, never built."""
        return {i: self.index.tokenize(i, build=False).path / TRUTH for i in range(self.n_parts)}


def _named(artifacts: Artifacts) -> dict[str, Artifact]:
    return {str(key): artifact for key, artifact in artifacts.items()}


def build_study(cfg: DictConfig, store: ArtifactStore) -> Study:
    """The study of a composed config (``cfg.neardup``)."""
    return Study(cfg.neardup, store)


def run_study(cfg: DictConfig, store: ArtifactStore) -> dict[str, Artifact]:
    """Runs ``neardup.step`` of the study of a composed config and returns every artifact it touched."""
    return build_study(cfg, store).run()
