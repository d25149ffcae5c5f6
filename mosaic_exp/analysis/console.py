"""Analysis tables on the terminal, drawn by rich; the same information as the plain text of ``text``."""

from __future__ import annotations

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from mosaic_exp.analysis.tables import SweepTable
from mosaic_exp.analysis.text import grid_cell, grids, rho_cell


def rho_view(rows: list[dict]) -> Table:
    """The ρ table: one row per (model, family, setting), ρ mean ± population std over seeds."""
    view = Table(title=f"rho of every fuzzy setting ({rows[0]['attack']} attack)", title_justify="left")
    view.add_column("model", no_wrap=True)
    # Family ids are long: shown with a space after each comma so a narrow terminal wraps them between
    # settings, and folded rather than cut off where one setting is wider than the column.
    view.add_column("family", overflow="fold")
    view.add_column("setting", justify="right", no_wrap=True)
    view.add_column("rho (± pstd)", justify="right", no_wrap=True)
    view.add_column("seeds", justify="right", no_wrap=True)
    for row in rows:
        # Text, not str: rich would read "[...]" in a model name as markup.
        view.add_row(Text(row["model"]), Text(row["family"].replace(",", ", ")), f"{row['setting']:g}", rho_cell(row), str(row["seeds"]))
    return view


def grid_views(rows: list[dict], table: SweepTable) -> list[tuple[str, Table]]:
    """One (heading, grid) per (model, group) of a sweep table: ``table.row`` down, ``table.column`` across, cells ``AUC/ρ``."""
    views = []
    for grid in grids(rows, table):
        view = Table()
        view.add_column(table.row, justify="right", no_wrap=True)
        for column in grid.column_values:
            view.add_column(f"{column:g}", justify="right", no_wrap=True)
        for value in grid.row_values:
            view.add_row(str(value), *(grid_cell(grid.cells.get((value, c))) for c in grid.column_values))
        views.append((grid.heading, view))
    return views


def print_rho(rows: list[dict], console: Console | None = None) -> None:
    """Prints the ρ table (``rho_table`` rows) to the console (stdout by default)."""
    console = console or Console()
    _print_whole(console, rho_view(rows))
    console.print()


def print_grids(rows: list[dict], table: SweepTable, console: Console | None = None) -> None:
    """Prints every grid of a sweep table (``sweep_table`` rows), each under its one-line heading."""
    console = console or Console()
    for heading, view in grid_views(rows, table):
        # soft_wrap: the heading stays one line however narrow the terminal, so it can be searched for.
        console.print(Text(heading), soft_wrap=True)
        _print_whole(console, view)
        console.print()


def _print_whole(console: Console, view: Table) -> None:
    # Squeezed below its width, rich would cut cells ("0.638/0.…") and lose numbers. A table the console
    # cannot hold is printed at its own width instead: a terminal wraps its lines, a log file keeps them.
    # Only what the table can fold (family ids) is allowed to shrink it.
    needed = Measurement.get(console, console.options.update_width(10**6), view).minimum
    if needed > console.width:
        view.width = needed
    console.print(view, crop=False)
