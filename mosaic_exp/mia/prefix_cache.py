"""Scoring sequences that share a prefix with a scored one, from its cached keys and values.

A neighbour (one token swapped) or a prefixed text repeats the first tokens of
a sequence the model has already read. In a causal model those tokens' keys,
values and predictions do not depend on what follows, so only the tokens from
the first difference on need a forward pass: they attend to the shared
prefix's cached keys and values. For a neighbour that differs at a uniformly
drawn position this halves the work of a full pass, with the same numbers up
to floating-point rounding (tested against full passes on several families).

Invariant: :func:`suffix_logprobs` returns exactly the log-probabilities a
full pass of each request's sequence gives for its tokens ``shared..n-1``.
Models whose cache is not a plain key/value cache (state-space or recurrent
layers) are scored by full passes instead.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import DynamicCache, PreTrainedModel

from mosaic_exp.batching import pad_right


@dataclass(frozen=True)
class SuffixRequest:
    """Score ``tokens[shared:]``, where ``tokens[:shared]`` equals the first ``shared`` tokens of base ``base``."""

    base: int
    shared: int
    tokens: Sequence[int]


def _key_values(cache: object, width: int) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
    """Per layer (keys, values) of shape [batch, heads, width, dim], or None for any other kind of cache."""
    layers = getattr(cache, "layers", None)
    if not isinstance(cache, DynamicCache) or not layers:
        return None
    pairs = [(getattr(layer, "keys", None), getattr(layer, "values", None)) for layer in layers]
    if any(not isinstance(k, torch.Tensor) or not isinstance(v, torch.Tensor) or k.dim() != 4 or k.shape[2] != width for k, v in pairs):
        return None
    return pairs  # type: ignore[return-value]


def _forward_arguments(model: PreTrainedModel) -> tuple[str, dict[str, int]]:
    """The forward's name for a cache (``cache`` from transformers 5.24, ``past_key_values`` before),
    and the argument that skips the vocabulary projection where it has one (only the cache is wanted)."""
    parameters = inspect.signature(model.forward).parameters
    skip = {"logits_to_keep": 1} if "logits_to_keep" in parameters else {}
    return ("cache" if "cache" in parameters else "past_key_values"), skip


def _logprobs(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """log p(target) at every position, without materialising the whole log-distribution."""
    flat = logits.float().flatten(0, 1)
    return -torch.nn.functional.cross_entropy(flat, targets.flatten(), reduction="none").view(targets.shape)


def _full_pass(model: PreTrainedModel, sequences: Sequence[Sequence[int]], pad_id: int) -> list[torch.Tensor]:
    device = next(model.parameters()).device
    ids, attention = pad_right(sequences, pad_id)
    ids, attention = ids.to(device), attention.to(device)
    picked = _logprobs(model(input_ids=ids, attention_mask=attention).logits[:, :-1], ids[:, 1:])
    return [picked[r, : len(s) - 1].cpu() for r, s in enumerate(sequences)]


@torch.inference_mode()
def suffix_logprobs(
    model: PreTrainedModel,
    bases: Sequence[Sequence[int]],
    requests: Sequence[SuffixRequest],
    batch_size: int = 32,
    pad_id: int = 0,
) -> list[torch.Tensor]:
    """For each request, the log-probabilities of ``tokens[max(shared, 1):]`` given all tokens before them.

    Bases are read in chunks of ``batch_size`` (their caches are the memory
    cost); requests with ``shared`` >= 2 continue from the first ``shared - 1``
    cached positions of their base (the last shared token is fed again, as the
    input whose output predicts the first new token), grouped by that length so
    every batch shares one cache width. Requests with ``shared`` < 2 gain
    nothing and get full passes.
    """
    for r in requests:
        if not 0 <= r.shared < len(r.tokens) or not 0 <= r.base < len(bases):
            raise ValueError(f"bad suffix request: base {r.base} of {len(bases)}, shared {r.shared} of {len(r.tokens)} tokens")
        if list(r.tokens[: r.shared]) != list(bases[r.base][: r.shared]):
            raise ValueError(f"request for base {r.base} does not start with its first {r.shared} tokens")
    out: list[torch.Tensor | None] = [None] * len(requests)
    full = [i for i, r in enumerate(requests) if r.shared < 2]
    by_base: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(requests):
        if r.shared >= 2:
            by_base[r.base].append(i)
    device = next(model.parameters()).device
    cache_kwarg, skip = _forward_arguments(model)
    used = sorted(by_base)
    for start in range(0, len(used), batch_size):
        chunk = used[start : start + batch_size]
        ids, attention = pad_right([bases[b] for b in chunk], pad_id)
        # A cache without the model's config keeps every position, also of sliding-window layers,
        # so that it can be cut at any width; the continuation's cache applies the window again.
        kept = {cache_kwarg: DynamicCache(), **skip}
        read = model(input_ids=ids.to(device), attention_mask=attention.to(device), use_cache=True, **kept)
        cache = _key_values(getattr(read, "cache", None) or getattr(read, "past_key_values", None), ids.shape[1])
        if cache is None:
            full += [i for b in chunk for i in by_base[b]]
            continue
        row = {b: r for r, b in enumerate(chunk)}
        by_width: dict[int, list[int]] = defaultdict(list)
        for b in chunk:
            for i in by_base[b]:
                by_width[requests[i].shared - 1].append(i)
        for width, members in sorted(by_width.items()):
            for s in range(0, len(members), batch_size):
                batch = members[s : s + batch_size]
                rows = torch.tensor([row[requests[i].base] for i in batch], device=device)
                past = DynamicCache(config=model.config)
                for layer, (keys, values) in enumerate(cache):
                    past.update(keys[rows, :, :width].clone(), values[rows, :, :width].clone(), layer)
                inputs = [requests[i].tokens[width:] for i in batch]
                new, mask = pad_right(inputs, pad_id)
                new, mask = new.to(device), mask.to(device)
                attention_mask = torch.cat([torch.ones(len(batch), width, dtype=mask.dtype, device=device), mask], dim=1)
                logits = model(input_ids=new, attention_mask=attention_mask, use_cache=True, **{cache_kwarg: past}).logits
                picked = _logprobs(logits[:, :-1], new[:, 1:])
                for r, i in enumerate(batch):
                    out[i] = picked[r, : len(inputs[r]) - 1].cpu()
    for s in range(0, len(full), batch_size):
        batch = full[s : s + batch_size]
        for i, scores in zip(batch, _full_pass(model, [requests[i].tokens for i in batch], pad_id)):
            out[i] = scores[max(requests[i].shared - 1, 0) :]
    return out  # type: ignore[return-value]
