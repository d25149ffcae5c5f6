"""Config of ``task=analyze`` (``conf/analysis/``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AnalysisConfig:
    """What task=analyze reads: run folders (results.json below them) and/or the authors' AUC files."""

    inputs: list[str] = field(default_factory=list)
    # A folder of the original scripts' AUC pickles (nrep_aucs_*, R_aucs_*).
    legacy_dir: str | None = None
    # The attack whose AUCs define rho (the paper's headline attack is ratio).
    attack: str = "ratio"
