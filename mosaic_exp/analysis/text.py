"""Analysis tables as plain text, for the terminal and the log."""

from __future__ import annotations

from mosaic_exp.analysis.tables import SweepTable


def format_rho(rows: list[dict]) -> str:
    """One line per (model, family, setting): ρ mean ± population std over seeds."""
    model = max([len("model"), *(len(r["model"]) for r in rows)])
    family = max([len("family"), *(len(r["family"]) for r in rows)])
    lines = [f"{'model':<{model}} {'family':<{family}} {'setting':>8} {'rho (± pstd)':>13} {'seeds':>5}"]
    for row in rows:
        rho = f"{row['rho_mean']:.2f} ± {row['rho_std']:.2f}"
        lines.append(f"{row['model']:<{model}} {row['family']:<{family}} {row['setting']:>8g} {rho:>13} {row['seeds']:>5}")
    return "\n".join(lines)


def format_grid(rows: list[dict], table: SweepTable) -> str:
    """One grid per (model, group): ``table.row`` down, ``table.column`` across, cells ``AUC/ρ``."""
    blocks = []
    for model, group in dict.fromkeys((r["model"], r["group"]) for r in rows):
        cells = {(r[table.row], r[table.column]): r for r in rows if (r["model"], r["group"]) == (model, group)}
        row_values = sorted({k[0] for k in cells})
        column_values = sorted({k[1] for k in cells})
        width = 11
        lines = [
            f"{table.name} sweep, {model}, {group}: AUC/rho ({rows[0]['attack']} attack), {table.row} down, {table.column} across",
            f"{table.row:>8} " + " ".join(f"{c:>{width}g}" for c in column_values),
        ]
        for value in row_values:
            lines.append(f"{value!s:>8} " + " ".join(f"{_cell(cells.get((value, c))):>{width}}" for c in column_values))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _cell(row: dict | None) -> str:
    if row is None:
        return "-"
    rho = row["rho_mean"]
    return f"{row['auc_mean']:.3f}" + (f"/{rho:.2f}" if rho is not None else "")
