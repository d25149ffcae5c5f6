"""What every step of the study shares: its context, its contract, and how it reaches the store.

A :class:`Step` declares the stages it reads (``inputs``) and the stages it
builds (``outputs``), and has one method, :meth:`Step.run`: given the artifacts
of its inputs and the parts it works on, it returns the artifacts of its
outputs. With ``build=False`` it only looks them up, and a missing one stops
the run with the command that builds it (:class:`StageNotDone`): a step that
merges parts never silently redoes the work of a SLURM array.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mosaic_exp.errors import UserError
from mosaic_exp.neardup.artifacts import PART, ArtifactKey, Stage
from mosaic_exp.neardup.config import NeardupConfig, NeardupStep
from mosaic_exp.neardup.corpus import CorpusSource
from mosaic_exp.neardup.parts import Part
from mosaic_exp.store import Artifact, ArtifactStore

Artifacts = dict[ArtifactKey, Artifact]


class StageNotDone(UserError):
    """A step needs the output of an earlier step that has not finished."""


@dataclass(frozen=True)
class StudyContext:
    """What every step reads besides its input artifacts."""

    settings: NeardupConfig
    corpus: CorpusSource
    # The corpus config as it enters the parts' cache keys.
    corpus_spec: Mapping[str, Any]
    store: ArtifactStore


def read_part(tokenized: Artifact) -> Part:
    """The part that a tokenize artifact holds (or names, for parts used where they are)."""
    return Part.from_json(json.loads((tokenized.path / PART).read_text()), base=tokenized.path)


def query_dtype(token_bytes: int) -> np.dtype:
    """The dtype of queries (candidates, targets) that rust_sa takes for parts of this width."""
    return np.dtype(np.uint16 if token_bytes == 2 else np.uint32)


class Step(ABC):
    """One step of the study (``neardup.step=<name>``) over the artifact store."""

    name: ClassVar[NeardupStep]
    inputs: ClassVar[tuple[Stage, ...]]
    outputs: ClassVar[tuple[Stage, ...]]
    # One job per part (neardup.part selects one), or one job for the corpus.
    per_part: ClassVar[bool]

    def __init__(self, context: StudyContext) -> None:
        self.context = context
        self.settings = context.settings

    def run(self, inputs: Artifacts, parts: Sequence[int], build: bool) -> Artifacts:
        """The artifacts of :attr:`outputs` for ``parts``, built (``build``) or looked up.

        ``parts`` are the parts a per-part step works on, or the parts whose
        artifacts a corpus-wide step merges.
        """
        given = {key.stage for key in inputs}
        if missing := [s.value for s in self.inputs if s not in given]:
            raise TypeError(f"step {self.name.value} is run without its inputs {missing}")
        out = self._run(inputs, list(parts), build)
        if extra := sorted({key.stage.value for key in out} - {s.value for s in self.outputs}):
            raise TypeError(f"step {self.name.value} returned undeclared outputs {extra}")
        return out

    @abstractmethod
    def _run(self, inputs: Artifacts, parts: list[int], build: bool) -> Artifacts:
        """What :meth:`run` does once the inputs are checked."""

    def artifact(self, key: ArtifactKey, spec: Mapping[str, Any], builder: Callable[[Path], None], build: bool) -> Artifact:
        """The artifact of ``key`` for ``spec``: built if needed (``build``), else looked up."""
        store = self.context.store
        if build:
            return store.build(key.stage.value, spec, builder)
        path = store.path(key.stage.value, spec)
        if not store.is_complete(path):
            raise StageNotDone(f"{key.stage.value} is not done ({path}); first run {self.command(key)}")
        return Artifact(key.stage.value, path.name, path, reused=True)

    def command(self, key: ArtifactKey) -> str:
        """The settings that build ``key``: this step, for its part if the step runs per part."""
        part = f" neardup.part={key.part}" if self.per_part and key.part is not None else ""
        return f"neardup.step={self.name.value}{part}"
