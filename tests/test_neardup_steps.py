"""The study's steps: declared inputs and outputs, typed keys, an analysis that reads only scans, config defaults, figures."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import compose_config
from neardup_study import run_study
from omegaconf import OmegaConf

from mosaic_exp.neardup.artifacts import HITS, ArtifactKey, Stage
from mosaic_exp.neardup.config import PlantedNeardupCorpusConfig
from mosaic_exp.neardup.corpus import CorpusSource
from mosaic_exp.neardup.hits import COLUMNS, LONGEST_SHARED
from mosaic_exp.neardup.planted import PlantedCorpus
from mosaic_exp.neardup.slimpajama import SlimPajamaCorpus
from mosaic_exp.neardup.steps import STEPS
from mosaic_exp.neardup.steps.base import read_part
from mosaic_exp.store import MARKER


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    root = tmp_path_factory.mktemp("steps")
    study, artifacts = run_study(root)
    return root, study, artifacts


def test_steps_chain_their_declared_outputs_in_order() -> None:
    built: set[Stage] = set()
    for step in STEPS:
        assert set(step.inputs) <= built, step.name
        assert not set(step.outputs) & built, step.name
        built |= set(step.outputs)
    assert built == set(Stage)
    assert [s.name.value for s in STEPS] == ["index", "targets", "scan", "analysis"]


def test_a_step_refuses_to_run_without_its_inputs(done) -> None:
    _, study, _ = done
    with pytest.raises(TypeError, match="neardup_targets"):
        study.scan.run({}, [0], build=False)


def test_keys_name_every_stage_and_part(done) -> None:
    _, _, artifacts = done
    assert str(ArtifactKey(Stage.MAKE, 1)) == "make[1]" and str(ArtifactKey(Stage.ANALYSIS)) == "analysis"
    per_part = [f"{s.label}[{i}]" for i in (0, 1) for s in (Stage.TOKENIZE, Stage.MAKE, Stage.SELFSIM)]
    assert list(artifacts) == [*per_part, "candidates", "count[0]", "count[1]", "targets", "scan[0]", "scan[1]", "analysis"]
    assert all(a.stage == Stage[k.split("[")[0].upper()].value for k, a in artifacts.items())


def test_the_scan_records_the_longest_run_each_window_shares_with_its_target(done) -> None:
    _, _, artifacts = done
    targets = np.load(artifacts["targets"].path / "targets.npy").astype(np.int64)
    for i in (0, 1):
        table = pq.read_table(artifacts[f"scan[{i}]"].path / HITS).to_pylist()
        tokens = read_part(artifacts[f"tokenize[{i}]"]).tokens()
        assert table
        for row in table[:: max(1, len(table) // 40)]:
            window = tokens[row["position"] : row["position"] + targets.shape[1]].astype(np.int64).tolist()
            target = targets[row["target"]].tolist()
            # The plain definition: the longest k with a common run of k tokens.
            best = max((k for k in range(1, len(target) + 1) if _shares(window, target, k)), default=0)
            assert row[LONGEST_SHARED] == best


def _shares(a: list[int], b: list[int], k: int) -> bool:
    return bool({tuple(a[i : i + k]) for i in range(len(a) - k + 1)} & {tuple(b[j : j + k]) for j in range(len(b) - k + 1)})


def test_the_analysis_reads_the_scans_and_not_the_parts(tmp_path: Path, done) -> None:
    _, _, reference = done
    _, first = run_study(tmp_path)
    # Parts gone: an analysis that still read them would fail.
    for i in (0, 1):
        (first[f"tokenize[{i}]"].path / "part.train").unlink()
    (first["analysis"].path / MARKER).unlink()
    _, again = run_study(tmp_path, "neardup.step=analysis")
    assert not again["analysis"].reused
    merged = pq.read_table(again["analysis"].path / HITS)
    assert merged.column_names == list(COLUMNS)
    assert merged.equals(pq.read_table(reference["analysis"].path / HITS))


def test_both_corpora_are_corpus_sources() -> None:
    assert isinstance(PlantedCorpus.from_config(PlantedNeardupCorpusConfig()), CorpusSource)
    assert isinstance(SlimPajamaCorpus("/nowhere"), CorpusSource)


def test_the_planted_corpus_has_one_source_of_defaults(tmp_path: Path) -> None:
    import inspect

    # No defaults of its own: the config dataclass holds them.
    params = inspect.signature(PlantedCorpus).parameters.values()
    assert all(p.default is inspect.Parameter.empty for p in params)
    composed = OmegaConf.to_container(compose_config(["task=neardup"], root=tmp_path).neardup, resolve=True)
    defaults = dataclasses.asdict(PlantedNeardupCorpusConfig())
    # The YAML ties these to the study's settings; every other value is the dataclass's.
    tied = {"seed": 42, "length": 100, "counts": [10, 100, 1000], "sequences_per_count": 1}
    assert composed["corpus"] == {**defaults, **tied}
    assert composed["buckets"] == [10, 100, 1000]


def test_figures_leave_the_matplotlib_backend_alone() -> None:
    code = (
        "import matplotlib; before = matplotlib.rcParams._get_backend_or_none(); "
        "import mosaic_exp.neardup.study, mosaic_exp.neardup.figures; "
        "assert matplotlib.rcParams._get_backend_or_none() == before, matplotlib.rcParams._get_backend_or_none()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_count_axes_get_integer_ticks_even_over_a_narrow_range(tmp_path: Path) -> None:
    from mosaic_exp.neardup.figures import _count_ticks, _figure

    fig = _figure((6, 4))
    ax = fig.subplots()
    ax.plot(np.arange(51), np.linspace(1000, 1020, 51))
    ax.set_yscale("log")
    _count_ticks(ax)
    fig.canvas.draw()
    for axis in (ax.xaxis, ax.yaxis):
        locs = [v for v in axis.get_ticklocs() if axis.get_view_interval()[0] <= v <= axis.get_view_interval()[1]]
        assert len(locs) >= 3 and all(float(v).is_integer() for v in locs)
    labels = [t.get_text() for t in ax.yaxis.get_ticklabels() if t.get_text()]
    assert labels and all("." not in label for label in labels)
