"""task=neardup_search: a user's queries against the study's index give exactly the scan's windows, readable."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import compose_config
from test_neardup_corpora import write_jsonl
from test_neardup_corpora_study import COPIES, SMALL, planted  # noqa: F401  (the fixture)

from mosaic_exp import _rust_sa
from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.neardup.study import build_study
from mosaic_exp.neardup.tokenizing import load_tokenizer
from mosaic_exp.store import ArtifactStore
from mosaic_exp.tasks.neardup_search import neardup_search


@pytest.fixture(scope="module")
def study(planted, bpe_tokenizer_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The study's index (2 parts) of the planted real-text corpus; its root."""
    root = tmp_path_factory.mktemp("search")
    docs, _ = planted
    corpus = write_jsonl(root / "corpus.jsonl", [{"text": t} for t in docs])
    overrides = ["task=neardup", "neardup/corpus=jsonl", f"neardup.corpus.path={corpus}", f"neardup.corpus.tokenizer={bpe_tokenizer_dir}"]
    cfg = compose_config([*overrides, *SMALL, "neardup.step=index", "neardup.threads=1"], root=root)
    build_study(cfg, ArtifactStore(cfg.paths.cache_dir)).run()
    return root


def _search(root: Path, *overrides: str) -> tuple[dict, pd.DataFrame]:
    out = root / "out" / str(abs(hash(overrides)))
    cfg = compose_config(["task=neardup_search", f"paths.output_dir={out}", *overrides], root=root)
    summary = neardup_search(cfg)
    assert json.loads((out / "search.json").read_text()) == json.loads(json.dumps(summary))
    assert pd.read_csv(out / "hits.csv").shape[0] == len(pd.read_parquet(out / "hits.parquet"))
    return summary, pd.read_parquet(out / "hits.parquet")


@pytest.mark.parametrize("max_distance", [0, 6, 30])
def test_hits_are_the_scans_of_every_part(study: Path, planted, bpe_tokenizer_dir: Path, max_distance: int) -> None:  # noqa: F811
    _, source = planted
    query = study / "source.txt"  # a file: the paragraph holds characters the command line would parse
    query.write_text(source)
    summary, hits = _search(study, f"search.queries={query}", f"search.max_distance={max_distance}")
    tokens = load_tokenizer(str(bpe_tokenizer_dir))(source, add_special_tokens=False)["input_ids"]
    index = _rust_sa.Index(str(study / "neardup_index"))
    # The independent reference: a full scan of each part (itself checked against brute force).
    expected = []
    for part, train in enumerate(index.parts):
        scanned = _rust_sa.scan(str(train), [tokens], max_distance=max_distance, token_bytes=index.token_bytes)
        expected += [
            (part, int(d), int(o), int(m), int(x)) for d, o, m, x in zip(*(scanned[k] for k in ("doc_id", "offset", "metric", "distance")))
        ]
    got = [(r.part, r.doc_id, r.offset, ["hamming", "levenshtein"].index(r.metric), r.distance) for r in hits.itertuples()]
    assert sorted(got) == sorted(expected) and summary["hits"] == len(expected)
    exact = hits[(hits["metric"] == "hamming") & (hits["distance"] == 0)]
    assert len(exact) == COPIES
    assert all(" ".join(t.split()) in " ".join(source.split()) for t in exact["text"])


def test_queries_from_files_and_token_ids(study: Path, planted, bpe_tokenizer_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    docs, source = planted
    tokens = load_tokenizer(str(bpe_tokenizer_dir))(source, add_special_tokens=False)["input_ids"]
    other = next(d for d in docs if len(d.split()) > 30 and d != source)
    write_jsonl(tmp_path / "q.jsonl", [{"body": source}, {"body": other}])
    (tmp_path / "q.txt").write_text(f"{source}\n\n{other}\n")
    np.save(tmp_path / "q.npy", np.array([tokens[:40], tokens[-40:]], dtype=np.int64))
    by_jsonl, jsonl_hits = _search(study, f"search.queries={tmp_path / 'q.jsonl'}", "search.text_field=body")
    by_text, text_hits = _search(study, f"search.queries={tmp_path / 'q.txt'}")
    assert by_jsonl["hits_per_query"] == by_text["hits_per_query"] and by_jsonl["hits_per_query"][0] >= COPIES
    pd.testing.assert_frame_equal(jsonl_hits, text_hits)
    by_ids, id_hits = _search(study, f"search.queries={tmp_path / 'q.npy'}", "search.metric=hamming", "search.mode=seeds")
    assert set(id_hits["metric"]) == {"hamming"} and min(by_ids["hits_per_query"]) >= COPIES


def test_clear_errors(study: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="one of the two"):
        _search(study)
    with pytest.raises(UserError, match="at least 10"):
        _search(study, "search.text=two words")
    # A plain text on the command line (quoted where it holds spaces in a shell).
    summary, _ = _search(study, "search.text=the the the the the the the the the the the the", "search.show=0")
    assert summary["queries"][0]["tokens"] >= 10
    with pytest.raises(MissingInput, match="holds no index.json"):
        _search(study, "search.text=anything", f"search.index={tmp_path}")
    with pytest.raises(MissingInput, match="no .txt"):
        _search(study, f"search.queries={tmp_path / 'missing.txt'}")
