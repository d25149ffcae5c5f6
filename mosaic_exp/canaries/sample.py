"""Sampling canaries from a generator LM until enough pass the filters."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch
from tqdm import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.canaries.filters import REASONS, CanaryFilter
from mosaic_exp.errors import UserError

log = logging.getLogger(__name__)


@dataclass
class Canary:
    """A canary as the target tokenizes it inside a book, and its text."""

    tokens: list[int]
    text: str


@dataclass
class SamplingReport:
    """How many samples one set took, and why the rejected ones were."""

    drawn: int = 0
    accepted: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        """Accepted canaries per second."""
        return self.accepted / self.seconds if self.seconds else 0.0


class NotEnoughCanaries(UserError):
    """Raised when ``max_draws`` samples did not yield the requested count."""

    def __init__(self, message: str, accepted: list[Canary], report: SamplingReport) -> None:
        super().__init__(message)
        self.accepted = accepted
        self.report = report


def sample_texts(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    batch_size: int,
    max_new_tokens: int,
    temperature: float,
    top_k: int = 50,
    top_p: float = 1.0,
) -> Iterator[tuple[str, bool]]:
    """Endless ``(text, contains_eos)`` samples from an empty prompt (the BOS token).

    A sample may end early with EOS, as in the original scripts; the filter
    rejects it, so the rejection report counts how often that happens.
    """
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    device = next(model.parameters()).device
    prompt = torch.full((batch_size, 1), bos, dtype=torch.long, device=device)
    while True:
        with torch.inference_mode():
            out = model.generate(
                prompt,
                attention_mask=torch.ones_like(prompt),
                do_sample=True,
                temperature=temperature,
                top_k=top_k,
                top_p=top_p,
                max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else bos,
            )
        for row in out[:, 1:].tolist():
            # Rows that ended early are padded after their EOS; the text is cut there.
            has_eos = tokenizer.eos_token_id in row
            if has_eos:
                row = row[: row.index(tokenizer.eos_token_id)]
            yield tokenizer.decode(row, skip_special_tokens=False), has_eos


def draw_canaries(
    samples: Iterator[tuple[str, bool]],
    filt: CanaryFilter,
    target: PreTrainedTokenizerBase,
    count: int,
    max_draws: int,
    label: str,
) -> tuple[list[Canary], SamplingReport]:
    """Pulls samples until ``count`` are accepted; raises with the dominant reason otherwise."""
    report = SamplingReport()
    accepted: list[Canary] = []
    start = time.perf_counter()
    rejected_before = dict(filt.rejected)

    def rejected() -> dict[str, int]:
        return {r: filt.rejected[r] - rejected_before.get(r, 0) for r in REASONS}

    next_log = time.perf_counter() + 10
    hopeless = False
    # The bar counts accepted canaries (its ETA is the one that matters); the
    # periodic log line stays for runs whose stderr is not a terminal.
    with tqdm(total=count, desc=f"canaries ({label})", unit="canary", disable=None) as bar:
        while len(accepted) < count and report.drawn < max_draws and not hopeless:
            text, has_eos = next(samples)
            report.drawn += 1
            tokens = filt.offer(text, has_eos)
            if tokens is not None:
                accepted.append(Canary(tokens=tokens, text=target.decode(tokens)))
                bar.update(1)
            if report.drawn % BAR_EVERY == 0:
                bar.set_postfix(drawn=report.drawn, rejected=sum(rejected().values()), refresh=False)
            if time.perf_counter() > next_log:
                log.info("%s: %d/%d accepted after %d samples; rejected %s", label, len(accepted), count, report.drawn, rejected())
                next_log = time.perf_counter() + 10
            if report.drawn % CHECK_EVERY == 0:
                hopeless = cannot_finish(len(accepted), report.drawn, count, max_draws)
        bar.set_postfix(drawn=report.drawn, rejected=sum(rejected().values()))
    report.seconds = time.perf_counter() - start
    report.accepted = len(accepted)
    report.rejected = rejected()
    log.info(
        "%s: %d accepted of %d samples in %.1f s; rejected %s",
        label,
        report.accepted,
        report.drawn,
        report.seconds,
        report.rejected,
    )
    if len(accepted) < count:
        reason = max(report.rejected, key=report.rejected.get)
        when = (
            f"stopped after {report.drawn} samples: at this rate canaries.max_draws={max_draws} cannot give {count}"
            if hopeless
            else f"after canaries.max_draws={max_draws} samples"
        )
        raise NotEnoughCanaries(
            f"{label}: only {len(accepted)} of {count} canaries {when}; most rejections were "
            f"'{reason}' ({report.rejected[reason]} of {report.drawn}): {HINTS[reason]}",
            accepted,
            report,
        )
    return accepted, report


# How to get past each rejection reason.
HINTS = {
    "eos": "sample fewer tokens (canaries.max_new_tokens) or use a generator that rarely ends early",
    "too_short": "raise canaries.max_new_tokens",
    "roundtrip": "the target tokenizer re-splits many tokens; check generator/model tokenizers",
    "jaccard": "raise canaries.max_jaccard or ask for fewer canaries",
}
# Samples between checks of whether the run can still succeed, and before the first one.
CHECK_EVERY = 100
FIRST_CHECK = 300
# Samples between updates of the bar's drawn/rejected counts (formatting them for every sample costs more than a draw).
BAR_EVERY = 16


def cannot_finish(accepted: int, drawn: int, count: int, max_draws: int) -> bool:
    """Whether even an optimistic rate (3 more acceptances than seen) gives fewer than ``count`` by ``max_draws``.

    Acceptance only falls as the Jaccard filter sees more accepted canaries,
    so the early rate is an upper bound and stopping on it never gives up on
    a run that would have succeeded in expectation.
    """
    return drawn >= FIRST_CHECK and (accepted + 3) * max_draws / drawn < count
