"""``neardup.launcher``: one command submits the whole study as a chain of jobs.

    mosaic task=neardup neardup.launcher=slurm neardup.slurm.partition=cpu ...

The command plans the jobs that are still needed (:mod:`mosaic_exp.neardup.chain`),
submits them through submitit, each after the one before it
(``--dependency=afterok:<id>``; an array counts as one id, all its tasks), writes
``<run>/neardup/submission.json`` and returns while the jobs wait in the queue.

Every job runs one existing step (``neardup.step``, ``neardup.part``) on the
config the submitting command composed and resolved: submitit pickles it with
the job, so every job sees the same ``paths`` and settings, whatever its
environment says. ``local`` and ``debug`` run the same jobs on this machine;
they have no scheduler to hold a job back, so each step is waited for before
the next is submitted.
"""

from __future__ import annotations

import copy
import functools
import logging
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from omegaconf import DictConfig, OmegaConf

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.errors import UserError
from mosaic_exp.neardup.chain import ChainJob, plan_chain, spans
from mosaic_exp.neardup.config import NeardupConfig, NeardupLauncher, NeardupStep
from mosaic_exp.neardup.study import build_study
from mosaic_exp.store import ArtifactStore

log = logging.getLogger(__name__)

# The record of a submission, in the run's neardup/ folder beside the figures.
SUBMISSION = "submission.json"
# Hydra's log format, so a job's log reads like a run's.
LOG_FORMAT = "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s"

Run = Callable[[DictConfig], Any]


class Job(Protocol):
    """What the chain reads of a submitted job (a ``submitit.Job``)."""

    job_id: str

    def result(self) -> Any: ...


class Executor(Protocol):
    """The part of ``submitit.AutoExecutor`` the chain uses; tests pass a recording fake."""

    def update_parameters(self, **kwargs: Any) -> None: ...

    def submit(self, fn: Callable[..., Any], *args: Any) -> Job: ...

    def map_array(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> list[Job]: ...


def make_executor(settings: NeardupConfig) -> Executor:
    """submitit's executor for ``neardup.launcher``, writing into ``neardup.slurm.log_dir``."""
    import submitit  # only a submission needs it

    launcher = settings.launcher
    if launcher is NeardupLauncher.slurm and not (shutil.which("sbatch") and shutil.which("srun")):
        raise UserError(
            "neardup.launcher=slurm submits with sbatch and srun, which are not on this machine's PATH: "
            "run the command on the cluster's login node (neardup.launcher=local runs the same jobs here)"
        )
    return submitit.AutoExecutor(folder=Path(settings.slurm.log_dir) / "%j", cluster=launcher.value)


def job_parameters(settings: NeardupConfig, step: NeardupStep, after: Sequence[str]) -> dict[str, Any]:
    """submitit's parameters of the job(s) of ``step``, waiting for the jobs ``after`` to succeed."""
    slurm = settings.slurm
    sbatch: dict[str, Any] = dict(slurm.sbatch)
    if after:
        # A failed job cancels the jobs waiting for it, rather than leaving them pending forever.
        sbatch = {"kill-on-invalid-dep": "yes", **sbatch, "dependency": "afterok:" + ":".join(after)}
    return {
        "name": f"neardup-{step.value}",
        "timeout_min": slurm.timeout_min,
        "cpus_per_task": slurm.cpus_per_task or settings.threads,
        "mem_gb": slurm.mem_gb,
        "slurm_partition": slurm.partition,
        "slurm_account": slurm.account,
        "slurm_qos": slurm.qos,
        "slurm_array_parallelism": slurm.array_parallelism,
        "slurm_setup": list(slurm.setup) or None,
        "slurm_additional_parameters": sbatch,
    }


def job_config(cfg: DictConfig, step: NeardupStep, part: int | None) -> DictConfig:
    """The submitting run's resolved config, set to run ``step`` (of ``part``) in the job itself."""
    job = copy.deepcopy(cfg)
    job.neardup.launcher = None
    job.neardup.step = step
    job.neardup.part = part
    return job


def run_job(run: Run, cfg: DictConfig) -> None:
    """What a job executes: ``run`` on its config, logging to the job's output as a run logs to its own."""
    # Outside Hydra nothing configures logging; without this the steps' progress lines would be lost.
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stdout)
    run(cfg)


def dependency_ids(job_ids: Sequence[str]) -> list[str]:
    """The ids a dependency names: the tasks of a SLURM array (``123_0``, ``123_1``) by the array's, ``123``."""
    ids = []
    for job_id in job_ids:
        array, _, task = job_id.partition("_")
        ids.append(array if array.isdigit() and task.isdigit() else job_id)
    return list(dict.fromkeys(ids))


def shown_ids(job_ids: Sequence[str]) -> str:
    """Job ids for a log line: ``124``, or an array as SLURM writes it, ``123_[0-63]``."""
    arrays = dependency_ids(job_ids)
    if len(job_ids) > 1 and len(arrays) == 1:
        return f"{arrays[0]}_[{spans([int(i.partition('_')[2]) for i in job_ids])}]"
    return ", ".join(job_ids)


def _check(settings: NeardupConfig) -> None:
    if settings.step is not NeardupStep.all or settings.part is not None:
        raise UserError(
            "neardup.launcher submits the whole study, each job with its own neardup.step and neardup.part: "
            "leave both unset, or run one step here with neardup.launcher=null"
        )


def _submit(executor: Executor, run: Run, cfg: DictConfig, job: ChainJob, wait: bool) -> list[str]:
    """Submits ``job`` (an array when it runs per part), and waits for it to finish if ``wait``; the ids of its jobs."""
    fn = functools.partial(run_job, run)
    if job.parts is None:
        jobs = [executor.submit(fn, job_config(cfg, job.step, None))]
    else:
        jobs = executor.map_array(fn, [job_config(cfg, job.step, i) for i in job.parts])
    if wait:
        # No scheduler holds the next step back: it may only start once this one is done.
        for j in jobs:
            j.result()
    return [j.job_id for j in jobs]


def _submit_all(executor: Executor, run: Run, cfg: DictConfig, settings: NeardupConfig, chain: list[ChainJob], entries: list) -> None:
    """Submits ``chain`` in order, each after the one before; appends one entry per submission to ``entries``."""
    after: list[str] = []
    for job in chain:
        executor.update_parameters(**job_parameters(settings, job.step, after))
        ids = _submit(executor, run, cfg, job, wait=settings.launcher is not NeardupLauncher.slurm)
        entries.append({"step": job.step.value, "parts": None if job.parts is None else list(job.parts), "job_ids": ids, "after": after})
        log.info("%s: job %s%s", job.describe(), shown_ids(ids), f" after {', '.join(after)}" if after else "")
        after = dependency_ids(ids)


def submit_chain(cfg: DictConfig, run: Run, executor: Executor | None = None) -> dict[str, Any]:
    """Submits the jobs that finish the study of ``cfg`` (``neardup.launcher``); returns what it records.

    ``run`` is what each job calls with its config (``task=neardup`` run here).
    ``executor`` defaults to submitit's for ``neardup.launcher``. When nothing
    is missing, nothing is submitted and ``run`` copies the cached analysis to
    this run's folder, as a plain rerun would.
    """
    cfg = copy.deepcopy(cfg)
    OmegaConf.resolve(cfg)
    store = ArtifactStore(cfg.paths.cache_dir, force=cfg.force)
    study = build_study(cfg, store)
    settings = study.settings
    _check(settings)
    # Before the lookups, which may hash the corpus: a launcher that cannot submit stops at once.
    executor = executor or make_executor(settings)
    chain = plan_chain(study, store)
    if not chain:
        log.info("every step of the study is done: nothing submitted")
        run(job_config(cfg, NeardupStep.all, None))
    elif done := [s.value for s in NeardupStep if s is not NeardupStep.all and s not in {job.step for job in chain}]:
        log.info("already done: %s", ", ".join(done))
    entries: list[dict[str, Any]] = []
    record = {
        "launcher": settings.launcher.value,
        "submitted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cache_dir": str(store.root),
        "log_dir": settings.slurm.log_dir,
        "jobs": entries,
    }
    path = Path(cfg.paths.output_dir) / "neardup" / SUBMISSION
    try:
        _submit_all(executor, run, cfg, settings, chain, entries)
    finally:
        # Also when a submission fails: the jobs queued before it are on record.
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, record)
    if chain and settings.launcher is NeardupLauncher.slurm:
        queued = " → ".join(f"{e['step']} {shown_ids(e['job_ids'])}" for e in entries)
        log.info("queued: %s; they run on their own (squeue --me), logs in %s; record: %s", queued, settings.slurm.log_dir, path)
    return record
