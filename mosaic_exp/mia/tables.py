"""The tables a membership-inference run prints: AUC and TPR@FPR per attack, extraction per group.

They are ``rich`` tables without borders whose columns keep the fixed widths
of the plain-text tables they replace, so logs and anything that reads the
printed text (the DDP test counts the header line) see the same lines.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from rich.console import Console
from rich.table import Table

# (header, key in the summary, width): the widths of the former f-string tables.
ATTACK_COLUMNS = (("AUC", "auc", 6), ("TPR@1%FPR", "tpr@1%fpr", 10), ("TPR@10%FPR", "tpr@10%fpr", 11))
EXTRACTION_COLUMNS = (("BLEU", "bleu", 6), ("edit sim.", "edit_similarity", 10))
NAME_WIDTH = 12


def _table(first: str, columns: tuple[tuple[str, str, int], ...], rows: Mapping[str, Mapping[str, float]]) -> Table:
    # One space between columns, none at the edges: the layout of "{name:<12} {value:>6.3f} ...".
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 0, 0, 1), header_style="bold")
    table.add_column(first, min_width=NAME_WIDTH, no_wrap=True)
    for header, _, width in columns:
        table.add_column(header, justify="right", min_width=width, no_wrap=True)
    for name, metrics in rows.items():
        table.add_row(name, *(f"{metrics[key]:.3f}" for _, key, _ in columns))
    return table


def attack_table(summary: Mapping[str, Mapping[str, float]]) -> Table:
    """AUC and TPR at 1% / 10% FPR, one row per attack."""
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
