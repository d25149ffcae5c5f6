"""SaMIA: how much of a text's true suffix do the model's own sampled continuations of its prefix recover?

Kaneko et al. 2024, "Sampling-based Pseudo-Likelihood for Membership
Inference Attacks" (arXiv:2402.11072; code nlp-titech/samia, also in the SoK
benchmark computationalprivacy/mia_llms_benchmark, ``samia``). It needs no
likelihoods: the text is cut into a prefix (the first half, ``int(n · 0.5)``
units) and a suffix; ``n_samples`` = 10 continuations of the prefix are
sampled at temperature 1 with top-k 50 (the paper's and the SoK's defaults,
top-p 1), and the score is the mean ROUGE-1 *recall* of the true suffix in
each sample, the paper's measure (``rouge_version: paper`` in the SoK):
``|unigrams(sample) ∩ unigrams(suffix)| / |suffix|``, multiset overlap. A
model that memorised a text continues it with its own words: members score
higher. The zlib variant (SaMIA*zlib, ``zlib=True``) multiplies each sample's
recall by the zlib-compressed size of the sample, so that samples that
recover many words *and* are not repetitive count more.

Differences from the paper, and why:

- Units are target token ids, not whitespace words: our canaries are token
  sequences, and extraction (:mod:`mosaic_exp.mia.extraction`) compares in
  tokens too; no decoding and re-splitting is needed. The zlib size is that
  of the ids written as space-separated decimals.
- Samples are exactly as long as the suffix (the paper samples up to 1,024
  tokens and compares all of it): recall then cannot grow with sheer length,
  and recall, precision and F1 coincide unless a sample stops at EOS.

Sampling is reproducible and independent of batching: each canary's random
numbers come from its own generator, seeded by ``seed`` and the canary's
tokens, and a sample's t-th token is drawn by inverse-CDF from the t-th of
its pre-drawn uniforms. So a canary gets the same samples alone, in any
batch, at any position. ``model.generate`` runs greedily and a logits
processor makes the sampled token the only one allowed, so the KV cache,
left padding and positions stay HF's.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from collections.abc import Sequence

import torch
from transformers import LogitsProcessor, LogitsProcessorList, PreTrainedModel

from mosaic_exp.batching import length_sorted_batches
from mosaic_exp.mia.extraction import pad_left


def rouge1_recall(candidate: Sequence[int], reference: Sequence[int]) -> float:
    """Multiset unigram overlap over the reference's length; 0 when either is empty (as the paper)."""
    if not candidate or not reference:
        return 0.0
    overlap = Counter(candidate) & Counter(reference)
    return sum(overlap.values()) / len(reference)


def zlib_size(tokens: Sequence[int]) -> int:
    """Bytes of the zlib-compressed ids written as space-separated decimals."""
    return len(zlib.compress(" ".join(map(str, tokens)).encode()))


def split_point(length: int, prefix_fraction: float) -> int:
    """Prefix length ``int(length · prefix_fraction)``, kept within 1..length-1 so both parts have a token."""
    return min(max(int(length * prefix_fraction), 1), length - 1)


def canary_uniforms(tokens: Sequence[int], seed: int, n_samples: int, steps: int) -> torch.Tensor:
    """``[n_samples, steps]`` uniforms from a generator seeded by ``seed`` and the canary's tokens."""
    digest = hashlib.sha256(f"samia:{seed}:{','.join(map(str, tokens))}".encode()).digest()
    generator = torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") >> 1)
    return torch.rand(n_samples, steps, generator=generator, dtype=torch.float64)


class InverseCdfSampler(LogitsProcessor):
    """Draws each row's next token from temperature- and top-k-shaped probabilities with that row's uniform.

    It returns scores that allow only the drawn token, so greedy decoding emits it.
    """

    def __init__(self, uniforms: torch.Tensor, prompt_width: int, temperature: float, top_k: int | None):
        self.uniforms, self.prompt_width, self.temperature, self.top_k = uniforms, prompt_width, temperature, top_k

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        step = input_ids.shape[1] - self.prompt_width
        k = scores.shape[-1] if not self.top_k else min(self.top_k, scores.shape[-1])
        logits, index = (scores.double() / self.temperature).topk(k, dim=-1)  # sorted, most likely first
        cdf = torch.softmax(logits, dim=-1).cumsum(-1)
        u = self.uniforms[:, step : step + 1].to(cdf.device) * cdf[:, -1:]
        choice = torch.searchsorted(cdf, u).clamp(max=k - 1)
        token = index.gather(-1, choice)
        return torch.full_like(scores, -torch.inf).scatter(-1, token, 0.0)


@torch.inference_mode()
def sample_suffixes(
    model: PreTrainedModel,
    token_lists: Sequence[Sequence[int]],
    *,
    n_samples: int = 10,
    prefix_fraction: float = 0.5,
    temperature: float = 1.0,
    top_k: int | None = 50,
    seed: int = 0,
    batch_size: int = 32,
    pad_id: int = 0,
    eos_id: int | None = None,
) -> list[list[list[int]]]:
    """Per canary: ``n_samples`` sampled continuations of its prefix, each at most as long as its suffix.

    ``batch_size`` counts canaries: a call to ``generate`` holds ``batch_size · n_samples`` rows.
    A sample that draws ``eos_id`` stops before it.
    """
    if any(len(t) < 2 for t in token_lists):
        raise ValueError("samia needs at least 2 tokens per canary (a prefix and a suffix)")
    if temperature <= 0:
        raise ValueError(f"samia: temperature must be positive, got {temperature}")
    device = next(model.parameters()).device
    cuts = [split_point(len(t), prefix_fraction) for t in token_lists]
    out: list[list[list[int]]] = [[] for _ in token_lists]
    for rows in length_sorted_batches(cuts, batch_size):
        steps = max(len(token_lists[i]) - cuts[i] for i in rows)
        prefixes = [list(token_lists[i][: cuts[i]]) for i in rows for _ in range(n_samples)]
        # Each canary draws for its own suffix length only (the layout of its numbers must not depend on the
        # batch); the steps past its suffix are cut off below, whatever they draw.
        uniforms = torch.cat(
            [
                torch.nn.functional.pad(
                    canary_uniforms(token_lists[i], seed, n_samples, len(token_lists[i]) - cuts[i]),
                    (0, steps - len(token_lists[i]) + cuts[i]),
                    value=0.5,
                )
                for i in rows
            ]
        )
        ids, mask = pad_left(prefixes, pad_id)
        sampler = InverseCdfSampler(uniforms, ids.shape[1], temperature, top_k)
        generated = model.generate(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            logits_processor=LogitsProcessorList([sampler]),
            do_sample=False,
            num_beams=1,
            max_new_tokens=steps,
            min_new_tokens=0,
            pad_token_id=pad_id,
            eos_token_id=eos_id,
        )[:, ids.shape[1] :].tolist()
        for r, i in enumerate(rows):
            width = len(token_lists[i]) - cuts[i]
            for row in generated[r * n_samples : (r + 1) * n_samples]:
                row = row[:width]
                out[i].append(row[: row.index(eos_id)] if eos_id is not None and eos_id in row else row)
    return out


def samia_score(samples: Sequence[Sequence[int]], suffix: Sequence[int], use_zlib: bool = False) -> float:
    """Mean ROUGE-1 recall of ``suffix`` in the samples (each times its zlib size with ``use_zlib``)."""
    values = [rouge1_recall(s, suffix) * (zlib_size(s) if use_zlib else 1) for s in samples]
    return sum(values) / len(values)


def samia_scores(
    target: PreTrainedModel,
    token_lists: Sequence[Sequence[int]],
    *,
    n_samples: int = 10,
    prefix_fraction: float = 0.5,
    temperature: float = 1.0,
    top_k: int | None = 50,
    seed: int = 0,
    batch_size: int = 32,
    pad_id: int = 0,
    eos_id: int | None = None,
    use_zlib: bool = False,
) -> list[float]:
    """SaMIA score per canary, in order (higher = member); ``use_zlib`` gives SaMIA*zlib."""
    samples = sample_suffixes(
        target,
        token_lists,
        n_samples=n_samples,
        prefix_fraction=prefix_fraction,
        temperature=temperature,
        top_k=top_k,
        seed=seed,
        batch_size=batch_size,
        pad_id=pad_id,
        eos_id=eos_id,
    )
    return [samia_score(s, list(t[split_point(len(t), prefix_fraction) :]), use_zlib) for s, t in zip(samples, token_lists)]
