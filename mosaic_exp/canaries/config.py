"""Config of the canaries stage (``conf/canaries/``)."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic_exp.config.ranges import bounded


@dataclass
class CanariesConfig:
    """Reference canaries sampled from the generator (paper: 100 + 100 of 100 tokens)."""

    # Tokens of the *target* tokenizer in every canary.
    length: int = bounded(100, ge=2)
    n_members: int = bounded(100, ge=1)
    n_non_members: int = bounded(100, ge=1)
    # Members and non-members are sampled with these seeds; a paper seed draws new canaries
    # (the authors' seeds s = 1..5 sampled members with s and non-members with 10 s).
    member_seed: int = 42
    # None = 10 * member_seed.
    non_member_seed: int | None = None
    # Reject a sample whose token set has Jaccard similarity above this with an accepted canary.
    max_jaccard: float = bounded(0.2, ge=0, le=1)
    temperature: float = bounded(1.0, gt=0, hint="canaries are sampled; set it through the top-level temperature")
    # Sampling filters: the authors' generate() ran with the library default of its time, top-k 50.
    # 0 turns top-k off; top_p < 1 adds nucleus sampling.
    top_k: int = bounded(50, ge=0, hint="0 samples from the whole vocabulary")
    top_p: float = bounded(1.0, gt=0, le=1)
    batch_size: int = bounded(64, ge=1)
    # Generator tokens per sample (a sample that contains EOS is rejected); None = length + 24,
    # the authors' max_length of length + 25 with the BOS prompt.
    max_new_tokens: int | None = bounded(None, ge=1)
    # Stop with an error after this many samples per set.
    max_draws: int = bounded(20000, ge=1)
    # With import_legacy=true: the original scripts' pickles (lists of token lists).
    legacy_members: str | None = None
    legacy_non_members: str | None = None
