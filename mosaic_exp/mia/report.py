"""The pieces of a membership-inference report: load, score, extract, write (the tables are in :mod:`.tables`).

:func:`mosaic_exp.tasks.mia.membership_report` chains them for ``task=mia``
and for the end of ``task=train``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.atomic import atomic_path, write_json_atomic
from mosaic_exp.canaries.sample import Canary
from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.metrics.roc import roc_auc
from mosaic_exp.mia.attacks import ATTACKS
from mosaic_exp.mia.bag_of_words import SUSPECT_AUC
from mosaic_exp.mia.config import MIAConfig
from mosaic_exp.mia.evaluate import score_canaries
from mosaic_exp.mia.extraction import check_lengths, extract, mean_by_group
from mosaic_exp.models.loading import inference_device
from mosaic_exp.models.ref import ModelRef

# Written next to a saved fine-tuned model: what it was trained on, so that
# task=mia can refuse canaries or settings that do not belong to it.
PROVENANCE = "mosaic_training.json"
SCORES = "scores.jsonl"
RESULTS = "results.json"

log = logging.getLogger(__name__)


def saved_model(target: ModelRef, model_path: str | None) -> ModelRef:
    """``target``, or the model saved in ``model_path`` (``mia.model_path``) with ``target``'s load settings."""
    if model_path is None:
        return target
    path = Path(model_path).expanduser()
    if not (path / "config.json").is_file():
        raise MissingInput(
            f"mia.model_path={model_path} holds no model (config.json); point it at the model/ folder "
            "of a task=train run with save_model=true, or at any saved Hugging Face causal LM"
        )
    return target.at(path.resolve())


def check_provenance(model_path: str | Path, expected: Mapping[str, Any]) -> None:
    """Refuses a saved model whose recorded training canaries or setting differ from ``expected``."""
    file = Path(model_path) / PROVENANCE
    if not file.exists():
        return  # a model saved by something else: nothing to check against
    recorded = json.loads(file.read_text())
    differing = sorted(k for k in expected if recorded.get(k) != expected[k])
    if differing:
        raise UserError(
            f"{model_path} was fine-tuned with other {', '.join(differing)} than this config gives "
            f"(recorded {', '.join(f'{k}={recorded.get(k)!r}' for k in differing)}); "
            "pass the overrides of its training run (the config in its results.json) "
            "so that the same canaries are scored and the results name its setting"
        )


def check_extraction(settings: MIAConfig, canaries: Sequence[Canary]) -> None:
    """With ``settings.extraction``, fails before any work unless every canary has the prefix and suffix."""
    if settings.extraction:
        check_lengths(min(len(c.tokens) for c in canaries), settings.extraction_prefix_length, settings.extraction_suffix_length)


def score_all(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    members: Sequence[Canary],
    non_members: Sequence[Canary],
    reference: ModelRef,
    settings: MIAConfig,
    token_counts: np.ndarray | None = None,
    mlm: ModelRef | None = None,
) -> list[dict[str, Any]]:
    """One row per canary (members first) with every attack's score; the models run on the inference device.

    ``token_counts`` (the reference corpus's, :mod:`mosaic_exp.mia.dc_pdd`) enables dc_pdd, and
    ``mlm`` (the masked LM) the neighbourhood attack; ``settings.attacks`` selects attacks.
    """
    check_attacks(settings.attacks)
    device = inference_device()
    model.to(device).eval()
    reference_model = reference_tokenizer = None
    if settings.attacks is None or "ratio" in settings.attacks:
        reference_model, reference_tokenizer = reference.load_causal()
        reference_model.to(device)
    mlm_model = mlm_tokenizer = None
    if mlm is not None and (settings.attacks is None or "neighborhood" in settings.attacks):
        mlm_model, mlm_tokenizer = mlm.load_masked()
        mlm_model.to(device)
    rows = score_canaries(
        model,
        tokenizer,
        members,
        non_members,
        reference_model,
        reference_tokenizer,
        token_counts=token_counts,
        settings=settings,
        mlm=mlm_model,
        mlm_tokenizer=mlm_tokenizer,
    )
    warn_if_distinguishable(rows)
    return rows


def check_attacks(attacks: Sequence[str] | None) -> None:
    """Refuses ``mia.attacks`` names that are not attacks, naming the ones that are."""
    unknown = sorted(set(attacks or ()) - set(ATTACKS))
    if unknown:
        raise UserError(f"mia.attacks: no attack named {', '.join(unknown)}; the attacks are {', '.join(ATTACKS)}")


def warn_if_distinguishable(rows: Sequence[Mapping[str, Any]]) -> float | None:
    """Logs a warning when the blind bag-of-words baseline tells members apart (AUC > 0.6); returns its AUC."""
    if not rows or "bag_of_words" not in rows[0]:
        return None
    auc = roc_auc([r["bag_of_words"] for r in rows], [int(r["member"]) for r in rows])
    if auc > SUSPECT_AUC:
        log.warning(
            "bag_of_words, a classifier on the texts alone, reaches AUC %.3f > %.1f: "
            "members and non-members differ in distribution; every other AUC is suspect",
            auc,
            SUSPECT_AUC,
        )
    return auc


def run_extraction(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    members: Sequence[Canary],
    non_members: Sequence[Canary],
    settings: MIAConfig,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, float]]]:
    """Greedy extraction of every canary's suffix: the per-canary values (members first) and the means per group."""
    extracted = extract(
        model,
        [c.tokens for c in [*members, *non_members]],
        settings.extraction_prefix_length,
        settings.extraction_suffix_length,
        batch_size=settings.batch_size,
        pad_id=tokenizer.pad_token_id or 0,
        eos_id=tokenizer.eos_token_id,
    )
    return extracted, mean_by_group(extracted, ["members"] * len(members) + ["non_members"] * len(non_members))


def write_results(out: str | Path, rows: Sequence[Mapping[str, Any]], results: Mapping[str, Any]) -> Path:
    """Writes ``scores.jsonl`` (one line per canary) and ``results.json`` into ``out``; returns the latter."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / SCORES) as tmp, tmp.open("w") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in rows)
    write_json_atomic(out / RESULTS, dict(results))
    return out / RESULTS
