"""The steps of the near-duplicate study, in order (see :mod:`mosaic_exp.neardup.study`).

index     per part:  tokenize → suffix array → self-similar sequences
targets   corpus:    candidates → exact counts per part → targets
scan      per part:  near duplicates of every target
analysis  corpus:    merged hits, curves, figures
"""

from mosaic_exp.neardup.steps.analysis import AnalysisStep
from mosaic_exp.neardup.steps.base import Artifacts, StageNotDone, Step, StudyContext
from mosaic_exp.neardup.steps.index import IndexStep
from mosaic_exp.neardup.steps.scan import ScanStep
from mosaic_exp.neardup.steps.targets import TargetsStep

STEPS: tuple[type[Step], ...] = (IndexStep, TargetsStep, ScanStep, AnalysisStep)

__all__ = ["STEPS", "AnalysisStep", "Artifacts", "IndexStep", "ScanStep", "StageNotDone", "Step", "StudyContext", "TargetsStep"]
