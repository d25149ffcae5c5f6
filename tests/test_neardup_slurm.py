"""`task=neardup neardup.launcher=slurm`: one command submits the whole study as a chain of jobs.

No SLURM here: the plan is checked through a fake executor that records each
submission, the sbatch scripts through submitit's real executor with a fake
`sbatch`, and the chain itself by running it with submitit's debug executor.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path
from typing import Any

import cloudpickle
import pyarrow.parquet as pq
import pytest
from conftest import compose_config
from neardup_study import SMALL, run_study

from mosaic_exp.errors import UserError
from mosaic_exp.neardup.chain import spans
from mosaic_exp.neardup.slurm import SUBMISSION, dependency_ids, shown_ids, submit_chain
from mosaic_exp.tasks.neardup import neardup, run_here

SLURM = [*SMALL, "neardup.launcher=slurm", "neardup.slurm.partition=cpu"]


class FakeJob:
    def __init__(self, job_id: str) -> None:
        self.job_id = job_id

    def result(self) -> None:
        raise AssertionError("a SLURM submission never waits for its jobs")


class FakeExecutor:
    """Records what would be submitted, with SLURM's ids: jobs 100, 101, …; an array's tasks 100_0, 100_1, …"""

    def __init__(self) -> None:
        self.parameters: dict[str, Any] = {}
        self.submitted: list[dict[str, Any]] = []

    def update_parameters(self, **kwargs: Any) -> None:
        self.parameters = dict(kwargs)

    def _record(self, fn, configs: list, array: bool) -> list[FakeJob]:
        # submitit pickles every job with cloudpickle; the job must come back whole.
        fn, configs = pickle.loads(cloudpickle.dumps((fn, configs)))
        job_id = str(100 + len(self.submitted))
        self.submitted.append(
            {
                "step": configs[0].neardup.step.value,
                "parts": [c.neardup.part for c in configs],
                "launcher": {c.neardup.launcher for c in configs},
                "parameters": self.parameters,
            }
        )
        return [FakeJob(f"{job_id}_{i}" if array else job_id) for i in range(len(configs))]

    def submit(self, fn, cfg) -> FakeJob:
        return self._record(fn, [cfg], array=False)[0]

    def map_array(self, fn, configs) -> list[FakeJob]:
        return self._record(fn, list(configs), array=True)


def _submit(root: Path, *extra: str) -> tuple[FakeExecutor, dict]:
    executor = FakeExecutor()
    record = submit_chain(compose_config([*SLURM, *extra], root=root), run=run_here, executor=executor)
    return executor, record


def _chain(executor: FakeExecutor) -> list[tuple[str, list, str | None]]:
    """(step, parts, dependency) of each submission."""
    return [(s["step"], s["parts"], s["parameters"]["slurm_additional_parameters"].get("dependency")) for s in executor.submitted]


def test_a_fresh_study_is_one_chain_of_four_submissions(tmp_path: Path) -> None:
    executor, record = _submit(tmp_path, "neardup.n_parts=3", "neardup.scan_parts=2", "neardup.threads=3")
    assert _chain(executor) == [
        ("index", [0, 1, 2], None),
        ("targets", [None], "afterok:100"),
        ("scan", [0, 1], "afterok:101"),
        ("analysis", [None], "afterok:102"),
    ]
    first = executor.submitted[0]["parameters"]
    assert first["slurm_partition"] == "cpu" and first["cpus_per_task"] == 3 and first["name"] == "neardup-index"
    assert first["slurm_additional_parameters"] == {}
    assert executor.submitted[1]["parameters"]["slurm_additional_parameters"]["kill-on-invalid-dep"] == "yes"
    # Jobs run their step here, never submitting again.
    assert all(s["launcher"] == {None} for s in executor.submitted)
    saved = json.loads((tmp_path / "output" / "neardup" / SUBMISSION).read_text())
    assert saved == record and saved["launcher"] == "slurm" and saved["submitted_at"]
    assert [(j["step"], j["parts"], j["job_ids"], j["after"]) for j in saved["jobs"]] == [
        ("index", [0, 1, 2], ["100_0", "100_1", "100_2"], []),
        ("targets", None, ["101"], ["100"]),
        ("scan", [0, 1], ["102_0", "102_1"], ["101"]),
        ("analysis", None, ["103"], ["102"]),
    ]


def test_a_rerun_submits_only_what_is_missing(tmp_path: Path) -> None:
    run_study(tmp_path, "neardup.step=index", "neardup.part=0")
    executor, _ = _submit(tmp_path)
    # Part 1's index is missing: every later step is submitted whole (its jobs reuse what they find).
    assert _chain(executor) == [
        ("index", [1], None),
        ("targets", [None], "afterok:100"),
        ("scan", [0, 1], "afterok:101"),
        ("analysis", [None], "afterok:102"),
    ]

    run_study(tmp_path, "neardup.step=index", "neardup.part=1")
    run_study(tmp_path, "neardup.step=targets")
    run_study(tmp_path, "neardup.step=scan", "neardup.part=0")
    executor, _ = _submit(tmp_path)
    assert _chain(executor) == [("scan", [1], None), ("analysis", [None], "afterok:100")]

    run_study(tmp_path, "neardup.step=scan", "neardup.part=1")
    executor, _ = _submit(tmp_path)
    assert _chain(executor) == [("analysis", [None], None)]

    run_study(tmp_path, "neardup.step=analysis")
    executor, record = _submit(tmp_path)
    assert executor.submitted == [] and record["jobs"] == []
    # Nothing to submit: the cached analysis lands in this run's folder, as on a plain rerun.
    assert (tmp_path / "output" / "neardup" / "summary.json").is_file()

    executor, _ = _submit(tmp_path, "force=true")
    assert [s["step"] for s in executor.submitted] == ["index", "targets", "scan", "analysis"]


def test_the_launcher_submits_the_whole_study_only(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="neardup.launcher submits the whole study"):
        _submit(tmp_path, "neardup.step=scan")


def test_slurm_needs_sbatch_on_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UserError, match="login node"):
        neardup(compose_config(SLURM, root=tmp_path))


def _fake_slurm(bin_dir: Path, scripts: Path) -> None:
    """`srun` and an `sbatch` that keeps each script and answers with ids 1001, 1002, …"""
    bin_dir.mkdir()
    scripts.mkdir()
    sbatch = f"""#!/bin/sh
n=$(( $(ls {scripts} | wc -l) + 1001 ))
cp "$1" {scripts}/$n.sh
echo "Submitted batch job $n"
"""
    for name, text in (("sbatch", sbatch), ("srun", "#!/bin/sh\nexit 0\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(stat.S_IRWXU)


def test_submitit_writes_the_chain_into_sbatch_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scripts = tmp_path / "scripts"
    _fake_slurm(tmp_path / "bin", scripts)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    cfg = compose_config([*SLURM, "neardup.slurm.array_parallelism=1", "+neardup.slurm.sbatch.constraint=amd"], root=tmp_path)
    record = neardup(cfg)
    assert [j["job_ids"] for j in record["jobs"]] == [["1001_0", "1001_1"], ["1002"], ["1003_0", "1003_1"], ["1004"]]
    text = {int(p.stem): p.read_text() for p in scripts.iterdir()}
    assert "#SBATCH --array=0-1%1" in text[1001] and "--dependency" not in text[1001]
    assert "#SBATCH --dependency=afterok:1001" in text[1002] and "#SBATCH --kill-on-invalid-dep=yes" in text[1002]
    assert "#SBATCH --dependency=afterok:1003" in text[1004] and "#SBATCH --array" not in text[1004]
    assert all("#SBATCH --partition=cpu" in t and "#SBATCH --constraint=amd" in t for t in text.values())
    assert all("#SBATCH --job-name=neardup-" in t and "#SBATCH --cpus-per-task=2" in t for t in text.values())


def test_the_chain_run_by_submitit_gives_the_plain_runs_outputs(tmp_path: Path) -> None:
    fast = ["neardup.ngram_sizes=[10,100]"]
    chained, plain = tmp_path / "chained", tmp_path / "plain"
    cfg = compose_config([*SMALL, *fast, "neardup.launcher=debug"], root=chained)
    record = neardup(cfg)
    assert [j["step"] for j in record["jobs"]] == ["index", "targets", "scan", "analysis"]
    neardup(compose_config([*SMALL, *fast], root=plain))
    a, b = chained / "output" / "neardup", plain / "output" / "neardup"
    for name in ("cumulative.csv", "hamming_vs_levenshtein.csv", "ngram_survival.csv", "summary.json", "targets.json", "spec.json"):
        assert (a / name).read_text() == (b / name).read_text(), name
    assert pq.read_table(a / "hits.parquet").equals(pq.read_table(b / "hits.parquet"))
    assert (a / "cumulative.png").stat().st_size > 0 and (Path(cfg.neardup.index_dir) / "index.json").is_file()


def test_ids_and_parts_read_as_slurm_writes_them() -> None:
    assert dependency_ids(["7_0", "7_1", "8"]) == ["7", "8"]
    assert dependency_ids(["DEBUG_1_2"]) == ["DEBUG_1_2"]
    assert shown_ids(["7_0", "7_1", "7_2", "7_5"]) == "7_[0-2, 5]" and shown_ids(["8"]) == "8"
    assert spans([3, 0, 1, 2, 7]) == "0-3, 7"
