"""The canaries stage: members and non-members, saved as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Mapping, Optional

import torch
from omegaconf import DictConfig, OmegaConf

from mosaic_exp.canaries.filters import CanaryFilter
from mosaic_exp.canaries.sample import Canary, NotEnoughCanaries, SamplingReport, draw_canaries, sample_texts
from mosaic_exp.legacy import load_legacy_pickle
from mosaic_exp.models.loading import inference_device, lm_spec, load_causal_lm, load_tokenizer
from mosaic_exp.store import Artifact, ArtifactStore, spec_key, write_json_atomic

VERSION = 2
FILE = "canaries.json"


def _spec(cfg: DictConfig, tiny_models: Optional[Mapping[str, str]]) -> dict:
    settings = OmegaConf.to_container(cfg.canaries, resolve=True)
    # How long we may try does not change what an accepted set looks like.
    settings.pop("max_draws")
    spec = {"version": VERSION, "target": lm_spec(cfg.model, tiny_models), "canaries": settings}
    if cfg.import_legacy:
        spec["legacy"] = {k: _fingerprint(settings[k]) for k in ("legacy_members", "legacy_non_members")}
    else:
        spec["generator"] = lm_spec(cfg.generator, tiny_models)
    return spec


def _fingerprint(path: Optional[str]) -> dict:
    if not path:
        raise ValueError(
            "import_legacy=true needs canaries.legacy_members and canaries.legacy_non_members "
            "(the original scripts' pickles)"
        )
    file = Path(path).expanduser()
    return {"path": str(file.resolve()), "bytes": file.stat().st_size if file.exists() else None}


def _legacy_set(path: str, tokenizer, length: int, label: str) -> list[Canary]:
    data = load_legacy_pickle(path)
    if not isinstance(data, list) or not all(isinstance(c, list) and all(isinstance(t, int) for t in c) for c in data):
        raise ValueError(f"{path}: expected a list of token lists (the original canaries pickle) for {label}")
    short = [i for i, c in enumerate(data) if len(c) < length]
    if short:
        raise ValueError(f"{path}: canaries {short[:5]} have fewer than canaries.length={length} tokens")
    return [Canary(tokens=c[:length], text=tokenizer.decode(c[:length])) for c in data]


def build_canaries(cfg: DictConfig, store: ArtifactStore, tiny_models: Optional[Mapping[str, str]] = None) -> Artifact:
    """Samples (or imports) member and non-member canaries; cached by generator and settings."""
    spec = _spec(cfg, tiny_models)
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


def _sample(cfg: DictConfig, target, tiny_models, partial: Path) -> tuple[list[Canary], list[Canary], dict[str, SamplingReport]]:
    settings = cfg.canaries
    model, gen_tok = load_causal_lm(cfg.generator, tiny_models)
    model.to(inference_device())
    # The authors asked for max_length = length + 25 tokens, the BOS prompt included.
    max_new = settings.max_new_tokens or settings.length + 24
    filt = CanaryFilter(target, settings.length, settings.max_jaccard)
    sets: dict[str, list[Canary]] = {}
    reports: dict[str, SamplingReport] = {}
    # Non-members must also differ from members: one filter sees both sets.
    for name, count, seed in [
        ("members", settings.n_members, settings.member_seed),
        ("non_members", settings.n_non_members, non_member_seed(settings)),
    ]:
        torch.manual_seed(seed)
        samples = sample_texts(
            model, gen_tok, settings.batch_size, max_new, settings.temperature, settings.top_k, settings.top_p
        )
        try:
            sets[name], reports[name] = draw_canaries(samples, filt, target, count, settings.max_draws, name)
        except NotEnoughCanaries as err:
            # Keep what was accepted so the work is not lost.
            write_json_atomic(partial, {**{k: [asdict(c) for c in v] for k, v in sets.items()},
                                        name: [asdict(c) for c in err.accepted],
                                        "report": asdict(err.report)})
            raise NotEnoughCanaries(f"{err} (accepted canaries saved to {partial})", err.accepted, err.report) from None
    return sets["members"], sets["non_members"], reports


def load_canaries(directory: str | Path) -> tuple[list[Canary], list[Canary]]:
    """Members and non-members of a canaries artifact."""
    data = json.loads((Path(directory) / FILE).read_text())
    return [Canary(**c) for c in data["members"]], [Canary(**c) for c in data["non_members"]]
