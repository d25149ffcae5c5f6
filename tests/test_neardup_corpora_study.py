"""The near-duplicate study end to end on real text with planted near duplicates, any tokenizer, and its index manifest."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import compose_config
from test_cli import run
from test_neardup_corpora import write_jsonl

from mosaic_exp.neardup.index_manifest import MANIFEST, manifest, write_manifest
from mosaic_exp.neardup.parts import PartWriter, open_part
from mosaic_exp.neardup.study import build_study
from mosaic_exp.store import ArtifactStore

COPIES = 7  # exact copies of the planted paragraph: the bucket its windows fall in
# Small enough for a corpus of a few hundred paragraphs: windows of 16 tokens, one bucket.
SMALL = ["neardup.length=16", "neardup.min_distinct=8", "neardup.buckets=[7]", "neardup.max_distance=6", "neardup.ngram_sizes=[4,8,16]"]


@pytest.fixture(scope="module")
def planted(real_paragraphs: list[str]) -> tuple[list[str], str]:
    """300 real paragraphs with one of them copied exactly 7 times and 2 variants, each one word changed mid-paragraph."""
    source = next(p for p in real_paragraphs if 50 <= len(p.split()) <= 80)
    words = source.split()
    middle = len(words) // 2
    variants = [" ".join([*words[:middle], word, *words[middle + 1 :]]) for word in ("zebra", "lighthouse")]
    docs = [p for p in real_paragraphs if p != source][:300]
    # Spread over the corpus, so each of the 2 parts holds several copies.
    for k, text in enumerate([source] * COPIES + variants):
        docs.insert(k * 37 + 5, text)
    return docs, source


def _check_planted(results: Path) -> None:
    """The 7 copies at distance 0 and the 2 variants a few edits away, for the target of bucket 7."""
    targets = json.loads((results / "targets.json").read_text())["targets"]
    (target,) = [i for i, t in enumerate(targets) if t["bucket"] == str(COPIES)]
    assert targets[target]["exact_count"] == COPIES
    hits = [h for h in pq.read_table(results / "hits.parquet").to_pylist() if h["target"] == target and h["metric"] == "levenshtein"]
    distances = sorted(h["distance"] for h in hits)
    assert distances[:COPIES] == [0] * COPIES
    assert len([d for d in distances if 0 < d <= 6]) >= 2


def _manifest_of(index_dir: Path, n_parts: int, token_bytes: int, tokenizer: Path | None) -> dict:
    data = json.loads((index_dir / MANIFEST).read_text())
    assert (data["format"], data["version"], data["token_bytes"]) == ("rust_sa.index", 1, token_bytes)
    assert data["tokenizer"] == (str(tokenizer.resolve()) if tokenizer else None) and len(data["parts"]) == n_parts
    for entry in data["parts"]:
        assert set(entry) == {"train", "size", "sa"} and all(Path(p).is_absolute() and Path(p).is_file() for p in entry.values())
    return data


def test_task_neardup_on_a_jsonl_file(planted, bpe_tokenizer_dir: Path, tmp_path: Path) -> None:
    docs, _ = planted
    corpus = write_jsonl(tmp_path / "corpus.jsonl", [{"text": t} for t in docs])
    out = run(
        ["task=neardup", "neardup/corpus=jsonl", f"neardup.corpus.path={corpus}", f"neardup.corpus.tokenizer={bpe_tokenizer_dir}", *SMALL],
        tmp_path,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr
    (run_dir,) = (tmp_path / "outputs" / "neardup" / "runs").iterdir()
    _check_planted(run_dir / "neardup")
    assert (run_dir / "neardup" / "cumulative.png").is_file()
    _manifest_of(tmp_path / "neardup_index", 2, 2, bpe_tokenizer_dir)
    # Then the question a data team asks: where are the near duplicates of this text? (the latest study's index)
    _, source = planted
    # Its text without the last words: a variant whose new word has fewer tokens still holds a window that long.
    (tmp_path / "query.txt").write_text(" ".join(source.split()[:-8]))
    out = run(["task=neardup_search", f"search.queries={tmp_path / 'query.txt'}", "search.max_distance=12"], tmp_path, timeout=240)
    assert out.returncode == 0, out.stderr
    (search_dir,) = (tmp_path / "outputs" / "neardup_search" / "runs").iterdir()
    hits = pq.read_table(search_dir / "hits.parquet").to_pandas()
    exact = hits[(hits["metric"] == "levenshtein") & (hits["distance"] == 0)]
    assert len(exact) == COPIES and all(" ".join(source.split()).startswith(" ".join(t.split())) for t in exact["text"])
    assert len(hits[(hits["metric"] == "levenshtein") & (hits["distance"] > 0)]) >= 2  # the two variants


@pytest.mark.parametrize("tokenizer, token_bytes", [("sentencepiece_tokenizer_dir", 2), ("wide_tokenizer_dir", 4)])
def test_the_study_runs_with_any_tokenizer(planted, tokenizer: str, token_bytes: int, request, tmp_path: Path) -> None:
    docs, _ = planted
    tokenizer_dir = request.getfixturevalue(tokenizer)
    # A folder of compressed files this time.
    write_jsonl(tmp_path / "in/a.jsonl.zst", [{"text": t} for t in docs[:150]])
    write_jsonl(tmp_path / "in/b.jsonl.gz", [{"text": t} for t in docs[150:]])
    overrides = [
        "task=neardup",
        "neardup/corpus=jsonl",
        f"neardup.corpus.path={tmp_path / 'in'}",
        f"neardup.corpus.tokenizer={tokenizer_dir}",
    ]
    cfg = compose_config([*overrides, *SMALL, "neardup.threads=1"], root=tmp_path)
    artifacts = build_study(cfg, ArtifactStore(cfg.paths.cache_dir)).run()
    _check_planted(artifacts["analysis"].path)
    data = _manifest_of(Path(cfg.neardup.index_dir), 2, token_bytes, tokenizer_dir)
    assert data["parts"][0]["train"] == str(artifacts["tokenize[0]"].path / "part.train")


def test_the_manifest_names_every_part_and_its_suffix_array(tmp_path: Path) -> None:
    parts = []
    for i in (0, 1):
        with PartWriter(tmp_path / f"p{i}.train") as writer:
            writer.add(i, [1, 2, 3])
        (tmp_path / f"sa{i}.npy").write_bytes(b"")
        parts.append((open_part(i, tmp_path / f"p{i}.train"), tmp_path / f"sa{i}.npy"))
    path = write_manifest(tmp_path / "index", parts, tmp_path)
    assert json.loads(path.read_text()) == {
        "format": "rust_sa.index",
        "version": 1,
        "token_bytes": 2,
        "parts": [
            {"train": str(tmp_path / f"p{i}.train"), "size": str(tmp_path / f"p{i}.train.size"), "sa": str(tmp_path / f"sa{i}.npy")}
            for i in (0, 1)
        ],
        "tokenizer": str(tmp_path),
    }
    assert [p.name for p in (tmp_path / "index").iterdir()] == [MANIFEST]  # no temporary left
    with pytest.raises(ValueError, match="one token width"):
        manifest([parts[0], (dataclasses.replace(parts[1][0], token_bytes=4), parts[1][1])], None)


def test_the_manifest_is_written_once_every_part_is_indexed(tmp_path: Path) -> None:
    from neardup_study import run_study

    index = tmp_path / "neardup_index" / MANIFEST
    run_study(tmp_path, "neardup.step=index", "neardup.part=0")
    assert not index.exists()  # part 1 may still be building in another job
    run_study(tmp_path, "neardup.step=index")
    _manifest_of(index.parent, 2, 2, None)  # planted tokens: no tokenizer
    index.unlink()
    run_study(tmp_path, "neardup.step=index", "neardup.index_dir=null")
    assert not index.exists()
