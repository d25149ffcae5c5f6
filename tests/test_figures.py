"""Analysis figures and sweep tables, on synthetic run folders with known AUCs."""

from __future__ import annotations

import csv
import io
import logging
import statistics
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest
from rich.console import Console
from synthetic_runs import exact_auc, worth, write_sweep

from mosaic_exp.analysis import figures
from mosaic_exp.analysis.console import print_grids, print_rho
from mosaic_exp.analysis.curves import equivalences, exact_curves, families_of_kind, series
from mosaic_exp.analysis.labels import family_title
from mosaic_exp.analysis.records import REPLACE, run_records
from mosaic_exp.analysis.report import write_analysis
from mosaic_exp.analysis.tables import SWEEP_TABLES, auc_table, rho_table, sweep_table
from mosaic_exp.analysis.text import format_grid
from mosaic_exp.metrics.rho import exact_duplicate_equivalent, rho, smooth

SEEDS = (1, 2)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list:
    """Figures handed to ``save_figure``, kept for inspection instead of written (no pyplot: nothing to close)."""
    kept: list = []
    monkeypatch.setattr(figures, "save_figure", lambda fig, directory, name: kept.append((name, fig)) or [])
    return kept


def test_every_table_and_figure_is_written(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_sweep(tmp_path / "runs", models=("m1", "org/m2"), seeds=SEEDS)
    tables = write_analysis(run_records([tmp_path / "runs"]), tmp_path / "out", "ratio")
    stems = ["auc_vs_nu", "nu_eq_m1", "nu_eq_org_m2", "rho_vs_R"]
    expected = {f"{t}.csv" for t in ("auc", "rho", "insertion", "shuffle", "topk")}
    expected |= {f"{stem}.{fmt}" for stem in stems for fmt in ("png", "pdf")}
    assert {p.name for p in (tmp_path / "out").iterdir()} == expected
    for stem in stems:
        height, width, _ = matplotlib.image.imread(tmp_path / "out" / f"{stem}.png").shape
        assert width > 800 and height > 500
        assert (tmp_path / "out" / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    assert set(tables) == {"auc", "rho", "insertion", "shuffle", "topk"}
    printed = capsys.readouterr().out
    assert "insertion sweep, m1, insert: AUC/rho (ratio attack), every down, n_insert across" in printed
    assert "topk sweep, org/m2, replace,strategy=mlm,same_indices=False,uniform_spread=False" in printed


def test_insertion_table_has_auc_and_rho_per_setting(tmp_path: Path) -> None:
    write_sweep(tmp_path / "runs", models=("m1",), seeds=SEEDS, fuzzy=False)
    write_analysis(run_records([tmp_path / "runs"]), tmp_path / "out", "ratio")
    rows = list(csv.DictReader((tmp_path / "out" / "insertion.csv").open()))
    assert [(int(r["every"]), float(r["n_insert"])) for r in rows] == [(n, x) for n in (5, 10) for x in (1, 5, 10)]
    for row in rows:
        setting = {"name": "insert", "every": int(row["every"]), "n_insert": int(float(row["n_insert"]))}
        aucs = [exact_auc(worth(setting), s, "m1") for s in SEEDS]
        rhos = [rho(a, {nu: exact_auc(nu, s, "m1") for nu in range(1, 11)}) for a, s in zip(aucs, SEEDS)]
        assert float(row["auc_mean"]) == pytest.approx(statistics.mean(aucs))
        assert float(row["rho_mean"]) == pytest.approx(statistics.mean(rhos))
        assert row["group"] == "insert" and int(row["seeds"]) == 2


def test_sweep_tables_without_exact_runs_have_no_rho(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_sweep(tmp_path / "runs", seeds=(1,), exact=())
    with caplog.at_level(logging.INFO):
        tables = write_analysis(run_records([tmp_path / "runs"]), tmp_path / "out", "ratio")
    # One line says what rho would need; the count of tables is what was written.
    (line,) = [r.getMessage() for r in caplog.records if "no rho" in r.getMessage()]
    assert "perturbation=exact nrep=1,2" in line
    written = sorted(p.stem for p in (tmp_path / "out").glob("*.csv"))
    assert f"{len(written)} tables" in caplog.text and tables["rho"] == []
    assert not (tmp_path / "out" / "rho.csv").exists()
    rows = list(csv.DictReader((tmp_path / "out" / "topk.csv").open()))
    assert len(rows) == 2 * 2 * 6 and all(r["rho_mean"] == "" and float(r["auc_mean"]) > 0.5 for r in rows)
    assert [t.name for t in SWEEP_TABLES if (tmp_path / "out" / f"{t.name}.csv").is_file()] == ["insertion", "shuffle", "topk"]


def test_equivalence_figure_carries_each_fuzzy_auc_to_its_nu_eq(tmp_path: Path, captured: list) -> None:
    write_sweep(tmp_path / "runs", models=("m1",), seeds=SEEDS, tables=False)
    records = run_records([tmp_path / "runs"])
    rows = [r for r in auc_table(records) if r["attack"] == "ratio"]
    exact = exact_curves(rows)
    assert exact["m1"].smoothed == pytest.approx(smooth(exact["m1"].observed.mean))
    eqs = equivalences(rows, exact, families_of_kind(records, REPLACE))
    assert [eq.fuzzy.family.split(",")[2] for eq in eqs] == ["topk=1", "topk=10"]
    phi = {nu: statistics.mean(exact_auc(nu, s, "m1") for s in SEEDS) for nu in range(1, 11)}
    for eq in eqs:
        assert eq.nu_eq == pytest.approx([exact_duplicate_equivalent(a, phi) for a in eq.fuzzy.mean])

    figures.plot_equivalence(eqs, "ratio", tmp_path, "nu_eq_m1")
    ((name, fig),) = captured
    left, right = fig.axes[0], fig.axes[1]
    assert name == "nu_eq_m1" and len(fig.axes) == 4
    assert left.get_ylim() == right.get_ylim()
    assert left.get_xlabel().startswith("R") and right.get_xlabel().startswith("ν")
    legend = [t.get_text() for t in right.get_legend().get_texts()]
    assert legend[:6] == [f"R = {r:g} → ν_eq = {nu:.1f}" for r, nu in zip(eqs[0].fuzzy.x, eqs[0].nu_eq)]
    diamonds = [line for line in right.get_lines() if line.get_marker() == "D"]
    assert [line.get_xdata()[0] for line in diamonds] == pytest.approx(eqs[0].nu_eq)
    assert [line.get_ydata()[0] for line in diamonds] == pytest.approx(eqs[0].fuzzy.mean)


def test_incomplete_exact_curve_is_drawn_without_smoothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_sweep(tmp_path / "runs", models=("m1",), seeds=(1,), exact=(1, 2, 4), fuzzy=False, tables=False)
    write_analysis(run_records([tmp_path / "runs"]), tmp_path / "out", "ratio")
    assert exact_curves(auc_table(run_records([tmp_path / "runs"])))["m1"].smoothed is None
    assert "no smoothed exact curve" in caplog.text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["auc.csv", "auc_vs_nu.pdf", "auc_vs_nu.png"]


def test_auc_figure_has_points_and_smoothed_line_per_model(tmp_path: Path, captured: list) -> None:
    write_sweep(tmp_path / "runs", models=("m1", "m2"), seeds=SEEDS, fuzzy=False, tables=False)
    exact = exact_curves(r for r in auc_table(run_records([tmp_path / "runs"])) if r["attack"] == "ratio")
    figures.plot_auc_vs_nu(exact, "ratio", tmp_path)
    ((_, fig),) = captured
    (ax,) = fig.axes
    smoothed = [line for line in ax.get_lines() if line.get_linestyle() == "-" and len(line.get_xdata()) == 10]
    assert [list(line.get_ydata()) for line in smoothed] == [pytest.approx(exact[m].smoothed) for m in ("m1", "m2")]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["m1 (2 seeds)", "m2 (2 seeds)", "observed (mean ± std over seeds)", "3-wide moving average"]
    assert "ratio attack" in ax.get_ylabel()


def test_rho_figure_has_one_line_per_model_and_family(tmp_path: Path, captured: list) -> None:
    write_sweep(tmp_path / "runs", models=("m1", "m2"), seeds=SEEDS, tables=False)
    records = run_records([tmp_path / "runs"])
    rho_series = series(rho_table(records, "ratio"), "rho")
    figures.plot_rho_vs_r(rho_series, "ratio", tmp_path)
    ((_, fig),) = captured
    (ax,) = fig.axes
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [f"{m} (2 seeds), topk={k}" for m in ("m1", "m2") for k in (1, 10)]
    assert "replace, strategy=mlm, same_indices=False" in ax.get_title()
    lines = [line for line in ax.get_lines() if line.get_marker() in ("o", "s")]
    assert [list(line.get_ydata()) for line in lines] == [pytest.approx(s.mean) for s in rho_series.values()]


def test_count_axes_have_integer_ticks_and_families_human_titles(tmp_path: Path, captured: list) -> None:
    write_sweep(tmp_path / "runs", models=("m1",), seeds=SEEDS, tables=False)
    records = run_records([tmp_path / "runs"])
    rows = [r for r in auc_table(records) if r["attack"] == "ratio"]
    exact = exact_curves(rows)
    figures.plot_auc_vs_nu(exact, "ratio", tmp_path)
    figures.plot_equivalence(equivalences(rows, exact, families_of_kind(records, REPLACE)), "ratio", tmp_path, "nu_eq_m1")
    figures.plot_rho_vs_r(series(rho_table(records, "ratio"), "rho"), "ratio", tmp_path)
    [(_, auc), (_, eq), (_, rho_fig)] = captured
    # Every x axis counts copies (ν) or replaced tokens (R).
    for ax in [*auc.axes, *eq.axes, *rho_fig.axes]:
        assert isinstance(ax.xaxis.get_major_locator(), figures.MaxNLocator)
        assert all(float(t).is_integer() for t in ax.get_xticks())
    assert [ax.get_title() for ax in eq.axes] == [
        "Replacement with MLM (top-k 1), 2 seeds",
        "Exact duplicates, 2 seeds",
        "Replacement with MLM (top-k 10), 2 seeds",
        "Exact duplicates, 2 seeds",
    ]
    assert rho_fig.axes[0].get_title().splitlines()[1] == "Replacement with MLM"


def test_importing_the_analysis_leaves_matplotlib_alone() -> None:
    # A process that plots for itself keeps its backend: no matplotlib.use, no pyplot, on import.
    code = (
        "import sys, matplotlib\n"
        "matplotlib.use = lambda *a, **k: sys.exit('matplotlib.use called')\n"
        "import mosaic_exp.analysis.report, mosaic_exp.analysis.figures\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_family_titles() -> None:
    assert family_title("replace,strategy=mlm,topk=10,same_indices=False,uniform_spread=False") == "Replacement with MLM (top-k 10)"
    assert family_title("replace,strategy=random,topk=10,same_indices=True,uniform_spread=False") == (
        "Replacement with random tokens (same positions in every copy)"
    )
    assert family_title("nearduplicates_diffindices_topk10") == "Replacement with MLM (top-k 10, different positions per copy)"
    assert family_title("insert,every=5") == "Insertion (every 5 tokens)"
    assert family_title("shuffle,block=2") == "Shuffle (blocks of 2 tokens)"
    assert family_title("exact") == "Exact duplicates"
    # A setting without a phrase is kept as it is, not dropped.
    assert family_title("paraphrase,model=x") == "Paraphrases (model=x)"


def test_console_tables_keep_headings_whole_and_the_plain_cells(tmp_path: Path) -> None:
    write_sweep(tmp_path / "runs", models=("m1",), seeds=SEEDS, fuzzy=False)
    records = run_records([tmp_path / "runs"])
    rho_rows = rho_table(records, "ratio")
    table = SWEEP_TABLES[0]
    rows = sweep_table(records, rho_rows, table, "ratio")
    out = io.StringIO()
    console = Console(file=out, width=40)
    print_grids(rows, table, console)
    print_rho(rho_rows, console)
    printed = out.getvalue()
    assert "insertion sweep, m1, insert: AUC/rho (ratio attack), every down, n_insert across" in printed.splitlines()
    # The console shows what the plain text shows: every AUC/rho cell of the grid.
    plain = format_grid(rows, table)
    cells = [cell for line in plain.splitlines()[2:] for cell in line.split()[1:]]
    assert len(cells) == 6 and all(cell in printed for cell in cells)
    assert all(f"{row['rho_mean']:.2f} ± {row['rho_std']:.2f}" in printed for row in rho_rows)
