"""Analysis tables as plain text (for logs and files), and the cell formats the console tables share."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic_exp.analysis.tables import SweepTable


@dataclass(frozen=True)
class Grid:
    """One grid of a sweep table: the rows of one (model, group), ``table.row`` down, ``table.column`` across."""

    heading: str
    row_values: list
    column_values: list
    # (row value, column value) -> the sweep-table row of that cell
    cells: dict[tuple, dict]


def grids(rows: list[dict], table: SweepTable) -> list[Grid]:
    """The sweep-table rows as one grid per (model, group), in the rows' order."""
    out = []
    for model, group in dict.fromkeys((r["model"], r["group"]) for r in rows):
        cells = {(r[table.row], r[table.column]): r for r in rows if (r["model"], r["group"]) == (model, group)}
        heading = f"{table.name} sweep, {model}, {group}: AUC/rho ({rows[0]['attack']} attack), {table.row} down, {table.column} across"
        out.append(Grid(heading, sorted({k[0] for k in cells}), sorted({k[1] for k in cells}), cells))
    return out


def grid_cell(row: dict | None) -> str:
    """``AUC/ρ`` of one grid cell (``AUC`` alone without ρ, ``-`` for a setting that was not run)."""
    if row is None:
        return "-"
    rho = row["rho_mean"]
    return f"{row['auc_mean']:.3f}" + (f"/{rho:.2f}" if rho is not None else "")


def rho_cell(row: dict) -> str:
    """ρ mean ± population std over seeds of one ``rho_table`` row."""
    return f"{row['rho_mean']:.2f} ± {row['rho_std']:.2f}"


def format_rho(rows: list[dict]) -> str:
    """One line per (model, family, setting): ρ mean ± population std over seeds."""
    model = max([len("model"), *(len(r["model"]) for r in rows)])
    family = max([len("family"), *(len(r["family"]) for r in rows)])
    lines = [f"{'model':<{model}} {'family':<{family}} {'setting':>8} {'rho (± pstd)':>13} {'seeds':>5}"]
    for row in rows:
        lines.append(f"{row['model']:<{model}} {row['family']:<{family}} {row['setting']:>8g} {rho_cell(row):>13} {row['seeds']:>5}")
    return "\n".join(lines)


def format_grid(rows: list[dict], table: SweepTable) -> str:
    """One grid per (model, group): ``table.row`` down, ``table.column`` across, cells ``AUC/ρ``."""
    width = 11
    blocks = []
    for grid in grids(rows, table):
        lines = [grid.heading, f"{table.row:>8} " + " ".join(f"{c:>{width}g}" for c in grid.column_values)]
        for value in grid.row_values:
            lines.append(f"{value!s:>8} " + " ".join(f"{grid_cell(grid.cells.get((value, c))):>{width}}" for c in grid.column_values))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
