"""``task=mia``: membership inference (and optionally extraction) on a model.

The model is ``mia.model_path`` (e.g. the ``model/`` folder a ``task=train``
run with ``save_model=true`` wrote) or, by default, the configured ``model``.
:func:`membership_report` is also the end of ``task=train``: both score every
canary with every attack, write ``scores.jsonl`` (one line per canary) and
``results.json`` to the run's output folder, and print the attack table. The
pieces it chains are in :mod:`mosaic_exp.mia.report` and :mod:`mosaic_exp.mia.tables`.

With ``mia/dataset=...`` (``mia.dataset`` set) the same attacks score a
labelled dataset instead (:func:`mia_dataset`): its texts become canaries in
the target's tokenization, so every attack and output is the canaries' own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.canaries.sample import Canary
from mosaic_exp.canaries.stage import load_canaries
from mosaic_exp.errors import UserError
from mosaic_exp.mia import report
from mosaic_exp.mia.dataset_tokens import TextFit
from mosaic_exp.mia.datasets import load_labelled
from mosaic_exp.mia.dc_pdd import build_file_counts, build_token_counts, load_token_counts
from mosaic_exp.mia.evaluate import summarize
from mosaic_exp.mia.report import PROVENANCE
from mosaic_exp.mia.tables import attack_table, extraction_table, print_tables
from mosaic_exp.models.ref import TINY_SCHEME, ModelRef
from mosaic_exp.pipeline import canary_stages, prepare_stages, resolve_models, tiny_models
from mosaic_exp.store import Artifact, ArtifactStore

__all__ = ["PROVENANCE", "attack_table", "check_extraction", "extraction_table", "membership_report", "mia", "mia_dataset", "provenance"]

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


def reference_counts(cfg: DictConfig, tokenizer: PreTrainedTokenizerBase, artifacts: Mapping[str, Artifact]) -> Artifact | None:
    """dc_pdd's token counts: of ``mia.dc_pdd_corpus``, else of the corpus's pretrain split (None: neither); cached."""
    store = ArtifactStore(cfg.paths.cache_dir, force=cfg.force)
    if cfg.mia.dc_pdd_corpus:
        return build_file_counts(store, cfg.mia.dc_pdd_corpus, tokenizer)
    if "corpus" in artifacts:
        return build_token_counts(store, artifacts["corpus"], tokenizer)
    return None


def membership_report(
    cfg: DictConfig,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    members: Sequence[Canary],
    non_members: Sequence[Canary],
    artifacts: Mapping[str, Artifact],
    sections: Mapping[str, Any] | None = None,
    reference: ModelRef | None = None,
    mlm: ModelRef | None = None,
) -> dict[str, Any]:
    """Scores every canary, writes ``scores.jsonl`` and ``results.json``, prints the tables.

    ``results.json`` holds the resolved config, the model, seed, perturbation
    and artifacts, the task's own ``sections``, AUC / TPR@FPR per attack and,
    with ``mia.extraction``, the mean extraction metrics per group. The
    reference of the ratio attack is ``cfg.reference`` unless ``reference`` is given,
    and the masked LM of the neighbourhood attack ``cfg.mlm`` unless ``mlm`` is.
    """
    if reference is None or mlm is None:
        models = resolve_models(cfg, tiny_models(artifacts))
        reference, mlm = reference or models.reference, mlm or models.mlm
    counts = None
    if (counted := reference_counts(cfg, tokenizer, artifacts)) is not None:
        artifacts, counts = {**artifacts, "token_counts": counted}, load_token_counts(counted)
    header = {
        "config": OmegaConf.to_container(cfg, resolve=True),
        "model": cfg.model.name_or_path,
        "seed": cfg.seed,
        "perturbation": OmegaConf.to_container(cfg.perturbation, resolve=True),
        "artifacts": {name: str(a.path) for name, a in artifacts.items()},
        **(sections or {}),
    }
    return _report(cfg, model, tokenizer, members, non_members, reference, header, token_counts=counts, mlm=mlm)


def _report(
    cfg: DictConfig,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    members: Sequence[Canary],
    non_members: Sequence[Canary],
    reference: ModelRef,
    header: Mapping[str, Any],
    with_text: bool = False,
    token_counts: np.ndarray | None = None,
    mlm: ModelRef | None = None,
) -> dict[str, Any]:
    """Scores, summarizes, extracts (``mia.extraction``), writes and prints: the canaries' and a dataset's report alike."""
    rows = report.score_all(model, tokenizer, members, non_members, reference, cfg.mia, token_counts, mlm)
    if with_text:  # a dataset's rows name their text: nothing else identifies them
        for row, canary in zip(rows, [*members, *non_members]):
            row["text"] = canary.text
    results = {**header, "attacks": summarize(rows, bootstrap=cfg.mia.bootstrap, seed=cfg.mia.bootstrap_seed)}
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
    """Membership inference of the canaries of this config (or of ``mia.dataset``) on ``mia.model_path`` (or ``model``)."""
    if cfg.mia.dataset is not None:
        return mia_dataset(cfg)
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
        cfg,
        model,
        tokenizer,
        members,
        non_members,
        artifacts,
        {"model_path": target.configured},
        reference=models.reference,
        mlm=models.mlm,
    )


def mia_dataset(cfg: DictConfig) -> dict[str, Any]:
    """Membership inference of the labelled texts of ``mia.dataset`` on ``mia.model_path`` (or ``model``).

    The files are read before any model loads, so a wrong path or field fails
    at once. The tiny world is built only when the target or the reference is a
    ``tiny://`` model: scoring WikiMIA on Pythia needs none of it.
    """
    texts = load_labelled(cfg.mia.dataset)
    tiny = None
    if any(str(cfg[group].name_or_path).startswith(TINY_SCHEME) for group in ("model", "reference")):
        tiny = tiny_models(prepare_stages(cfg, ArtifactStore(cfg.paths.cache_dir, force=cfg.force)))
    target = report.saved_model(ModelRef.resolve(cfg.model, tiny, "model"), cfg.mia.model_path)
    reference = ModelRef.resolve(cfg.reference, tiny, "reference")
    # The neighbourhood attack's masked LM, unless it is a tiny-world model that nothing else needs built.
    mlm = None if tiny is None and str(cfg.mlm.name_or_path).startswith(TINY_SCHEME) else ModelRef.resolve(cfg.mlm, tiny, "mlm")
    model, tokenizer = target.load_causal()
    fit = TextFit(tokenizer, cfg.mia.dataset.max_tokens, target.context_length(), reference.load_tokenizer(), reference.context_length())
    members, non_members = fit.canaries(texts.members), fit.canaries(texts.non_members)
    for name, group in (("members", members), ("non-members", non_members)):
        if not group:
            raise UserError(f"{texts.source}: no {name} left with at least 2 tokens; membership inference needs both")
    report.check_extraction(cfg.mia, [*members, *non_members])
    if fit.truncated or fit.dropped:
        log.warning("%d texts cut to %s tokens, %d shorter than 2 tokens left out", fit.truncated, fit.limit, fit.dropped)
    header = {
        "config": OmegaConf.to_container(cfg, resolve=True),
        "model": cfg.model.name_or_path,
        "model_path": target.configured,
        "reference": reference.configured,
        "seed": cfg.seed,
        "dataset": {
            "source": texts.source,
            "members": len(members),
            "non_members": len(non_members),
            "max_tokens": fit.limit,
            "truncated": fit.truncated,
            "dropped": fit.dropped,
        },
    }
    counts = None
    if (counted := reference_counts(cfg, tokenizer, {})) is not None:
        header["artifacts"], counts = {"token_counts": str(counted.path)}, load_token_counts(counted)
    return _report(cfg, model, tokenizer, members, non_members, reference, header, with_text=True, mlm=mlm, token_counts=counts)
