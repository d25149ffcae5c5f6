"""The tables a membership-inference run prints: AUC, its 95% CI and TPR@FPR per attack, extraction per group.

They are ``rich`` tables without borders whose columns have fixed widths,
as the plain-text tables they replace, so logs and anything that reads the
printed text (the DDP test counts the header line) see stable lines. The
bootstrap interval has its own column next to the AUC (``[low, high]``,
two decimals: a CI is not known to the third), empty without a bootstrap.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

Cell = Callable[[Mapping[str, Any]], str]


def _value(key: str) -> Cell:
    return lambda metrics: f"{metrics[key]:.3f}"


def _interval(metrics: Mapping[str, Any]) -> str:
    low, high = metrics.get("auc_ci_low"), metrics.get("auc_ci_high")
    return "" if low is None or high is None else f"[{low:.2f}, {high:.2f}]"


# (header, cell of a row's metrics, width).
ATTACK_COLUMNS: tuple[tuple[str, Cell, int], ...] = (
    ("AUC", _value("auc"), 6),
    ("95% CI", _interval, 12),
    ("TPR@0.1%FPR", _value("tpr@0.1%fpr"), 12),
    ("TPR@1%FPR", _value("tpr@1%fpr"), 10),
    ("TPR@10%FPR", _value("tpr@10%fpr"), 11),
)
EXTRACTION_COLUMNS: tuple[tuple[str, Cell, int], ...] = (("BLEU", _value("bleu"), 6), ("edit sim.", _value("edit_similarity"), 10))
NAME_WIDTH = 12


def _table(first: str, columns: tuple[tuple[str, Cell, int], ...], rows: Mapping[str, Mapping[str, Any]]) -> Table:
    # One space between columns, none at the edges: the layout of "{name:<12} {value:>6.3f} ...".
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 0, 0, 1), header_style="bold")
    table.add_column(first, min_width=NAME_WIDTH, no_wrap=True)
    for header, _, width in columns:
        table.add_column(header, justify="right", min_width=width, no_wrap=True)
    for name, metrics in rows.items():
        table.add_row(name, *(cell(metrics) for _, cell, _ in columns))
    return table


def attack_table(summary: Mapping[str, Mapping[str, Any]]) -> Table:
    """AUC, its bootstrap 95% CI and TPR at 0.1% / 1% / 10% FPR, one row per attack."""
    return _table("attack", ATTACK_COLUMNS, summary)


def extraction_table(summary: Mapping[str, Mapping[str, float]]) -> Table:
    """Mean BLEU and edit similarity, one row per group (members, non-members)."""
    return _table("extraction", EXTRACTION_COLUMNS, summary)


def print_tables(*tables: Table, console: Console | None = None) -> None:
    """Prints the tables to stdout (or ``console``), a blank line between two."""
    # A console made now writes to the sys.stdout of the moment (pytest's capture, Hydra's job).
    console = console or Console()
    for i, table in enumerate(tables):
        if i:
            console.print()
        console.print(table)


def table_text(table: Table, width: int = 200) -> str:
    """The table as plain text, without styles (for logs and tests)."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None).print(table)
    return buffer.getvalue().rstrip("\n")
