"""`python run.py task=neardup` as a user runs it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from test_cli import run


def test_task_neardup_writes_tables_and_figures(tmp_path: Path) -> None:
    out = run(
        [
            "task=neardup",
            "neardup.buckets=[3,12]",
            "neardup.corpus.n_documents=30",
            "neardup.corpus.document_length=500",
            "neardup.ngram_sizes=[10,50,100]",
        ],
        tmp_path,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr
    (run_dir,) = (tmp_path / "outputs" / "neardup" / "runs").iterdir()
    results = run_dir / "neardup"
    for name in ("cumulative", "hamming_vs_levenshtein", "ngram_survival"):
        assert (results / f"{name}.png").stat().st_size > 10_000
        assert (results / f"{name}.pdf").is_file()
    with open(results / "ngram_survival.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["bucket"] for r in rows} == {"3", "12", "random"} and {r["n"] for r in rows} == {"10", "50", "100"}
    targets = json.loads((results / "targets.json").read_text())["targets"]
    assert [t["exact_count"] for t in targets if t["bucket"] != "random"] == [3, 12]
    assert (results / "hits.parquet").is_file()
    for stage in ("tokenize", "make", "selfsim", "candidates", "count", "targets", "scan", "analysis"):
        assert list((tmp_path / "cache" / f"neardup_{stage}").glob("*/COMPLETE.json")), stage
