"""The variations stage: fuzzy duplicates of every member canary, saved as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.canaries.stage import load_canaries
from mosaic_exp.errors import UserError
from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.legacy import legacy_fingerprint, load_legacy_pickle
from mosaic_exp.models.loading import inference_device, lm_spec, load_masked_lm, load_tokenizer, resolve_tiny_paths
from mosaic_exp.perturb.base import PerturbEnv, Variation
from mosaic_exp.store import Artifact, ArtifactStore

VERSION = 2
FILE = "variations.json"


@dataclass
class CanaryCopies:
    """A member canary and its fuzzy duplicates."""

    canary: int
    reference: list[int]
    variations: list[Variation]


def _uses_mlm(perturbation: DictConfig) -> bool:
    return perturbation.name == "replace" and str(getattr(perturbation.strategy, "value", perturbation.strategy)) != "random"


def _spec(cfg: DictConfig, canaries: Artifact, tiny_models: Mapping[str, str] | None, digests: FileDigests) -> dict:
    spec = {
        "version": VERSION,
        "canaries": canaries.key,
        "target": lm_spec(cfg.model, tiny_models, digests),
        "perturbation": OmegaConf.to_container(cfg.perturbation, resolve=True),
    }
    if cfg.import_legacy:
        spec["legacy"] = legacy_fingerprint(cfg.perturbation.legacy_variations, "perturbation.legacy_variations", digests)
    elif _uses_mlm(cfg.perturbation):
        spec["mlm"] = lm_spec(cfg.mlm, tiny_models, digests)
    elif cfg.perturbation.name == "paraphrase":
        if cfg.paraphraser is None:
            raise UserError("perturbation=paraphrase needs a paraphraser: add paraphraser=hf_chat or paraphraser=openai")
        spec["paraphraser"] = OmegaConf.to_container(resolve_tiny_paths(cfg.paraphraser, tiny_models))
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


def build_variations(cfg: DictConfig, store: ArtifactStore, canaries: Artifact, tiny_models: Mapping[str, str] | None = None) -> Artifact:
    """Generates (or imports) the configured fuzzy duplicates of every member canary."""
    spec = _spec(cfg, canaries, tiny_models, store.digests)

    def load_mlm():
        model, tokenizer = load_masked_lm(cfg.mlm, tiny_models)
        return model.to(inference_device()), tokenizer

    def build(directory: Path) -> None:
        members, _ = load_canaries(canaries.path)
        references = [c.tokens for c in members]
        if cfg.import_legacy:
            copies = _legacy(cfg.perturbation.legacy_variations, references)
        else:
            env = PerturbEnv(
                tokenizer=load_tokenizer(cfg.model, tiny_models),
                load_mlm=load_mlm,
                load_paraphraser=lambda: instantiate(resolve_tiny_paths(cfg.paraphraser, tiny_models)),
            )
            copies = instantiate(cfg.perturbation).generate(references, env)
        write_json_atomic(
            directory / FILE,
            {
                "perturbation": cfg.perturbation.name,
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
