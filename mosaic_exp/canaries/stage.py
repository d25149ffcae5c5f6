"""The canaries stage: members and non-members, saved as JSON."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.canaries.filters import CanaryFilter
from mosaic_exp.canaries.sample import Canary, NotEnoughCanaries, SamplingReport, draw_canaries, sample_texts
from mosaic_exp.errors import UserError
from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.legacy import legacy_fingerprint, load_legacy_pickle
from mosaic_exp.models.loading import context_length, inference_device, lm_spec, load_causal_lm, load_tokenizer
from mosaic_exp.store import Artifact, ArtifactStore, spec_key

log = logging.getLogger(__name__)

VERSION = 2
FILE = "canaries.json"


def _spec(cfg: DictConfig, tiny_models: Mapping[str, str] | None, digests: FileDigests) -> dict:
    settings = OmegaConf.to_container(cfg.canaries, resolve=True)
    # How long we may try does not change what an accepted set looks like.
    settings.pop("max_draws")
    spec = {"version": VERSION, "target": lm_spec(cfg.model, tiny_models, digests), "canaries": settings}
    if cfg.import_legacy:
        spec["legacy"] = {k: legacy_fingerprint(settings[k], f"canaries.{k}", digests) for k in ("legacy_members", "legacy_non_members")}
    else:
        spec["generator"] = lm_spec(cfg.generator, tiny_models, digests)
    return spec


def _legacy_set(path: str, tokenizer, length: int, label: str) -> list[Canary]:
    data = load_legacy_pickle(path)
    if not isinstance(data, list) or not all(isinstance(c, list) and all(isinstance(t, int) for t in c) for c in data):
        raise UserError(f"{path}: expected a list of token lists (the original canaries pickle) for {label}")
    short = [i for i, c in enumerate(data) if len(c) < length]
    if short:
        raise UserError(f"{path}: canaries {short[:5]} have fewer than canaries.length={length} tokens")
    return [Canary(tokens=c[:length], text=tokenizer.decode(c[:length])) for c in data]


def build_canaries(cfg: DictConfig, store: ArtifactStore, tiny_models: Mapping[str, str] | None = None) -> Artifact:
    """Samples (or imports) member and non-member canaries; cached by generator and settings."""
    spec = _spec(cfg, tiny_models, store.digests)
    settings = cfg.canaries

    def build(directory: Path) -> None:
        target = load_tokenizer(cfg.model, tiny_models)
        if cfg.import_legacy:
            members = _legacy_set(settings.legacy_members, target, settings.length, "members")
            non_members = _legacy_set(settings.legacy_non_members, target, settings.length, "non-members")
            reports = {}
        else:
            members, non_members, reports = _sample(cfg, target, tiny_models, directory.parent / f"{spec_key(spec)}.partial.json")
        write_json_atomic(
            directory / FILE,
            {
                "length": settings.length,
                "members": [asdict(c) for c in members],
                "non_members": [asdict(c) for c in non_members],
                "report": {name: {**asdict(r), "per_second": r.per_second} for name, r in reports.items()},
            },
        )

    return store.build("canaries", spec, build)


def non_member_seed(settings: DictConfig) -> int:
    """``canaries.non_member_seed``, or ten times the member seed (the authors' pairs: 42/420, 1/10, ..., 5/50)."""
    if settings.non_member_seed is not None:
        return settings.non_member_seed
    return 10 * settings.member_seed


def sampled_tokens(cfg: DictConfig, tiny_models: Mapping[str, str] | None) -> int:
    """New tokens per sample, checked against both models' contexts before anything is sampled.

    The authors asked for ``max_length = length + 25`` tokens, the BOS prompt
    included. A generator with a shorter context gets what it can hold; a
    canary it cannot hold, or one the target cannot score, stops the run here
    instead of after ``max_draws`` rejected samples.
    """
    settings = cfg.canaries
    length = settings.length
    target = context_length(cfg.model, tiny_models)
    if target is not None and length + 1 > target:
        raise UserError(
            f"canaries.length={length} does not fit the target's context of {target} tokens "
            f"({cfg.model.name_or_path}; a canary is scored after a BOS): set canaries.length to at most {target - 1}"
        )
    generator = context_length(cfg.generator, tiny_models)
    wanted = settings.max_new_tokens or length + 24
    if generator is None or wanted < generator:
        return wanted
    room = generator - 1
    if settings.max_new_tokens:
        raise UserError(
            f"canaries.max_new_tokens={wanted} does not fit the generator's context of {generator} tokens "
            f"({cfg.generator.name_or_path}; one is the BOS prompt): set it to at most {room}"
        )
    if room < length:
        raise UserError(
            f"canaries.length={length} cannot be sampled from the generator ({cfg.generator.name_or_path}), whose "
            f"context holds {room} new tokens after the BOS prompt: lower canaries.length to at most {room} "
            "or use a generator with a longer context"
        )
    log.info("canaries: sampling %d new tokens, all the generator's context holds after the BOS prompt", room)
    return room


def _sample(cfg: DictConfig, target, tiny_models, partial: Path) -> tuple[list[Canary], list[Canary], dict[str, SamplingReport]]:
    settings = cfg.canaries
    max_new = sampled_tokens(cfg, tiny_models)
    model, gen_tok = load_causal_lm(cfg.generator, tiny_models)
    model.to(inference_device())
    filt = CanaryFilter(target, settings.length, settings.max_jaccard)
    sets: dict[str, list[Canary]] = {}
    reports: dict[str, SamplingReport] = {}
    # Non-members must also differ from members: one filter sees both sets.
    for name, count, seed in [
        ("members", settings.n_members, settings.member_seed),
        ("non_members", settings.n_non_members, non_member_seed(settings)),
    ]:
        torch.manual_seed(seed)
        samples = sample_texts(model, gen_tok, settings.batch_size, max_new, settings.temperature, settings.top_k, settings.top_p)
        try:
            sets[name], reports[name] = draw_canaries(samples, filt, target, count, settings.max_draws, name)
        except NotEnoughCanaries as err:
            # Keep what was accepted so the work is not lost.
            write_json_atomic(
                partial,
                {
                    **{k: [asdict(c) for c in v] for k, v in sets.items()},
                    name: [asdict(c) for c in err.accepted],
                    "report": asdict(err.report),
                },
            )
            raise NotEnoughCanaries(f"{err} (accepted canaries saved to {partial})", err.accepted, err.report) from None
    return sets["members"], sets["non_members"], reports


def load_canaries(directory: str | Path) -> tuple[list[Canary], list[Canary]]:
    """Members and non-members of a canaries artifact."""
    data = json.loads((Path(directory) / FILE).read_text())
    return [Canary(**c) for c in data["members"]], [Canary(**c) for c in data["non_members"]]
