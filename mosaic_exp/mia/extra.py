"""The attacks that need passes of their own, each batched across all canaries.

The shared passes (:mod:`mosaic_exp.mia.evaluate`) feed the attacks that read
one sequence's token scores. These six need more: neighbours made by the masked
LM (``neighborhood``), shuffled copies (``pac``), prefixes of held-out shots
(``recall``, ``con_recall``), sampled continuations (``samia``) and per-sequence
gradients (``gradnorm``). Each runs as one batched set of passes over every
canary, never one pass per canary or per attack. The canaries' own token scores
are passed in, so no attack recomputes a text's own likelihood.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.mia.forward import TokenScores
from mosaic_exp.mia.gradnorm import gradnorm_scores
from mosaic_exp.mia.neighborhood import neighborhood_scores
from mosaic_exp.mia.pac import pac_scores
from mosaic_exp.mia.recall import recall_scores
from mosaic_exp.mia.samia import samia_scores

log = logging.getLogger(__name__)

EXTRA_ATTACKS = ("neighborhood", "pac", "recall", "con_recall", "samia", "gradnorm")


@contextmanager
def _timed(name: str, n: int) -> Iterator[None]:
    """Logs how long an attack's passes took: the cost of each family is worth knowing on a large model."""
    start = time.perf_counter()
    yield
    log.info("%s: %d texts in %.1f s", name, n, time.perf_counter() - start)


def extra_scores(
    target: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    token_lists: Sequence[Sequence[int]],
    members: Sequence[bool],
    own: Sequence[TokenScores],
    settings: Any,
    attacks: Collection[str] | None = None,
    mlm: PreTrainedModel | None = None,
    mlm_tokenizer: PreTrainedTokenizerBase | None = None,
) -> dict[str, list[float | None]]:
    """Scores of the selected extra attacks (``attacks``; None = all whose inputs are available), one per canary.

    ``settings`` is ``mia`` (:class:`~mosaic_exp.mia.config.MIAConfig`).
    ``neighborhood`` needs the masked LM; ``recall``/``con_recall`` need more
    than ``mia.recall_shots`` canaries of each class (the shots are held out
    and get no score).
    """

    def wanted(name: str) -> bool:
        return attacks is None or name in attacks

    n = len(token_lists)
    pad = tokenizer.pad_token_id or 0
    common = {"batch_size": settings.batch_size, "pad_id": pad}
    out: dict[str, list[float | None]] = {}
    if wanted("neighborhood") and (mlm is None or mlm_tokenizer is None):
        log.info("neighborhood: no masked LM to make neighbours with; skipped")
    elif wanted("neighborhood"):
        with _timed("neighborhood", n):
            out["neighborhood"] = neighborhood_scores(
                target,
                tokenizer,
                token_lists,
                own,
                mlm,
                mlm_tokenizer,
                n_neighbours=settings.neighborhood_neighbours,
                n_replaced=settings.neighborhood_replaced,
                top_k=settings.neighborhood_top_k,
                seed=settings.attack_seed,
                **common,
            )
    if wanted("pac"):
        with _timed("pac", n):
            out["pac"] = pac_scores(
                target,
                token_lists,
                own,
                num_augmentations=settings.pac_augmentations,
                swap_ratio=settings.pac_swap_ratio,
                k_min=settings.pac_k_min,
                k_max=settings.pac_k_max,
                seed=settings.attack_seed,
                **common,
            )
    shots = settings.recall_shots
    if (wanted("recall") or wanted("con_recall")) and min(sum(members), n - sum(members)) <= shots:
        log.info("recall, con_recall: need more than mia.recall_shots=%d canaries of each class; skipped", shots)
    elif wanted("recall") or wanted("con_recall"):
        with _timed("recall and con_recall", n):
            both = recall_scores(
                target, token_lists, members, own, n_shots=shots, seed=settings.attack_seed, gamma=settings.con_recall_gamma, **common
            )
        out.update({name: scores for name, scores in both.items() if wanted(name)})
    if wanted("samia"):
        with _timed("samia", n):
            out["samia"] = samia_scores(
                target,
                token_lists,
                n_samples=settings.samia_samples,
                prefix_fraction=settings.samia_prefix_fraction,
                temperature=settings.samia_temperature,
                top_k=settings.samia_top_k or None,
                seed=settings.attack_seed,
                **common,
            )
    if wanted("gradnorm"):
        with _timed("gradnorm", n):
            out["gradnorm"] = gradnorm_scores(target, token_lists, batch_size=settings.gradnorm_batch_size, pad_id=pad)
    return out
