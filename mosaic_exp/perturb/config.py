"""Configs of the fuzzy-duplicate families (``conf/perturbation/``) and paraphrasers (``conf/paraphraser/``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from omegaconf import MISSING

from mosaic_exp.config.ranges import bounded
from mosaic_exp.models.config import LMConfig


class Strategy(str, Enum):
    """Where replacement tokens of a fuzzy duplicate come from."""

    mlm = "mlm"
    mlm_random = "mlm_random"
    random = "random"


@dataclass
class PerturbationConfig:
    """Fields shared by every fuzzy-duplicate family."""

    _target_: str = MISSING
    name: str = MISSING
    # Variations per member canary (paper: 9, so 10 copies with the reference).
    n_variations: int = bounded(9, ge=0)
    seed: int = 0
    # With import_legacy=true: the original scripts' variations pickle.
    legacy_variations: str | None = None


@dataclass
class ReplaceConfig(PerturbationConfig):
    """Replace ``R`` tokens of every copy (the paper's main family)."""

    _target_: str = "mosaic_exp.perturb.replace.Replace"
    name: str = "replace"
    R: int = 10
    strategy: Strategy = Strategy.mlm
    topk: int = bounded(10, ge=1)
    same_indices: bool = False
    uniform_spread: bool = False
    # Masked copies per MLM forward pass. On a CPU, batches whose activations
    # stay in cache are at least as fast as large ones (tiny MLM, 10,000
    # copies: 5.25 s at 64, 5.28 s at 256; short alternating runs favoured 64
    # by up to 25%); on a GPU, raise it (e.g. 512 for roberta-base).
    mlm_batch_size: int = bounded(64, ge=1)


@dataclass
class InsertConfig(PerturbationConfig):
    """Insert random tokens at regular intervals."""

    _target_: str = "mosaic_exp.perturb.insert.Insert"
    name: str = "insert"
    # After every `every` tokens insert `n_insert` random tokens (paper: n, X).
    every: int = bounded(10, ge=1)
    n_insert: int = bounded(1, ge=1)


@dataclass
class ScatteredConfig(PerturbationConfig):
    """The canary's n-grams, each injected at its own place."""

    _target_: str = "mosaic_exp.perturb.insert.Scattered"
    name: str = "scattered"
    # The canary is cut into n-grams of this size, each inserted on its own.
    ngram: int = bounded(10, ge=1)


@dataclass
class ShuffleConfig(PerturbationConfig):
    """Permute n-gram blocks to a target Kendall-tau distance."""

    _target_: str = "mosaic_exp.perturb.shuffle.Shuffle"
    name: str = "shuffle"
    # Size of the n-gram blocks that are permuted.
    block: int = bounded(5, ge=1)
    # Target normalized Kendall-tau distance between the copy's and the canary's TOKEN positions (as the paper measures).
    kendall_tau: float = bounded(0.5, ge=0, le=1)


@dataclass
class ParaphraseConfig(PerturbationConfig):
    """Paraphrases written by the configured ``paraphraser``."""

    _target_: str = "mosaic_exp.perturb.paraphrase.Paraphrase"
    name: str = "paraphrase"


@dataclass
class ExactConfig(PerturbationConfig):
    """Exact copies: the baseline fuzzy settings are compared with."""

    _target_: str = "mosaic_exp.perturb.exact.Exact"
    name: str = "exact"
    # Total identical copies, the reference included (paper: 1..10).
    nrep: int = bounded(10, ge=1)


@dataclass
class ParaphraserConfig:
    """Fields shared by every paraphraser: the prompt, sampling and retries."""

    _target_: str = MISSING
    # `{n}` and `{text}` are filled in.
    prompt: str = (
        "Paraphrase the following text {n} times. Keep its meaning and length. "
        "Answer with a numbered list (1. ... 2. ...) and nothing else.\n\nText: {text}"
    )
    temperature: float = bounded(1.0, ge=0)
    top_p: float = bounded(0.9, gt=0, le=1)
    max_new_tokens: int = bounded(2048, ge=1)
    # More attempts, each with twice the token budget, when too few paraphrases come back.
    max_retries: int = bounded(3, ge=0)


@dataclass
class HFChatParaphraserConfig(ParaphraserConfig):
    """A Hugging Face chat model, run locally."""

    _target_: str = "mosaic_exp.perturb.paraphrase.HFChatParaphraser"
    model: LMConfig = field(default_factory=lambda: LMConfig(name_or_path="mistralai/Mistral-7B-Instruct-v0.2"))
    seed: int = 0


@dataclass
class OpenAIParaphraserConfig(ParaphraserConfig):
    """A chat-completions API through the ``openai`` client."""

    _target_: str = "mosaic_exp.perturb.paraphrase.OpenAIParaphraser"
    model: str = "gpt-4o-mini"
    # None = the official endpoint; any server speaking the chat-completions protocol works.
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 120.0
    seed: int | None = 0
