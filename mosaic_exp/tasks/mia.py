"""``task=mia``: membership inference (and optionally extraction) on a model.

The model is ``mia.model_path`` (e.g. the ``model/`` folder a ``task=train``
run with ``save_model=true`` wrote) or, by default, the configured ``model``.
:func:`membership_report` is also the end of ``task=train``: both score every
canary with every attack, write ``scores.jsonl`` (one line per canary) and
``results.json`` to the run's output folder, and print the attack table. The
pieces it chains are in :mod:`mosaic_exp.mia.report` and :mod:`mosaic_exp.mia.tables`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from omegaconf import DictConfig, OmegaConf
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.canaries.sample import Canary
from mosaic_exp.canaries.stage import load_canaries
from mosaic_exp.mia import report
from mosaic_exp.mia.evaluate import summarize
from mosaic_exp.mia.report import PROVENANCE
from mosaic_exp.mia.tables import attack_table, extraction_table, print_tables
from mosaic_exp.models.ref import ModelRef
from mosaic_exp.pipeline import canary_stages, resolve_models, tiny_models
from mosaic_exp.store import Artifact, ArtifactStore

__all__ = ["PROVENANCE", "attack_table", "check_extraction", "extraction_table", "membership_report", "mia", "provenance"]

log = logging.getLogger(__name__)


def provenance(cfg: DictConfig, artifacts: Mapping[str, Artifact]) -> dict[str, Any]:
    """What identifies the canaries and the setting a model was fine-tuned on."""
    return {
        "canaries": artifacts["canaries"].key,
        "seed": cfg.seed,
        "perturbation": OmegaConf.to_container(cfg.perturbation, resolve=True),
    }


def check_extraction(cfg: DictConfig, canaries: Sequence[Canary]) -> None:
    """With ``mia.extraction``, fails before any work unless every canary has the prefix and suffix."""
    report.check_extraction(cfg.mia, canaries)


def membership_report(
    cfg: DictConfig,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    members: Sequence[Canary],
    non_members: Sequence[Canary],
    artifacts: Mapping[str, Artifact],
    sections: Mapping[str, Any] | None = None,
    reference: ModelRef | None = None,
) -> dict[str, Any]:
    """Scores every canary, writes ``scores.jsonl`` and ``results.json``, prints the tables.

    ``results.json`` holds the resolved config, the model, seed, perturbation
    and artifacts, the task's own ``sections``, AUC / TPR@FPR per attack and,
    with ``mia.extraction``, the mean extraction metrics per group. The
    reference of the ratio attack is ``cfg.reference`` unless ``reference`` is given.
    """
    reference = reference or resolve_models(cfg, tiny_models(artifacts)).reference
    rows = report.score_all(model, tokenizer, members, non_members, reference, cfg.mia)
    results = {
        "config": OmegaConf.to_container(cfg, resolve=True),
        "model": cfg.model.name_or_path,
        "seed": cfg.seed,
        "perturbation": OmegaConf.to_container(cfg.perturbation, resolve=True),
        "artifacts": {name: str(a.path) for name, a in artifacts.items()},
        **(sections or {}),
        "attacks": summarize(rows),
    }
    tables = [attack_table(results["attacks"])]
    if cfg.mia.extraction:
        extracted, means = report.run_extraction(model, tokenizer, members, non_members, cfg.mia)
        for row, values in zip(rows, extracted):
            row["extraction"] = values
        results["extraction"] = {
            "prefix_length": cfg.mia.extraction_prefix_length,
            "suffix_length": cfg.mia.extraction_suffix_length,
            **means,
        }
        tables.append(extraction_table(means))
    written = report.write_results(cfg.paths.output_dir, rows, results)
    print_tables(*tables)
    log.info("results in %s", written)
    return results


def mia(cfg: DictConfig) -> dict[str, Any]:
    """Membership inference of the canaries of this config on ``mia.model_path`` (or ``model``)."""
    store = ArtifactStore(cfg.paths.cache_dir, force=cfg.force)
    artifacts = canary_stages(cfg, store)
    members, non_members = load_canaries(artifacts["canaries"].path)
    report.check_extraction(cfg.mia, [*members, *non_members])
    models = resolve_models(cfg, tiny_models(artifacts))
    target = report.saved_model(models.target, cfg.mia.model_path)
    if cfg.mia.model_path is not None:
        report.check_provenance(target.source, provenance(cfg, artifacts))
    model, tokenizer = target.load_causal()
    return membership_report(
        cfg, model, tokenizer, members, non_members, artifacts, {"model_path": target.configured}, reference=models.reference
    )
