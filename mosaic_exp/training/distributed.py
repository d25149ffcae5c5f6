"""Where multi-process training (``strategy=ddp``) can start its processes.

Lightning's ``ddp`` strategy starts the extra processes of a node by running
the current command again (``LOCAL_RANK=1 python run.py ...``, with Hydra's
run folder pinned so every process writes to the same one). That only works
when the command is a single ``python run.py`` run: from Python code it would
rerun whatever program is running (e.g. pytest), and in a local multirun
(``-m``) every process would start the whole sweep again.
"""

from __future__ import annotations

import lightning as L
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from lightning.pytorch.strategies.launchers.subprocess_script import _SubprocessScriptLauncher

from mosaic_exp.errors import UserError


def check_process_launch(trainer: L.Trainer) -> None:
    """Raises a clear error where the trainer would rerun a command it should not."""
    launcher = trainer.strategy.launcher
    if not isinstance(launcher, _SubprocessScriptLauncher) or launcher.cluster_environment.creates_processes_externally:
        # One process, or processes started by SLURM / torchrun: nothing is rerun.
        return
    if not HydraConfig.initialized():
        raise UserError(
            "strategy=ddp starts its extra processes by running the current command again, so it runs from "
            "`python run.py ... trainer=ddp` (or trainer=ddp_cpu) only, not from Python code"
        )
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        raise UserError(
            "strategy=ddp cannot start its processes inside a local multirun (-m): every process would rerun the "
            "sweep. Run each setting as its own `python run.py` command, or sweep on SLURM "
            "(hydra/launcher=slurm with hydra.launcher.tasks_per_node=<devices>), where SLURM starts the processes"
        )
