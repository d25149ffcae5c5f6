"""How faithfully each copy survives in the tokens the model trains on.

A copy placed as text is tokenized together with its book, and BPE can merge
across its edges or split it differently from the canary. For every copy this
module compares the piece's tokens with the book's tokens that cover the copy:

* the **span** of a copy placed as text is the contiguous run of the book's
  tokens from the first to the last one whose character offsets overlap
  ``text[offset:offset + length]`` (the book tokenized as training does; the
  special tokens added around a book cover no text and are never in a span).
  A whitespace-only token that ends where the copy starts (the separator
  injection writes before a copy) is counted in when that brings the span
  closer to the piece: a SentencePiece piece can begin with a lone ``"▁"``
  that its decoded text drops and the separator restores. The span of a copy
  placed as tokens is ``input_ids[offset:offset + length]``;
* ``token_distance`` is the Levenshtein distance in tokens between the piece
  and its span (0: token-exact);
* ``differences`` says where they differ: ``"none"``, ``"edge"`` (the piece
  without its first and last token lies intact in the span, so only the copy's
  edge tokens changed) or ``"inside"``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from transformers import PreTrainedTokenizerBase

from mosaic_exp.distance import levenshtein
from mosaic_exp.inject.inject import Insertion

log = logging.getLogger(__name__)

# Below this fraction of token-exact copies, the summary line recommends inject.mode=tokens.
EXACT_ENOUGH = 0.9


def covering_span(offsets: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """Token indices ``[first, stop)``: first to last token whose offsets overlap ``[start, end)``.

    ``offsets`` must be sorted, as a tokenizer gives them for text without
    special tokens; zero-width tokens between overlapping ones are included.
    """
    starts = np.array([s for s, _ in offsets], dtype=np.int64)
    ends = np.array([e for _, e in offsets], dtype=np.int64)
    first = int(np.searchsorted(ends, start, side="right"))  # the first token ending after ``start``
    stop = int(np.searchsorted(starts, end, side="left"))  # the first token starting at or after ``end``
    return first, max(first, stop)


def _contains(tokens: Sequence[int], part: Sequence[int]) -> bool:
    n = len(part)
    return any(list(tokens[i : i + n]) == list(part) for i in range(len(tokens) - n + 1))


def where_different(piece: Sequence[int], span: Sequence[int]) -> str:
    """``"none"`` when equal, ``"edge"`` when only the piece's first and/or last token changed, else ``"inside"``.

    Only the end tokens changed when the piece without them lies intact in the
    span (always so for a piece of one or two tokens).
    """
    if list(piece) == list(span):
        return "none"
    return "edge" if _contains(span, piece[1:-1]) else "inside"


def measure(insertion: Insertion, span: Sequence[int]) -> None:
    """Sets the copy's ``token_distance``, ``token_exact`` and ``differences`` against its span."""
    insertion.token_distance = levenshtein(insertion.tokens, list(span))
    insertion.token_exact = insertion.token_distance == 0
    insertion.differences = where_different(insertion.tokens, span)


def measure_text_copies(text: str, insertions: Sequence[Insertion], tokenizer: PreTrainedTokenizerBase) -> None:
    """Measures copies placed as text (character offsets) against the tokenized book."""
    if not insertions:
        return
    # Without special tokens the offsets stay sorted; the tokens between them are the same.
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    ids, offsets = encoding["input_ids"], encoding["offset_mapping"]
    for ins in insertions:
        first, stop = covering_span(offsets, ins.offset, ins.offset + ins.length)
        spans = [ids[first:stop]]
        if first > 0 and _separator(text, offsets[first - 1], ins.offset):
            spans.append(ids[first - 1 : stop])
        measure(ins, min(spans, key=lambda span: levenshtein(ins.tokens, span)))


def _separator(text: str, offset: tuple[int, int], start: int) -> bool:
    """Whether a token with this offset covers only whitespace and ends at ``start``."""
    begin, end = offset
    return end == start and begin < end and text[begin:end].isspace()


def measure_token_copies(ids: Sequence[int], insertions: Sequence[Insertion]) -> None:
    """Measures copies placed as tokens (token offsets into ``ids``, the book's training ids)."""
    for ins in insertions:
        measure(ins, ids[ins.offset : ins.offset + ins.length])


def summarize(insertions: Sequence[Insertion]) -> dict[str, Any]:
    """Copies, token-exact ones, how many differ (at the edges, inside) and the histogram of distances."""
    distances = Counter(ins.token_distance for ins in insertions)
    where = Counter(ins.differences for ins in insertions)
    exact = sum(bool(ins.token_exact) for ins in insertions)
    return {
        "copies": len(insertions),
        "token_exact": exact,
        "token_exact_fraction": round(exact / len(insertions), 4) if insertions else None,
        "differing": len(insertions) - exact,
        "differing_at_edges": where["edge"],
        "differing_inside": where["inside"],
        # A list, not a dict: JSON would turn the distances into strings and sort them as such.
        "distance_histogram": [{"distance": d, "copies": distances[d]} for d in sorted(distances)],
    }


def summary_line(summary: dict[str, Any]) -> str:
    """One line for the log: how many copies are token-exact and, when too few, what to do."""
    copies, exact = summary["copies"], summary["token_exact"]
    line = (
        f"inject.mode={summary['mode']}: {exact} of {copies} copies ({exact / max(copies, 1):.1%}) are token-exact in the tokenized books"
    )
    if summary["differing"]:
        histogram = ", ".join(f"{h['distance']}: {h['copies']}" for h in summary["distance_histogram"] if h["distance"])
        line += (
            f"; {summary['differing']} differ ({summary['differing_at_edges']} only at an edge token, "
            f"{summary['differing_inside']} inside; copies by token distance {histogram})"
        )
    if _too_few_exact(summary):
        line += (
            f". Fewer than {EXACT_ENOUGH:.0%} are token-exact, so the model trains on copies that are not the "
            "canaries token for token; inject.mode=tokens inserts their token ids instead and makes every copy exact"
        )
    return line


def log_summary(summary: dict[str, Any]) -> None:
    """Logs :func:`summary_line`, as a warning when too few copies are token-exact."""
    log.log(logging.WARNING if _too_few_exact(summary) else logging.INFO, "%s", summary_line(summary))


def _too_few_exact(summary: dict[str, Any]) -> bool:
    return bool(summary["copies"]) and summary["token_exact"] / summary["copies"] < EXACT_ENOUGH
