"""``task=mia``: membership inference (and optionally extraction) on a model.

The model is ``mia.model_path`` (e.g. the ``model/`` folder a ``task=train``
run with ``save_model=true`` wrote) or, by default, the configured ``model``.
:func:`membership_report` is also the end of ``task=train``: both score every
canary with every attack, write ``scores.jsonl`` (one line per canary) and
``results.json`` to the run's output folder, and print the attack table.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.canaries.sample import Canary
from mosaic_exp.canaries.stage import load_canaries
from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.mia.evaluate import score_canaries, summarize
from mosaic_exp.mia.extraction import check_lengths, extract, mean_by_group
from mosaic_exp.models.loading import inference_device, load_causal_lm
from mosaic_exp.pipeline import canary_stages, tiny_models
from mosaic_exp.store import Artifact, ArtifactStore

log = logging.getLogger(__name__)

# Written next to a saved fine-tuned model: what it was trained on, so that
# task=mia can refuse canaries or settings that do not belong to it.
PROVENANCE = "mosaic_training.json"


def attack_table(summary: Mapping[str, Mapping[str, float]]) -> str:
    """AUC and TPR at 1% / 10% FPR, one line per attack."""
    lines = [f"{'attack':<12} {'AUC':>6} {'TPR@1%FPR':>10} {'TPR@10%FPR':>11}"]
    for attack, m in summary.items():
        lines.append(f"{attack:<12} {m['auc']:>6.3f} {m['tpr@1%fpr']:>10.3f} {m['tpr@10%fpr']:>11.3f}")
    return "\n".join(lines)


def extraction_table(summary: Mapping[str, Mapping[str, float]]) -> str:
    """Mean BLEU and edit similarity per group."""
    lines = [f"{'extraction':<12} {'BLEU':>6} {'edit sim.':>10}"]
    for group, m in summary.items():
        lines.append(f"{group:<12} {m['bleu']:>6.3f} {m['edit_similarity']:>10.3f}")
    return "\n".join(lines)


def provenance(cfg: DictConfig, artifacts: Mapping[str, Artifact]) -> dict[str, Any]:
    """What identifies the canaries and the setting a model was fine-tuned on."""
    return {
        "canaries": artifacts["canaries"].key,
        "seed": cfg.seed,
        "perturbation": OmegaConf.to_container(cfg.perturbation, resolve=True),
    }


def check_extraction(cfg: DictConfig, canaries: Sequence[Canary]) -> None:
    """With ``mia.extraction``, fails before any work unless every canary has the prefix and suffix."""
    if cfg.mia.extraction:
        check_lengths(min(len(c.tokens) for c in canaries), cfg.mia.extraction_prefix_length, cfg.mia.extraction_suffix_length)


def _write_jsonl(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in rows)
    tmp.replace(path)


def membership_report(
    cfg: DictConfig,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    members: Sequence[Canary],
    non_members: Sequence[Canary],
    artifacts: Mapping[str, Artifact],
    sections: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Scores every canary, writes ``scores.jsonl`` and ``results.json``, prints the tables.

    ``results.json`` holds the resolved config, the model, seed, perturbation
    and artifacts, the task's own ``sections``, AUC / TPR@FPR per attack and,
    with ``mia.extraction``, the mean extraction metrics per group.
    """
    out = Path(cfg.paths.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    device = inference_device()
    model.to(device).eval()
    reference, reference_tokenizer = load_causal_lm(cfg.reference, tiny_models(dict(artifacts)))
    rows = score_canaries(
        model,
        tokenizer,
        members,
        non_members,
        reference.to(device),
        reference_tokenizer,
        k=cfg.mia.k,
        batch_size=cfg.mia.batch_size,
    )
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
        extracted = extract(
            model,
            [c.tokens for c in [*members, *non_members]],
            cfg.mia.extraction_prefix_length,
            cfg.mia.extraction_suffix_length,
            batch_size=cfg.mia.batch_size,
            pad_id=tokenizer.pad_token_id or 0,
            eos_id=tokenizer.eos_token_id,
        )
        for row, values in zip(rows, extracted):
            row["extraction"] = values
        means = mean_by_group(extracted, ["members"] * len(members) + ["non_members"] * len(non_members))
        results["extraction"] = {
            "prefix_length": cfg.mia.extraction_prefix_length,
            "suffix_length": cfg.mia.extraction_suffix_length,
            **means,
        }
        tables.append(extraction_table(means))
    _write_jsonl(out / "scores.jsonl", rows)
    write_json_atomic(out / "results.json", results)
    print("\n\n".join(tables))
    log.info("results in %s", out / "results.json")
    return results


def _check_provenance(model_path: Path, expected: Mapping[str, Any]) -> None:
    file = model_path / PROVENANCE
    if not file.exists():
        return
    recorded = json.loads(file.read_text())
    differing = sorted(k for k in expected if recorded.get(k) != expected[k])
    if differing:
        raise UserError(
            f"{model_path} was fine-tuned with other {', '.join(differing)} than this config gives "
            f"(recorded {', '.join(f'{k}={recorded.get(k)!r}' for k in differing)}); "
            "pass the overrides of its training run (the config in its results.json) "
            "so that the same canaries are scored and the results name its setting"
        )


def _model_config(cfg: DictConfig) -> DictConfig:
    """``cfg.model``, or a copy of it pointing at ``mia.model_path``."""
    if cfg.mia.model_path is None:
        return cfg.model
    path = Path(cfg.mia.model_path).expanduser()
    if not (path / "config.json").is_file():
        raise MissingInput(
            f"mia.model_path={cfg.mia.model_path} holds no model (config.json); point it at the model/ folder "
            "of a task=train run with save_model=true, or at any saved Hugging Face causal LM"
        )
    return OmegaConf.merge(cfg.model, {"name_or_path": str(path.resolve()), "tokenizer": None, "revision": None})


def mia(cfg: DictConfig) -> dict[str, Any]:
    """Membership inference of the canaries of this config on ``mia.model_path`` (or ``model``)."""
    store = ArtifactStore(cfg.paths.cache_dir, force=cfg.force)
    artifacts = canary_stages(cfg, store)
    members, non_members = load_canaries(artifacts["canaries"].path)
    check_extraction(cfg, [*members, *non_members])
    lm = _model_config(cfg)
    if cfg.mia.model_path is not None:
        _check_provenance(Path(lm.name_or_path), provenance(cfg, artifacts))
    model, tokenizer = load_causal_lm(lm, tiny_models(artifacts))
    return membership_report(cfg, model, tokenizer, members, non_members, artifacts, {"model_path": str(lm.name_or_path)})
