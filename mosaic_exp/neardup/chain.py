"""Which jobs a submission of the whole study needs: the steps and parts whose artifacts are missing.

The study is one chain, each step reading everything before it::

    index (array over parts) → targets → scan (array over scanned parts) → analysis

:func:`plan_chain` looks up what the cache already holds, through each step's
``build=False`` path (a missing artifact raises :class:`StageNotDone`), and
keeps only what is missing. A step's cache key depends on the keys of
everything before it, so nothing after a missing step can be looked up: from
the first missing step on, every later step is planned whole (its jobs still
reuse whatever they find). Each job depends on the job planned just before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mosaic_exp.neardup.artifacts import Stage
from mosaic_exp.neardup.config import NeardupStep
from mosaic_exp.neardup.steps import Artifacts, StageNotDone, Step
from mosaic_exp.neardup.study import Study
from mosaic_exp.store import ArtifactStore


@dataclass(frozen=True)
class ChainJob:
    """One submission: a step for the corpus, or an array with one task per part."""

    step: NeardupStep
    # The parts of an array, one task each; None: one job for the whole corpus.
    parts: tuple[int, ...] | None = None

    def describe(self) -> str:
        """``targets``, ``index (parts 0-63)`` or ``scan (parts 0-2, 5)``, for logs."""
        if self.parts is None:
            return self.step.value
        return f"{self.step.value} (part{'s' if len(self.parts) > 1 else ''} {spans(self.parts)})"


def spans(parts: Sequence[int]) -> str:
    """Sorted parts as runs: ``0-2, 5``."""
    runs: list[list[int]] = []
    for i in sorted(parts):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _done(step: Step, out: Artifacts, parts: Sequence[int]) -> bool:
    """Looks up the artifacts of ``step`` for ``parts``: True, and added to ``out``, when every one is there."""
    try:
        out |= step.run(out, parts, build=False)
    except StageNotDone:
        return False
    return True


def _nothing_cached(store: ArtifactStore, stage: Stage) -> bool:
    """True when the store holds no finished artifact of ``stage`` at all.

    A first submission then needs no lookup, which would fingerprint (hash)
    every input file of a text corpus on the submitting (login) node.
    """
    folder = store.root / stage.value
    return not folder.is_dir() or not any(store.is_complete(p) for p in folder.iterdir())


def plan_chain(study: Study, store: ArtifactStore) -> list[ChainJob]:
    """The jobs that finish the study, in order; empty when every artifact is already there.

    With ``force`` every step is planned: each job then rebuilds what it builds.
    """
    every, scanned = range(study.n_parts), range(study.scan_parts)
    out: Artifacts = {}
    jobs: list[ChainJob] = []
    # `jobs or ...`: once a step is planned, what follows is planned whole, without a lookup.
    fresh = store.force or _nothing_cached(store, Stage.TOKENIZE)
    if missing := list(every) if fresh else [i for i in every if not _done(study.index, out, [i])]:
        jobs.append(ChainJob(NeardupStep.index, tuple(missing)))
    if jobs or not _done(study.targets, out, every):
        jobs.append(ChainJob(NeardupStep.targets))
    if missing := list(scanned) if jobs else [i for i in scanned if not _done(study.scan, out, [i])]:
        jobs.append(ChainJob(NeardupStep.scan, tuple(missing)))
    if jobs or not _done(study.analysis, out, scanned):
        jobs.append(ChainJob(NeardupStep.analysis))
    return jobs
