"""The neardup study on a planted corpus: ground truth, buckets, caching and steps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from neardup_study import run_study
from rapidfuzz.distance import Levenshtein

from mosaic_exp.distance import levenshtein
from mosaic_exp.neardup.distance import longest_common_substring
from mosaic_exp.neardup.planted import load_truth
from mosaic_exp.neardup.sampling import Candidates, bucket_range, choose_targets
from mosaic_exp.neardup.steps import StageNotDone
from mosaic_exp.store import MARKER


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    study, artifacts = run_study(root)
    return root, study, artifacts


def _targets(artifacts) -> tuple[list[dict], np.ndarray]:
    path = artifacts["targets"].path
    return json.loads((path / "targets.json").read_text())["targets"], np.load(path / "targets.npy").astype(np.int64)


def test_every_planted_near_duplicate_is_found_at_its_true_distance(planted) -> None:
    _, study, artifacts = planted
    truth = load_truth(study.truth_files())
    targets, tokens = _targets(artifacts)
    hits = pq.read_table(artifacts["analysis"].path / "hits.parquet").to_pylist()
    by_tokens = {tuple(s["tokens"]): s for s in truth["sequences"]}
    max_d = study.cfg.max_distance
    planted_targets = [t for t in targets if t["bucket"] != "random"]
    assert len(planted_targets) == 2
    for t in planted_targets:
        seq = by_tokens[tuple(tokens[t["target"]])]
        assert seq["role"] == "bucket" and seq["count"] == int(t["bucket"]) == t["exact_count"]
        expected = set()
        for o in truth["occurrences"]:
            if o["sequence"] != seq["id"]:
                continue
            for metric in ("hamming", "levenshtein"):
                offset, position, distance = o[metric]
                if distance <= max_d:
                    expected.add((metric, o["part"], o["doc_id"], offset, position, distance))
        found = {
            (h["metric"], h["part"], h["doc_id"], h["offset"], h["position"], h["distance"]) for h in hits if h["target"] == t["target"]
        }
        # Equal sets: every planted item at its distance, and nothing unplanted below max_distance.
        assert found == expected
        kinds = {o["kind"] for o in truth["occurrences"] if o["sequence"] == seq["id"]}
        assert kinds == {"exact", "hamming", "levenshtein"}


def test_planted_distances_are_what_was_designed(planted) -> None:
    _, study, _ = planted
    truth = load_truth(study.truth_files())
    variants = [o for o in truth["occurrences"] if o["kind"] == "hamming"]
    assert variants and all(o["hamming"][2] == o["designed"] and o["hamming"][0] == o["offset"] for o in variants)
    indels = [o for o in truth["occurrences"] if o["kind"] == "levenshtein"]
    assert indels and all(0 < o["levenshtein"][2] <= 2 * o["designed"] for o in indels)


def test_random_target_finds_itself(planted) -> None:
    _, _, artifacts = planted
    targets, _ = _targets(artifacts)
    hits = pq.read_table(artifacts["analysis"].path / "hits.parquet").to_pylist()
    (rand,) = [t for t in targets if t["bucket"] == "random"]
    part, position = rand["source"]
    for metric in ("hamming", "levenshtein"):
        assert any(
            h["target"] == rand["target"]
            and h["metric"] == metric
            and h["part"] == part
            and h["position"] == position
            and h["distance"] == 0
            for h in hits
        )


def test_decoys_outside_the_tolerance_are_never_targets(planted) -> None:
    _, study, artifacts = planted
    truth = load_truth(study.truth_files())
    targets, tokens = _targets(artifacts)
    decoys = {tuple(s["tokens"]) for s in truth["sequences"] if s["role"] == "decoy"}
    assert len(decoys) == 4  # 3 and 5 copies around bucket 4, 15 and 17 around 16
    assert not decoys & {tuple(tokens[t["target"]]) for t in targets}


def test_analysis_outputs(planted) -> None:
    _, _, artifacts = planted
    d = artifacts["analysis"].path
    for name in ("cumulative", "hamming_vs_levenshtein", "ngram_survival"):
        assert (d / f"{name}.csv").stat().st_size > 0
        assert (d / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert (d / f"{name}.pdf").read_bytes()[:4] == b"%PDF"
    summary = json.loads((d / "summary.json").read_text())
    assert summary["scale"] == 1.0
    # Bucket 16: 16 exact copies plus the planted variants within distance 50.
    assert summary["at_max_distance"]["16/levenshtein"] > 16


def test_rerun_reuses_every_stage_and_a_part_without_marker_is_redone(tmp_path: Path) -> None:
    _, first = run_study(tmp_path)
    assert not any(a.reused for a in first.values())
    _, second = run_study(tmp_path)
    assert all(a.reused for a in second.values()), [k for k, a in second.items() if not a.reused]
    # A part whose build crashed before its marker: only that part is rebuilt.
    (first["make[1]"].path / MARKER).unlink()
    _, third = run_study(tmp_path)
    assert [k for k, a in third.items() if not a.reused] == ["make[1]"]
    assert (third["make[1]"].path / MARKER).is_file()


def test_steps_per_part_match_the_single_run(tmp_path: Path, planted) -> None:
    with pytest.raises(StageNotDone, match="neardup.step=index neardup.part=0"):
        run_study(tmp_path, "neardup.step=targets")
    for part in (0, 1):
        _, done = run_study(tmp_path, "neardup.step=index", f"neardup.part={part}")
        assert set(done) == {f"{k}[{part}]" for k in ("tokenize", "make", "selfsim")}
    run_study(tmp_path, "neardup.step=targets")
    with pytest.raises(StageNotDone, match="neardup.step=scan neardup.part=1"):
        run_study(tmp_path, "neardup.step=scan", "neardup.part=0")
        run_study(tmp_path, "neardup.step=analysis")
    run_study(tmp_path, "neardup.step=scan", "neardup.part=1")
    _, merged = run_study(tmp_path, "neardup.step=analysis")
    reference = planted[2]["analysis"].path / "hits.parquet"
    assert pq.read_table(merged["analysis"].path / "hits.parquet").equals(pq.read_table(reference))


def test_scanning_some_parts_extrapolates(tmp_path: Path) -> None:
    _, artifacts = run_study(tmp_path, "neardup.scan_parts=1")
    summary = json.loads((artifacts["analysis"].path / "summary.json").read_text())
    assert summary["scanned_parts"] == [0]
    assert summary["scale"] == pytest.approx(summary["total_tokens"] / summary["scanned_tokens"]) and summary["scale"] > 1
    rows = (artifacts["analysis"].path / "cumulative.csv").read_text().splitlines()[1:]
    assert all(float(r.split(",")[-1]) == pytest.approx(float(r.split(",")[-2]) * summary["scale"]) for r in rows)


def test_bad_settings_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="neardup.part"):
        run_study(tmp_path, "neardup.part=0")
    with pytest.raises(ValueError, match="parts 0..1"):
        run_study(tmp_path, "neardup.step=index", "neardup.part=5")
    with pytest.raises(ValueError, match="scan_parts"):
        run_study(tmp_path, "neardup.scan_parts=3")
    with pytest.raises(ValueError, match="levenshtein_edits"):
        run_study(tmp_path, "neardup.corpus.levenshtein_edits=[60]")


def test_buckets_hold_within_one_percent() -> None:
    assert bucket_range(100, 0.01) == (99, 101)
    assert bucket_range(10000, 0.01) == (9900, 10100)
    assert bucket_range(10, 0.01) == (10, 10)
    totals = np.array([98, 99, 100, 101, 102, 9899, 9900, 10100, 10101, 7])
    cands = Candidates(np.arange(len(totals) * 3).reshape(-1, 3), ["100"] * 9 + ["random"], [[0, i] for i in range(10)])
    chosen = choose_targets(cands, totals, [100, 10000], 0.01, per_bucket=10, rng=np.random.default_rng(0))
    got = {(t["bucket"], t["exact_count"]) for t in chosen}
    assert got == {("100", 99), ("100", 100), ("100", 101), ("10000", 9900), ("10000", 10100), ("random", 7)}


def test_reference_distances_agree_with_rapidfuzz() -> None:
    rng = np.random.default_rng(1)
    for _ in range(500):
        a = list(rng.integers(0, 5, rng.integers(0, 80)))
        b = list(rng.integers(0, 5, rng.integers(0, 80)))
        assert levenshtein(a, b) == Levenshtein.distance(a, b)
    w = rng.integers(0, 3, (20, 30))
    t = rng.integers(0, 3, 30)

    def naive(x, y):
        return max(
            (
                k
                for i in range(len(x))
                for j in range(len(y))
                for k in range(1, min(len(x) - i, len(y) - j) + 1)
                if list(x[i : i + k]) == list(y[j : j + k])
            ),
            default=0,
        )

    assert list(longest_common_substring(w, t)) == [naive(r, t) for r in w]
