"""``task=neardup_search``: where in the whole corpus are the near duplicates of *these* texts?"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table

from mosaic_exp.atomic import atomic_path, write_json_atomic
from mosaic_exp.neardup.search import Query, search

log = logging.getLogger(__name__)


def neardup_search(cfg: DictConfig) -> dict[str, Any]:
    """Searches the index for every query; writes ``hits.parquet``, ``hits.csv`` and ``search.json``, prints the closest."""
    settings = OmegaConf.to_object(cfg.search)
    queries, hits, stats = search(settings)
    out = Path(cfg.paths.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "hits.parquet") as tmp:
        hits.to_parquet(tmp, index=False)
    with atomic_path(out / "hits.csv") as tmp:
        hits.to_csv(tmp, index=False)
    summary = {
        "index": str(settings.index),
        "max_distance": settings.max_distance,
        "queries": [{"tokens": len(q.tokens), "text": q.text} for q in queries],
        "hits": int(len(hits)),
        "hits_per_query": hits.groupby("query").size().reindex(range(len(queries)), fill_value=0).tolist(),
        "scanned_parts_per_query": [int(n) for n in stats["fallback"]],
    }
    write_json_atomic(out / "search.json", summary)
    _print(queries, hits, settings.show)
    log.info("%d hits of %d queries: %s", len(hits), len(queries), out / "hits.parquet")
    return summary


def _print(queries: list[Query], hits: Any, show: int) -> None:
    """Per query, its ``show`` closest matches (all metrics), with their text where a tokenizer decoded it."""
    if show == 0:
        return
    table = Table("query", "metric", "distance", "part", "document", "offset", "match")
    for q, group in hits.groupby("query", sort=True):
        for row in group.sort_values(["distance", "position"]).head(show).itertuples():
            document = row.document if row.document is not None else f"#{row.doc_id}"
            text = getattr(row, "text", "")
            table.add_row(str(q), row.metric, str(row.distance), str(row.part), str(document), str(row.offset), _short(text))
    Console().print(table)


def _short(text: str, width: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
