"""Analysing a multirun where it ran: tables and figures in ``<sweep dir>/analysis/`` once every job is done.

Registered in ``conf/hydra/default.yaml`` (``hydra.callbacks.analysis``); remove
it for one sweep with ``~hydra.callbacks.analysis``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)

ANALYSIS_DIR = "analysis"


class AnalyzeSweep(Callback):
    """After a multirun, runs ``task=analyze`` on its sweep folder, writing to ``<sweep dir>/analysis/``.

    Sweeps without ``results.json`` (e.g. of ``task=neardup``) are skipped.
    Hydra calls this only when every job succeeded; a failed analysis is
    logged with the command that reproduces it, never raised: the jobs'
    results are already on disk.
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        # Imported here: Hydra builds its callbacks for every run, most of which never plot.
        from mosaic_exp.analysis.report import analyze_inputs, has_results
        from mosaic_exp.errors import UserError

        sweep_dir = Path(config.hydra.sweep.dir)
        if not has_results([sweep_dir]):
            log.info("sweep %s: no results.json, nothing to analyze", sweep_dir)
            return
        out = sweep_dir / ANALYSIS_DIR
        attack = config.analysis.attack
        try:
            analyze_inputs([sweep_dir], None, attack, out)
        except UserError as err:
            log.warning("analysis of sweep %s stopped: %s", sweep_dir, err)
            return
        except Exception:  # noqa: BLE001 (any failure here must not hide the finished sweep)
            log.exception(
                "analysis of sweep %s failed (tables and figures written so far are in %s); rerun it with\n"
                "  python run.py task=analyze 'analysis.inputs=[%s]' analysis.attack=%s",
                sweep_dir,
                out,
                sweep_dir,
                attack,
            )
            return
        log.info("sweep %s analysed: tables and figures in %s", sweep_dir, out)
