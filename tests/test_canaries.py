"""Canary sampling: every rejection rule, determinism, failure with saved work, legacy import."""

from __future__ import annotations

import itertools
import json
import pickle
from pathlib import Path

import pytest
import torch

from mosaic_exp.canaries.filters import EOS, JACCARD, ROUNDTRIP, TOO_SHORT, CanaryFilter, jaccard, roundtrips
from mosaic_exp.canaries.sample import NotEnoughCanaries, draw_canaries, sample_texts
from mosaic_exp.canaries.stage import FILE, build_canaries, load_canaries
from mosaic_exp.models.loading import load_causal_lm, load_tokenizer
from mosaic_exp.store import ArtifactStore

from conftest import compose_config

SMOKE = ["experiment=smoke"]
TEXT = "Ba shou trai bra. Zeal mon, drast pou the lorn? Fai sta brio. " * 4


@pytest.fixture(scope="module")
def tokenizer(smoke_models):
    return load_tokenizer(compose_config(SMOKE).model, smoke_models)


def test_each_rejection_rule_triggers(tokenizer) -> None:
    filt = CanaryFilter(tokenizer, length=32, max_jaccard=0.2)
    assert filt.offer(TEXT, contains_eos=True) is None
    assert filt.offer("Ba shou.", contains_eos=False) is None
    # Lone UTF-8 bytes decode to U+FFFD and do not come back as themselves.
    assert filt.offer("é" * 40, contains_eos=False) is None
    accepted = filt.offer(TEXT, contains_eos=False)
    assert accepted is not None and len(accepted) == 32
    assert filt.offer(TEXT + " more", contains_eos=False) is None
    assert dict(filt.rejected) == {EOS: 1, TOO_SHORT: 1, ROUNDTRIP: 1, JACCARD: 1}


def test_filter_helpers(tokenizer) -> None:
    assert jaccard({1, 2, 3}, {2, 3, 4}) == 0.5
    ids = tokenizer.encode(TEXT, add_special_tokens=False)
    assert roundtrips(ids, tokenizer)
    assert not roundtrips(tokenizer.encode("é", add_special_tokens=False), tokenizer)


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
    art = build_canaries(cfg, ArtifactStore(cfg.paths.cache_dir), smoke_models)
    members, non_members = load_canaries(art.path)
    assert (len(members), len(non_members)) == (cfg.canaries.n_members, cfg.canaries.n_non_members)
    assert all(len(c.tokens) == cfg.canaries.length for c in members + non_members)
    for x, y in itertools.combinations(members + non_members, 2):
        assert jaccard(set(x.tokens), set(y.tokens)) <= cfg.canaries.max_jaccard
    report = json.loads((art.path / FILE).read_text())["report"]
    assert set(report) == {"members", "non_members"} and report["members"]["accepted"] == cfg.canaries.n_members
    again = build_canaries(cfg, ArtifactStore(tmp_path / "other"), smoke_models)
    assert load_canaries(again.path) == (members, non_members)
    other_seed = compose_config([*SMOKE, "canaries.member_seed=7"], root=tmp_path)
    moved = build_canaries(other_seed, ArtifactStore(cfg.paths.cache_dir), smoke_models)
    assert load_canaries(moved.path)[0][0].tokens != members[0].tokens


def test_too_few_draws_fails_clearly_and_keeps_what_was_accepted(smoke_models, tmp_path: Path) -> None:
    # With max_jaccard=0 nearly every canary after the first shares a token with it.
    cfg = compose_config([*SMOKE, "canaries.max_draws=40", "canaries.max_jaccard=0.0"], root=tmp_path)
    with pytest.raises(NotEnoughCanaries, match=r"after canaries.max_draws=40 samples; most rejections were") as err:
        build_canaries(cfg, ArtifactStore(cfg.paths.cache_dir), smoke_models)
    rejected = err.value.report.rejected
    assert f"'{max(rejected, key=rejected.get)}'" in str(err.value)
    (partial,) = (tmp_path / "cache" / "canaries").glob("*.partial.json")
    assert len(json.loads(partial.read_text())["members"]) == len(err.value.accepted) >= 1
    assert not list((tmp_path / "cache" / "canaries").glob("*/COMPLETE.json"))


def test_legacy_canaries_are_imported(smoke_models, tmp_path: Path) -> None:
    cfg = compose_config(SMOKE, root=tmp_path)
    members, non_members = load_canaries(build_canaries(cfg, ArtifactStore(tmp_path / "gen"), smoke_models).path)
    (tmp_path / "m.pickle").write_bytes(pickle.dumps([c.tokens + [5, 6] for c in members]))
    (tmp_path / "n.pickle").write_bytes(pickle.dumps([c.tokens for c in non_members]))
    legacy = compose_config(
        [*SMOKE, "import_legacy=true", f"canaries.legacy_members={tmp_path / 'm.pickle'}",
         f"canaries.legacy_non_members={tmp_path / 'n.pickle'}"],
        root=tmp_path,
    )
    imported, imported_non = load_canaries(build_canaries(legacy, ArtifactStore(cfg.paths.cache_dir), smoke_models).path)
    # Longer legacy canaries are cut to canaries.length, as the paper's were.
    assert [c.tokens for c in imported] == [c.tokens for c in members]
    assert [c.tokens for c in imported_non] == [c.tokens for c in non_members]


def test_legacy_import_needs_its_paths(smoke_models, tmp_path: Path) -> None:
    cfg = compose_config([*SMOKE, "import_legacy=true"], root=tmp_path)
    with pytest.raises(ValueError, match="canaries.legacy_members"):
        build_canaries(cfg, ArtifactStore(cfg.paths.cache_dir), smoke_models)
