"""Near duplicates of a user's own queries anywhere in an index of parts (``task=neardup_search``).

A query is a text (tokenized with the index's tokenizer) or a sequence of
token ids, at least :data:`MIN_TOKENS` long. rust_sa finds, in every part,
exactly what a full scan would report for it (the same windows, distances and
greedy non-overlapping choice per query and metric) through the suffix
arrays (``rust_sa/src/search``). This module only reads the queries, calls
it, and turns the hits into a table a person can read: the document (its own
name where the corpus kept one), the offset, the distance and the matched text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from mosaic_exp import _rust_sa
from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.neardup.artifacts import IDS
from mosaic_exp.neardup.config import NeardupSearchConfig
from mosaic_exp.neardup.jsonl import read_records
from mosaic_exp.neardup.parts import token_dtype
from mosaic_exp.neardup.tokenizing import load_tokenizer

# Shorter queries match too much to be near duplicates of anything (rust_sa refuses them).
MIN_TOKENS = 10
METRICS = ("hamming", "levenshtein")


@dataclass
class Query:
    """One query: its tokens, and its text when it was given as text."""

    tokens: list[int]
    text: str | None = None


def open_index(path: str) -> Any:
    """The index folder (``index.json``) opened once, or an error that says how to make one."""
    folder = Path(path).expanduser()
    if not (folder / "index.json").is_file():
        raise MissingInput(
            f"search.index={path} holds no index.json: run the study first (mosaic task=neardup ...), "
            "which writes it to neardup.index_dir, or point search.index at such a folder"
        )
    return _rust_sa.Index(str(folder))


def _texts(path: Path, text_field: str) -> list[str]:
    """The texts of a .txt file (one per non-empty line) or of a .jsonl / .jsonl.gz file (``text_field``)."""
    if path.suffix == ".txt":
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [doc.text for doc in read_records(path, text_field, setting="search")]


def load_queries(settings: NeardupSearchConfig, tokenizer: Any | None) -> list[Query]:
    """``search.text`` or the queries of ``search.queries``, tokenized where they are texts."""
    if (settings.text is None) == (settings.queries is None):
        raise UserError("give the queries as search.text='...' or search.queries=FILE (.txt, .jsonl, .jsonl.gz or .npy), one of the two")
    if settings.queries is not None and str(settings.queries).endswith(".npy"):
        path = Path(settings.queries).expanduser()
        if not path.is_file():
            raise MissingInput(f"search.queries={settings.queries}: no such file")
        array = np.load(path, allow_pickle=False)
        rows = [array] if array.ndim == 1 else list(array)
        queries = [Query([int(t) for t in row]) for row in rows]
    else:
        if settings.text is not None:
            texts = [settings.text]
        else:
            path = Path(settings.queries).expanduser()
            if not path.is_file() or not path.name.endswith((".txt", ".jsonl", ".jsonl.gz")):
                raise MissingInput(f"search.queries={settings.queries}: no .txt, .jsonl or .jsonl.gz file there")
            texts = _texts(path, settings.text_field)
        if tokenizer is None:
            raise UserError("text queries need a tokenizer: the index names none (a planted corpus); set search.tokenizer=DIR")
        ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
        queries = [Query(list(t), text) for t, text in zip(ids, texts)]
    if not queries:
        raise UserError(f"search.queries={settings.queries} holds no query")
    for i, q in enumerate(queries):
        if len(q.tokens) < MIN_TOKENS:
            raise UserError(f"query #{i} has {len(q.tokens)} tokens; a query needs at least {MIN_TOKENS} (give a longer text)")
    return queries


def _document_names(train: Path) -> dict[int, str] | None:
    """doc_id → the document's own id (file name, record id) where the corpus kept one beside the part."""
    ids = train.parent / IDS
    if not ids.is_file():
        return None
    table = pq.read_table(ids).to_pandas()
    return dict(zip(table["doc_id"].tolist(), table["id"].tolist()))


def hits_frame(index: Any, queries: list[Query], hits: dict[str, np.ndarray], tokenizer: Any | None) -> pd.DataFrame:
    """The hits as a table: query, metric, distance, part, doc_id, document, offset, position and the matched text."""
    frame = pd.DataFrame({k: hits[k] for k in ("target", "metric", "distance", "part", "doc_id", "offset", "position")})
    frame = frame.rename(columns={"target": "query"})
    frame["metric"] = [METRICS[m] for m in frame["metric"]]
    parts = [Path(p) for p in index.parts]
    names = [_document_names(p) for p in parts]
    frame["document"] = [None if names[p] is None else names[p].get(d) for p, d in zip(frame["part"], frame["doc_id"])]
    if tokenizer is not None:
        tokens = [np.memmap(p, dtype=token_dtype(index.token_bytes), mode="r") for p in parts]
        frame["text"] = [
            tokenizer.decode(tokens[p][pos : pos + len(queries[q].tokens)].tolist())
            for p, pos, q in zip(frame["part"], frame["position"], frame["query"])
        ]
    return frame


def search(settings: NeardupSearchConfig) -> tuple[list[Query], pd.DataFrame, dict[str, np.ndarray]]:
    """Runs the configured search; the queries, the hits table and rust_sa's per-query stats."""
    index = open_index(settings.index)
    tokenizer_name = settings.tokenizer or index.tokenizer
    tokenizer = load_tokenizer(tokenizer_name) if tokenizer_name else None
    queries = load_queries(settings, tokenizer)
    queried = [np.asarray(q.tokens, dtype=np.uint32) for q in queries]
    hits = index.search(queried, settings.max_distance, metric=settings.metric.value, mode=settings.mode.value)
    return queries, hits_frame(index, queries, hits, tokenizer), hits["stats"]
