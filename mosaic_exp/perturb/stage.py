"""The variations stage: fuzzy duplicates of every member canary, saved as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.canaries.stage import load_canaries
from mosaic_exp.errors import UserError
from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.legacy import legacy_fingerprint, load_legacy_pickle
from mosaic_exp.models.loading import inference_device
from mosaic_exp.models.ref import ModelRef
from mosaic_exp.perturb.base import MLM, NEEDS, PARAPHRASER, TOKENIZER, Perturbation, PerturbEnv, Variation
from mosaic_exp.store import Artifact, ArtifactStore

VERSION = 2
FILE = "variations.json"


@dataclass
class CanaryCopies:
    """A member canary and its fuzzy duplicates."""

    canary: int
    reference: list[int]
    variations: list[Variation]


def _needs(family: Perturbation) -> frozenset[str]:
    unknown = set(family.needs) - NEEDS
    if unknown:
        raise ValueError(f"{type(family).__name__}.needs names {sorted(unknown)}; a family may need {sorted(NEEDS)}")
    return frozenset(family.needs)


def _spec(
    perturbation: DictConfig,
    canaries: Artifact,
    target: ModelRef,
    mlm: ModelRef | None,
    paraphraser: Any,
    needs: frozenset[str] | None,
    digests: FileDigests,
) -> dict:
    """The stage key: the canaries, the target tokenizer, the settings, and each model the family draws on.

    ``needs`` is None for an import of the original scripts' variations, which draws on no model.
    """
    spec = {
        "version": VERSION,
        "canaries": canaries.key,
        "target": target.spec(digests),
        "perturbation": OmegaConf.to_container(perturbation, resolve=True),
    }
    if needs is None:
        spec["legacy"] = legacy_fingerprint(perturbation.legacy_variations, "perturbation.legacy_variations", digests)
        return spec
    if MLM in needs:
        if mlm is None:
            raise ValueError(f"perturbation={perturbation.name} needs a masked LM")
        spec["mlm"] = mlm.spec(digests)
    if PARAPHRASER in needs:
        if paraphraser is None:
            raise UserError(f"perturbation={perturbation.name} needs a paraphraser: add paraphraser=hf_chat or paraphraser=openai")
        spec["paraphraser"] = OmegaConf.to_container(paraphraser, resolve=True) if OmegaConf.is_config(paraphraser) else paraphraser
    return spec


def _legacy(path: str, references: list[list[int]]) -> list[list[Variation]]:
    data = load_legacy_pickle(path)
    if not isinstance(data, list) or not all(isinstance(d, dict) and {"original", "variations"} <= set(d) for d in data):
        raise UserError(f"{path}: expected a list of {{'original', 'variations': [{{'tokens'}}]}} (the original variations pickle)")
    by_reference = {tuple(d["original"][: len(references[0])]): d for d in data}
    out = []
    for i, ref in enumerate(references):
        entry = by_reference.get(tuple(ref))
        if entry is None:
            raise UserError(f"{path} has no variations for member canary {i}; import the matching canaries")
        out.append([Variation.of(ref, list(v["tokens"])) for v in entry["variations"]])
    return out


def _env(needs: frozenset[str], target: ModelRef, mlm: ModelRef | None, paraphraser: Any) -> PerturbEnv:
    """What the family asked for: the target tokenizer now, the models when first used."""

    def load_mlm() -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
        model, tokenizer = mlm.load_masked()
        return model.to(inference_device()), tokenizer

    return PerturbEnv(
        tokenizer=target.load_tokenizer() if TOKENIZER in needs else None,
        load_mlm=load_mlm if MLM in needs else None,
        load_paraphraser=(lambda: instantiate(paraphraser)) if PARAPHRASER in needs else None,
    )


def build_variations(
    perturbation: DictConfig,
    store: ArtifactStore,
    canaries: Artifact,
    target: ModelRef,
    mlm: ModelRef | None = None,
    paraphraser: Any = None,
    *,
    import_legacy: bool = False,
) -> Artifact:
    """Generates the fuzzy duplicates of every member canary that ``perturbation`` (``cfg.perturbation``) describes.

    The family's ``needs`` say which of ``target``'s tokenizer, the ``mlm`` and
    the ``paraphraser`` (a config node with its ``tiny://`` paths resolved) it
    draws on. With ``import_legacy`` the variations are read from
    ``perturbation.legacy_variations`` instead.
    """
    family: Perturbation | None = None if import_legacy else instantiate(perturbation)
    needs = None if family is None else _needs(family)
    spec = _spec(perturbation, canaries, target, mlm, paraphraser, needs, store.digests)

    def build(directory: Path) -> None:
        members, _ = load_canaries(canaries.path)
        references = [c.tokens for c in members]
        if family is None:
            copies = _legacy(perturbation.legacy_variations, references)
        else:
            copies = family.generate(references, _env(needs, target, mlm, paraphraser))
        write_json_atomic(
            directory / FILE,
            {
                "perturbation": perturbation.name,
                "canaries": [
                    {"canary": i, "reference": ref, "variations": [asdict(v) for v in vs]}
                    for i, (ref, vs) in enumerate(zip(references, copies))
                ],
            },
        )

    return store.build("variations", spec, build)


def load_variations(directory: str | Path) -> list[CanaryCopies]:
    """Every member canary with its variations."""
    data = json.loads((Path(directory) / FILE).read_text())
    return [CanaryCopies(c["canary"], c["reference"], [Variation(**v) for v in c["variations"]]) for c in data["canaries"]]
