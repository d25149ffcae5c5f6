"""The membership-inference attacks. Every score is "higher = more likely a member".

- loss:       −NLL, the mean token log-probability under the target;
- ratio:      −(NLL_target − NLL_reference), the text scored by a reference model;
- lowercase:  −(NLL(x) − NLL(lowercase x)) under the target;
- zlib:       −NLL · len(text) / len(zlib(text)), the paper's variant: len(text) in
              characters (as the authors' code), the compressed length in bytes;
- min_k:      mean of the k lowest token log-probabilities (k tokens, or a fraction);
- min_k_plus: mean of the k lowest (log p − μ) / σ, with μ, σ² the mean and variance
              of log p under the model's own next-token distribution (Min-K%++);
- surp:       mean log p of the tokens that surprise a confident model (:mod:`.surp`);
- dc_pdd:     mean of min(p · (−log f), a) over first occurrences, f a token's frequency in
              a reference corpus (:mod:`.dc_pdd`);
- bag_of_words: the blind baseline, out-of-fold P(member) of a classifier on the texts' word
              n-grams alone, no model (:mod:`.bag_of_words`); near 0.5 unless the groups differ.

The attacks beyond the paper live in their own modules; :func:`mosaic_exp.mia.evaluate.score_canaries`
calls them.
"""

from __future__ import annotations

import math
import zlib

from mosaic_exp.mia.forward import TokenScores

ATTACKS = (
    *("loss", "ratio", "lowercase", "zlib", "min_k", "min_k_plus", "surp", "dc_pdd", "bag_of_words"),
    # Attacks with passes of their own (mosaic_exp.mia.extra).
    *("neighborhood", "pac", "recall", "con_recall", "samia", "gradnorm"),
)


def _k(n: int, k: float) -> int:
    """``k`` tokens when k >= 1, else that fraction of the ``n`` scored tokens (at least 1)."""
    count = int(k) if k >= 1 else math.ceil(k * n)
    return max(1, min(n, count))


def loss(target: TokenScores) -> float:
    """Mean token log-probability under the target."""
    return float(target.logprobs.mean())


def ratio(target: TokenScores, reference: TokenScores) -> float:
    """Mean log-probability under the target minus that under the reference."""
    return float(target.logprobs.mean() - reference.logprobs.mean())


def lowercase(target: TokenScores, lowered: TokenScores) -> float:
    """Mean log-probability of the text minus that of its lowercased form, both under the target."""
    return float(target.logprobs.mean() - lowered.logprobs.mean())


def zlib_score(target: TokenScores, text: str) -> float:
    """Mean log-probability times characters per zlib-compressed byte."""
    return float(target.logprobs.mean()) * len(text) / len(zlib.compress(text.encode("utf-8")))


def min_k(target: TokenScores, k: float = 20) -> float:
    """Mean of the ``k`` lowest token log-probabilities."""
    lp = target.logprobs
    return float(lp.topk(_k(len(lp), k), largest=False).values.mean())


def min_k_plus(target: TokenScores, k: float = 20) -> float:
    """Mean of the ``k`` lowest standardized token log-probabilities (Min-K%++)."""
    if target.mean.numel() == 0:
        raise ValueError("min_k_plus needs token scores computed with moments=True")
    z = (target.logprobs - target.mean) / target.var.clamp_min(1e-12).sqrt()
    return float(z.topk(_k(len(z), k), largest=False).values.mean())


def all_scores(
    target: TokenScores,
    text: str,
    reference: TokenScores | None = None,
    lowered: TokenScores | None = None,
    k: float = 20,
) -> dict[str, float]:
    """Every attack of the paper whose inputs are available for one sequence (the others: ``score_canaries``)."""
    scores = {"loss": loss(target), "zlib": zlib_score(target, text), "min_k": min_k(target, k)}
    if target.mean.numel():
        scores["min_k_plus"] = min_k_plus(target, k)
    if reference is not None:
        scores["ratio"] = ratio(target, reference)
    if lowered is not None:
        scores["lowercase"] = lowercase(target, lowered)
    return scores
