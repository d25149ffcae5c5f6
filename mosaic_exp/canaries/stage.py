"""The canaries stage: members and non-members, saved as JSON."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from omegaconf import OmegaConf
from transformers import PreTrainedTokenizerBase

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.canaries.config import CanariesConfig
from mosaic_exp.canaries.filters import CanaryFilter
from mosaic_exp.canaries.sample import Canary, NotEnoughCanaries, SamplingReport, draw_canaries, sample_texts
from mosaic_exp.errors import UserError
from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.legacy import legacy_fingerprint, load_legacy_pickle
from mosaic_exp.models.loading import inference_device
from mosaic_exp.models.ref import ModelRef
from mosaic_exp.store import Artifact, ArtifactStore, spec_key

log = logging.getLogger(__name__)

VERSION = 2
FILE = "canaries.json"
LEGACY_FILES = ("legacy_members", "legacy_non_members")


def _spec(settings: CanariesConfig, target: ModelRef, generator: ModelRef | None, import_legacy: bool, digests: FileDigests) -> dict:
    plain = OmegaConf.to_container(settings, resolve=True) if OmegaConf.is_config(settings) else asdict(settings)
    # How long we may try does not change what an accepted set looks like.
    plain.pop("max_draws")
    spec: dict[str, Any] = {"version": VERSION, "target": target.spec(digests), "canaries": plain}
    if import_legacy:
        spec["legacy"] = {k: legacy_fingerprint(plain[k], f"canaries.{k}", digests) for k in LEGACY_FILES}
    else:
        spec["generator"] = generator.spec(digests)
    return spec


def _legacy_set(path: str, tokenizer: PreTrainedTokenizerBase, length: int, label: str) -> list[Canary]:
    data = load_legacy_pickle(path)
    if not isinstance(data, list) or not all(isinstance(c, list) and all(isinstance(t, int) for t in c) for c in data):
        raise UserError(f"{path}: expected a list of token lists (the original canaries pickle) for {label}")
    short = [i for i, c in enumerate(data) if len(c) < length]
    if short:
        raise UserError(f"{path}: canaries {short[:5]} have fewer than canaries.length={length} tokens")
    return [Canary(tokens=c[:length], text=tokenizer.decode(c[:length])) for c in data]


def build_canaries(
    settings: CanariesConfig,
    store: ArtifactStore,
    target: ModelRef,
    generator: ModelRef | None = None,
    *,
    import_legacy: bool = False,
) -> Artifact:
    """Samples member and non-member canaries from ``generator`` in ``target``'s tokens; cached by both and ``settings``.

    With ``import_legacy`` they are read from the original scripts' pickles
    (``settings.legacy_members`` / ``legacy_non_members``) and no generator is needed.
    """
    if generator is None and not import_legacy:
        raise ValueError("sampling canaries needs a generator (or import_legacy=True)")
    spec = _spec(settings, target, generator, import_legacy, store.digests)

    def build(directory: Path) -> None:
        tokenizer = target.load_tokenizer()
        if import_legacy:
            members = _legacy_set(settings.legacy_members, tokenizer, settings.length, "members")
            non_members = _legacy_set(settings.legacy_non_members, tokenizer, settings.length, "non-members")
            reports: dict[str, SamplingReport] = {}
        else:
            partial = directory.parent / f"{spec_key(spec)}.partial.json"
            members, non_members, reports = _sample(settings, target, tokenizer, generator, partial)
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


def non_member_seed(settings: CanariesConfig) -> int:
    """``canaries.non_member_seed``, or ten times the member seed (the authors' pairs: 42/420, 1/10, ..., 5/50)."""
    if settings.non_member_seed is not None:
        return settings.non_member_seed
    return 10 * settings.member_seed


def sampled_tokens(settings: CanariesConfig, target: ModelRef, generator: ModelRef) -> int:
    """New tokens per sample, checked against both models' contexts before anything is sampled.

    The authors asked for ``max_length = length + 25`` tokens, the BOS prompt
    included. A generator with a shorter context gets what it can hold; a
    canary it cannot hold, or one the target cannot score, stops the run here
    instead of after ``max_draws`` rejected samples.
    """
    length = settings.length
    target_context = target.context_length()
    if target_context is not None and length + 1 > target_context:
        raise UserError(
            f"canaries.length={length} does not fit the target's context of {target_context} tokens "
            f"({target.configured}; a canary is scored after a BOS): set canaries.length to at most {target_context - 1}"
        )
    context = generator.context_length()
    wanted = settings.max_new_tokens or length + 24
    if context is None or wanted < context:
        return wanted
    room = context - 1
    if settings.max_new_tokens:
        raise UserError(
            f"canaries.max_new_tokens={wanted} does not fit the generator's context of {context} tokens "
            f"({generator.configured}; one is the BOS prompt): set it to at most {room}"
        )
    if room < length:
        raise UserError(
            f"canaries.length={length} cannot be sampled from the generator ({generator.configured}), whose "
            f"context holds {room} new tokens after the BOS prompt: lower canaries.length to at most {room} "
            "or use a generator with a longer context"
        )
    log.info("canaries: sampling %d new tokens, all the generator's context holds after the BOS prompt", room)
    return room


def _sample(
    settings: CanariesConfig, target: ModelRef, tokenizer: PreTrainedTokenizerBase, generator: ModelRef, partial: Path
) -> tuple[list[Canary], list[Canary], dict[str, SamplingReport]]:
    max_new = sampled_tokens(settings, target, generator)
    model, gen_tok = generator.load_causal()
    model.to(inference_device())
    filt = CanaryFilter(tokenizer, settings.length, settings.max_jaccard)
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
            sets[name], reports[name] = draw_canaries(samples, filt, tokenizer, count, settings.max_draws, name)
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
