"""Canary sampling: every rejection rule, determinism, failure with saved work, legacy import."""

from __future__ import annotations

import itertools
import json
import pickle
from pathlib import Path

import pytest
import torch
from conftest import compose_config
from families import real_texts, train_tokenizer
from transformers import AutoTokenizer

from mosaic_exp.canaries.filters import (
    EOS,
    JACCARD,
    ROUNDTRIP,
    TOO_SHORT,
    CanaryFilter,
    jaccard,
    survives_injection,
    tokens_in_book,
)
from mosaic_exp.canaries.sample import NotEnoughCanaries, draw_canaries, sample_texts
from mosaic_exp.canaries.stage import FILE, build_canaries, load_canaries
from mosaic_exp.models.loading import load_causal_lm, load_tokenizer
from mosaic_exp.pipeline import resolve_models
from mosaic_exp.store import Artifact, ArtifactStore

SMOKE = ["experiment=smoke"]
TEXT = "Ba shou trai bra. Zeal mon, drast pou the lorn? Fai sta brio. " * 4


def _build(cfg, store: ArtifactStore, smoke_models) -> Artifact:
    """The canaries stage as the pipeline runs it: its settings and the resolved target and generator."""
    models = resolve_models(cfg, smoke_models)
    generator = None if cfg.import_legacy else models.generator
    return build_canaries(cfg.canaries, store, models.target, generator, import_legacy=cfg.import_legacy)


@pytest.fixture(scope="module")
def tokenizer(smoke_models):
    return load_tokenizer(compose_config(SMOKE).model, smoke_models)


def test_each_rejection_rule_triggers(tokenizer) -> None:
    filt = CanaryFilter(tokenizer, length=32, max_jaccard=0.2)
    assert filt.offer(TEXT, contains_eos=True) is None
    assert filt.offer("Ba shou.", contains_eos=False) is None
    assert filt.offer(_cut_inside_a_character(tokenizer, 32), contains_eos=False) is None
    accepted = filt.offer(TEXT, contains_eos=False)
    assert accepted is not None and len(accepted) == 32
    assert filt.offer(TEXT + " more", contains_eos=False) is None
    assert dict(filt.rejected) == {EOS: 1, TOO_SHORT: 1, ROUNDTRIP: 1, JACCARD: 1}


def _cut_inside_a_character(tokenizer, length: int) -> str:
    """A text whose first ``length`` mid-book tokens end inside a multi-byte character."""
    for words in range(1, 40):
        text = " ".join(["Ba"] * words) + " 😀😀😀" + " shou" * 40
        tokens = tokens_in_book(text, tokenizer)[:length]
        if tokenizer.decode(tokens).endswith("\ufffd"):
            return text
    raise AssertionError("no prefix length puts the cut inside the emoji")


def test_canary_tokens_are_the_mid_book_tokens_and_survive_injection(tokenizer) -> None:
    tokens = tokens_in_book(TEXT, tokenizer)
    # GPT-2-style byte-level BPE: a word after a space is its own token (" Ba"), unlike at the start of a text.
    assert tokens[0] != tokenizer.encode(TEXT, add_special_tokens=False)[0]
    assert tokenizer.decode(tokens) == " " + TEXT
    assert survives_injection(tokens[:32], tokenizer)
    assert not survives_injection(tokenizer.encode("é", add_special_tokens=False)[:1], tokenizer)


def test_sampling_uses_top_k(smoke_models) -> None:
    model, gen_tok = load_causal_lm(compose_config(SMOKE).generator, smoke_models)
    torch.manual_seed(0)
    greedy = [next(sample_texts(model, gen_tok, 4, 20, 1.0, top_k=1)) for _ in range(2)]
    torch.manual_seed(0)
    wide = sample_texts(model, gen_tok, 4, 20, 1.0, top_k=50)
    # Top-1 sampling is greedy decoding: every sample is the same text.
    assert len({text for text, _ in greedy}) == 1
    assert len({next(wide)[0] for _ in range(4)}) > 1
    # Real generators sample the authors' top-k 50; the tiny one its full distribution (conf/generator/tiny.yaml).
    assert compose_config(["generator=llama2_7b"]).canaries.top_k == 50 and compose_config(SMOKE).canaries.top_k == 0


def test_samples_may_end_with_eos_and_are_then_rejected(smoke_models, tokenizer) -> None:
    model, gen_tok = load_causal_lm(compose_config(SMOKE).generator, smoke_models)
    eos = gen_tok.eos_token_id

    def favour_eos(module, inputs, logits):
        logits[..., eos] += 3.0
        return logits

    # An EOS that is likely at every step: the generator must be allowed to stop (the authors' generate() was).
    model.get_output_embeddings().register_forward_hook(favour_eos)
    torch.manual_seed(0)
    samples = sample_texts(model, gen_tok, batch_size=8, max_new_tokens=40, temperature=1.0)
    drawn = [next(samples) for _ in range(16)]
    assert 0 < sum(has_eos for _, has_eos in drawn) < len(drawn)
    assert all(gen_tok.eos_token not in text for text, _ in drawn)
    filt = CanaryFilter(tokenizer, 8, 1.0)
    for text, has_eos in drawn:
        filt.offer(text, has_eos)
    assert filt.rejected[EOS] == sum(has_eos for _, has_eos in drawn)


def _draw(smoke_models, tokenizer, seed: int, count: int = 4):
    model, gen_tok = load_causal_lm(compose_config(SMOKE).generator, smoke_models)
    torch.manual_seed(seed)
    samples = sample_texts(model, gen_tok, batch_size=8, max_new_tokens=60, temperature=1.0)
    return draw_canaries(samples, CanaryFilter(tokenizer, 32, 0.2), tokenizer, count, 500, "test")


def test_sampling_is_deterministic_per_seed(smoke_models, tokenizer) -> None:
    a, report = _draw(smoke_models, tokenizer, seed=1)
    b, _ = _draw(smoke_models, tokenizer, seed=1)
    c, _ = _draw(smoke_models, tokenizer, seed=2)
    assert [x.tokens for x in a] == [x.tokens for x in b]
    assert [x.tokens for x in a] != [x.tokens for x in c]
    assert report.accepted == 4 and report.drawn == 4 + sum(report.rejected.values())
    assert all(x.text == tokenizer.decode(x.tokens) for x in a)


def test_stage_writes_members_and_non_members_that_are_not_near_copies(smoke_models, tmp_path: Path) -> None:
    cfg = compose_config(SMOKE, root=tmp_path)
    art = _build(cfg, ArtifactStore(cfg.paths.cache_dir), smoke_models)
    members, non_members = load_canaries(art.path)
    assert (len(members), len(non_members)) == (cfg.canaries.n_members, cfg.canaries.n_non_members)
    assert all(len(c.tokens) == cfg.canaries.length for c in members + non_members)
    for x, y in itertools.combinations(members + non_members, 2):
        assert jaccard(set(x.tokens), set(y.tokens)) <= cfg.canaries.max_jaccard
    report = json.loads((art.path / FILE).read_text())["report"]
    assert set(report) == {"members", "non_members"} and report["members"]["accepted"] == cfg.canaries.n_members
    again = _build(cfg, ArtifactStore(tmp_path / "other"), smoke_models)
    assert load_canaries(again.path) == (members, non_members)
    other_seed = compose_config([*SMOKE, "canaries.member_seed=7"], root=tmp_path)
    moved = _build(other_seed, ArtifactStore(cfg.paths.cache_dir), smoke_models)
    assert load_canaries(moved.path)[0][0].tokens != members[0].tokens


def test_too_few_draws_fails_clearly_and_keeps_what_was_accepted(smoke_models, tmp_path: Path) -> None:
    # With max_jaccard=0 nearly every canary after the first shares a token with it.
    cfg = compose_config([*SMOKE, "canaries.max_draws=40", "canaries.max_jaccard=0.0"], root=tmp_path)
    with pytest.raises(NotEnoughCanaries, match=r"after canaries.max_draws=40 samples; most rejections were") as err:
        _build(cfg, ArtifactStore(cfg.paths.cache_dir), smoke_models)
    rejected = err.value.report.rejected
    assert f"'{max(rejected, key=rejected.get)}'" in str(err.value)
    (partial,) = (tmp_path / "cache" / "canaries").glob("*.partial.json")
    assert len(json.loads(partial.read_text())["members"]) == len(err.value.accepted) >= 1
    assert not list((tmp_path / "cache" / "canaries").glob("*/COMPLETE.json"))


def test_legacy_canaries_are_imported(smoke_models, tmp_path: Path) -> None:
    cfg = compose_config(SMOKE, root=tmp_path)
    members, non_members = load_canaries(_build(cfg, ArtifactStore(tmp_path / "gen"), smoke_models).path)
    (tmp_path / "m.pickle").write_bytes(pickle.dumps([c.tokens + [5, 6] for c in members]))
    (tmp_path / "n.pickle").write_bytes(pickle.dumps([c.tokens for c in non_members]))
    legacy = compose_config(
        [
            *SMOKE,
            "import_legacy=true",
            f"canaries.legacy_members={tmp_path / 'm.pickle'}",
            f"canaries.legacy_non_members={tmp_path / 'n.pickle'}",
        ],
        root=tmp_path,
    )
    imported, imported_non = load_canaries(_build(legacy, ArtifactStore(cfg.paths.cache_dir), smoke_models).path)
    # Longer legacy canaries are cut to canaries.length, as the paper's were.
    assert [c.tokens for c in imported] == [c.tokens for c in members]
    assert [c.tokens for c in imported_non] == [c.tokens for c in non_members]


def test_legacy_import_needs_its_paths(smoke_models, tmp_path: Path) -> None:
    cfg = compose_config([*SMOKE, "import_legacy=true"], root=tmp_path)
    with pytest.raises(ValueError, match="canaries.legacy_members"):
        _build(cfg, ArtifactStore(cfg.paths.cache_dir), smoke_models)


CAUSAL_KINDS = ["byte_bpe", "codegen_bpe", "sentencepiece_bpe", "gemma_bpe", "tiktoken_bpe"]


def _one_token_at_a_time(tokens, tokenizer) -> bool:
    """The original scripts' rule: each token decoded alone re-encodes to itself first."""
    return all(tokenizer.encode(tokenizer.decode(t), add_special_tokens=False)[:1] == [t] for t in tokens)


@pytest.mark.parametrize("kind", CAUSAL_KINDS)
def test_ordinary_text_is_accepted_with_every_tokenizer_type(kind: str, tmp_path: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(train_tokenizer(kind, real_texts(), tmp_path, vocab_size=800))
    paragraphs = [p for text in real_texts() for p in text.split("\n\n") if len(p) > 400][:100]
    filt = CanaryFilter(tokenizer, length=40, max_jaccard=1.0)
    accepted = [tokens for tokens in (filt.offer(p, contains_eos=False) for p in paragraphs) if tokens is not None]
    assert len(accepted) >= 0.95 * len(paragraphs), dict(filt.rejected)
    for tokens in accepted:
        assert len(tokens) == 40 and survives_injection(tokens, tokenizer)
    if kind == "sentencepiece_bpe":
        # A mid-word piece decoded alone comes back with a word-start marker: the old rule accepts nothing.
        assert not any(_one_token_at_a_time(t, tokenizer) for t in accepted)
