"""The end of a fine-tuning run on its dashboards: the attack table and the AUC-over-steps figure.

The figure is written to the run's folder whatever the logger (``mia_auc.png``);
a W&B run also gets it as an image, the final attack table as a
``wandb.Table`` (the fields of ``results.json``'s ``attacks``) and the final
AUCs in its summary, where a sweep's runs can be compared side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from lightning.pytorch.loggers import Logger, WandbLogger

from mosaic_exp.atomic import atomic_path

FIGURE = "mia_auc.png"
TABLE_COLUMNS = ("attack", "auc", "auc_std", "auc_ci_low", "auc_ci_high", "tpr@0.1%fpr", "tpr@1%fpr", "tpr@10%fpr")


def auc_figure(history: Sequence[Mapping[str, float]], path: Path) -> Path:
    """Plots each attack's AUC over the optimizer steps of ``history``
    (``results.json``'s ``mia_history`` rows) and writes it as a PNG."""
    # Imported here: the figure module pulls in the analysis stack, which training does not need otherwise.
    from mosaic_exp.analysis.figures import new_figure

    fig = new_figure((6.4, 4.0))
    ax = fig.subplots()
    steps = [row["step"] for row in history]
    for key in (k for k in history[0] if k.startswith("auc_")):
        ax.plot(steps, [row[key] for row in history], marker="o", markersize=3, label=key.removeprefix("auc_"))
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("AUC, members vs non-members")
    ax.set_title("Membership inference during fine-tuning")
    ax.legend(title="attack")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=150)
    return path


def log_results(
    loggers: Iterable[Logger], attacks: Mapping[str, Mapping[str, float]], history: Sequence[Mapping[str, float]], out: Path
) -> None:
    """Writes the AUC figure to ``out`` and puts the final results on every W&B run.

    ``attacks`` is ``results.json``'s per-attack summary, ``history`` its ``mia_history``.
    """
    figure = auc_figure(history, out / FIGURE) if history else None
    for logger in loggers:
        if not isinstance(logger, WandbLogger):
            continue
        rows = [[attack, *(metrics[c] for c in TABLE_COLUMNS[1:])] for attack, metrics in attacks.items()]
        logger.log_table("mia/attacks", columns=list(TABLE_COLUMNS), data=rows)
        if figure is not None:
            logger.log_image("mia/auc_over_steps", images=[str(figure)])
        logger.experiment.summary.update({f"final/auc_{attack}": metrics["auc"] for attack, metrics in attacks.items()})
