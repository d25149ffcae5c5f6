"""Fuzzy-duplicate families: the properties the paper's settings rely on."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import compose_config

from mosaic_exp.canaries.stage import build_canaries, load_canaries
from mosaic_exp.distance import inversions
from mosaic_exp.models.loading import load_masked_lm, load_tokenizer
from mosaic_exp.perturb.base import MLM, PARAPHRASER, TOKENIZER, PerturbEnv
from mosaic_exp.perturb.exact import Exact
from mosaic_exp.perturb.insert import Insert, Scattered
from mosaic_exp.perturb.mlm_candidates import masked_text, mlm_topk, replacement_candidates
from mosaic_exp.perturb.paraphrase import Paraphrase
from mosaic_exp.perturb.replace import Replace, choose_positions
from mosaic_exp.perturb.shuffle import Shuffle, permutation_with_inversions
from mosaic_exp.perturb.stage import build_variations, load_variations
from mosaic_exp.pipeline import resolve_models, resolve_paraphraser
from mosaic_exp.store import Artifact, ArtifactStore

SMOKE = ["experiment=smoke"]
COMMON = dict(name="test", n_variations=9, seed=3)


def _canaries(cfg, store: ArtifactStore, smoke_models) -> Artifact:
    models = resolve_models(cfg, smoke_models)
    return build_canaries(cfg.canaries, store, models.target, models.generator)


def _variations(cfg, store: ArtifactStore, canaries: Artifact, smoke_models) -> Artifact:
    """The variations stage as the pipeline runs it: the perturbation settings and the resolved models."""
    models = resolve_models(cfg, smoke_models)
    paraphraser = resolve_paraphraser(cfg, smoke_models)
    return build_variations(cfg.perturbation, store, canaries, models.target, models.mlm, paraphraser, import_legacy=cfg.import_legacy)


@pytest.fixture(scope="module")
def env(smoke_models) -> PerturbEnv:
    cfg = compose_config(SMOKE)
    return PerturbEnv(
        tokenizer=load_tokenizer(cfg.model, smoke_models),
        load_mlm=lambda: load_masked_lm(cfg.mlm, smoke_models),
        load_paraphraser=lambda: None,
    )


@pytest.fixture(scope="module")
def references(smoke_root: Path, smoke_models) -> list[list[int]]:
    cfg = compose_config(SMOKE, root=smoke_root)
    members, _ = load_canaries(_canaries(cfg, ArtifactStore(cfg.paths.cache_dir), smoke_models).path)
    return [c.tokens for c in members]


def test_random_replacements_change_exactly_R_positions(env, references) -> None:
    for R in (1, 5, 10):
        out = Replace(R=R, strategy="random", **COMMON).generate(references, env)
        for ref, variations in zip(references, out):
            assert len(variations) == 9
            for v in variations:
                assert v.hamming == R and v.levenshtein <= R
                assert [i for i, (a, b) in enumerate(zip(ref, v.tokens)) if a != b] == v.edited_positions


def test_same_indices_reuses_positions_and_fresh_ones_differ(env, references) -> None:
    same = Replace(R=4, strategy="random", same_indices=True, **COMMON).generate(references, env)
    fresh = Replace(R=4, strategy="random", **COMMON).generate(references, env)
    assert all(len({tuple(v.edited_positions) for v in vs}) == 1 for vs in same)
    assert all(len({tuple(v.edited_positions) for v in vs}) > 1 for vs in fresh)
    # Same positions, but each variation draws its own replacement tokens.
    assert all(len({tuple(v.tokens) for v in vs}) > 1 for vs in same)


def test_uniform_spread_puts_one_position_in_each_segment() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        positions = choose_positions(100, 10, rng, uniform_spread=True)
        assert [p // 10 for p in positions] == list(range(10))
    assert len(set(choose_positions(100, 100, rng, uniform_spread=False))) == 100


def test_generation_is_deterministic_per_seed(env, references) -> None:
    def tokens(seed: int):
        out = Replace(R=5, strategy="random", name="r", n_variations=3, seed=seed).generate(references, env)
        return [[v.tokens for v in vs] for vs in out]

    assert tokens(1) == tokens(1)
    assert tokens(1) != tokens(2)


def test_mlm_candidates_are_topk_without_the_original(env, references) -> None:
    model, mlm_tok = env.load_mlm()
    positions = [list(range(len(r))) for r in references[:3]]
    candidates = replacement_candidates(references[:3], positions, env.tokenizer, model, mlm_tok, 5, batch_size=16)
    for c, ref in enumerate(references[:3]):
        assert set(candidates[c]) == set(range(len(ref)))
        for p, options in candidates[c].items():
            assert len(options) <= 5
            assert all(opt and opt != [ref[p]] for opt in options)


def test_batched_head_only_topk_equals_full_logits_one_canary_at_a_time(env, references) -> None:
    model, mlm_tok = env.load_mlm()
    texts = [masked_text(references[0], p, env.tokenizer, mlm_tok.mask_token) for p in range(len(references[0]))]
    fast = mlm_topk(model, mlm_tok, texts, 10, batch_size=7)
    inputs = mlm_tok(texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        logits = model(**inputs).logits
    rows, cols = (inputs.input_ids == mlm_tok.mask_token_id).nonzero(as_tuple=True)
    picked = logits[rows, cols]
    picked[:, mlm_tok.all_special_ids] = float("-inf")
    assert torch.equal(fast, picked.topk(10, dim=-1).indices)


def test_mlm_replacement_variations(env, references) -> None:
    out = Replace(R=3, strategy="mlm", topk=5, **COMMON).generate(references, env)
    for ref, variations in zip(references, out):
        for v in variations:
            assert len(v.edited_positions) == 3
            assert v.tokens != ref and len(v.tokens) >= len(ref)


def test_mlm_random_replacements(env, references) -> None:
    out = Replace(R=4, strategy="mlm_random", **COMMON).generate(references, env)
    assert all(v.tokens != ref and len(v.edited_positions) == 4 for ref, vs in zip(references, out) for v in vs)


def test_insertion_lengths(env, references) -> None:
    L = len(references[0])
    for every, n_insert in [(1, 1), (5, 2), (10, 5), (L, 3)]:
        out = Insert(every=every, n_insert=n_insert, **COMMON).generate(references, env)
        expected = L + n_insert * (math.ceil(L / every) - 1)
        for ref, variations in zip(references, out):
            for v in variations:
                assert len(v.tokens) == expected and v.levenshtein == expected - L
                kept = [t for i, t in enumerate(v.tokens) if i not in set(v.edited_positions)]
                assert kept == ref


def test_scattered_fragments_are_the_canary_ngrams(env, references) -> None:
    out = Scattered(ngram=10, **COMMON).generate(references, env)
    for ref, variations in zip(references, out):
        for v in variations:
            assert [t for f in v.fragments for t in f] == ref
            assert all(len(f) <= 10 for f in v.fragments)


def test_permutation_with_inversions_hits_the_count() -> None:
    rng = np.random.default_rng(0)
    for n in (2, 5, 20, 50):
        for k in {0, 1, n * (n - 1) // 4, n * (n - 1) // 2}:
            perm = permutation_with_inversions(n, k, rng)
            assert sorted(perm) == list(range(n)) and inversions(perm) == k


def brute_force_kendall_tau(rank1: list[int], rank2: list[int]) -> float:
    """The paper notebook's ``kendall_tau_distance(rank1, rank2, normalized=True)``, pair by pair."""
    n = len(rank1)
    discordant = sum(
        (rank1[i] < rank1[j] and rank2[i] > rank2[j]) or (rank1[i] > rank1[j] and rank2[i] < rank2[j])
        for i in range(n - 1)
        for j in range(i + 1, n)
    )
    return discordant / (n * (n - 1) / 2)


def token_level_tau(reference: list[int], tokens: list[int]) -> float:
    """Distance between the canary's token positions and where each token went;
    the reference's tokens are distinct, so a token gives back its position."""
    position = {t: i for i, t in enumerate(reference)}
    return brute_force_kendall_tau(list(range(len(reference))), [position[t] for t in tokens])


# The paper's settings: blocks of 2 and 5 at 0.1..0.9, blocks of 10 at 0.2..0.8.
PAPER_GRID = [(b, t / 10) for b in (2, 5) for t in range(1, 10)] + [(10, t / 10) for t in range(2, 9)]


@pytest.mark.parametrize("block,target", PAPER_GRID)
def test_shuffle_hits_the_kendall_tau_target(env, block: int, target: float) -> None:
    reference = list(range(100, 200))
    out = Shuffle(block=block, kendall_tau=target, **COMMON).generate([reference], env)
    for v in out[0]:
        measured = token_level_tau(reference, v.tokens)
        assert abs(measured - target) <= 0.01 + 1e-9
        assert v.kendall_tau == pytest.approx(measured, abs=1e-12)
        assert sorted(v.tokens) == reference
        assert v.tokens == [t for b in v.block_order for t in reference[b * block : (b + 1) * block]]
    # A fresh random permutation per variation, not one permutation nine times.
    assert len({tuple(v.block_order) for v in out[0]}) > 1


@pytest.mark.parametrize("target", [0.1, 0.3, 0.5, 0.7, 0.8])
def test_shuffle_with_a_short_last_block_hits_the_target(env, target: float) -> None:
    # 37 tokens in blocks of 5: the last block has 2 tokens, so its inversions weigh less.
    reference = list(range(500, 537))
    out = Shuffle(block=5, kendall_tau=target, **COMMON).generate([reference], env)
    for v in out[0]:
        assert abs(token_level_tau(reference, v.tokens) - target) <= 0.01 + 1e-9
        assert v.kendall_tau == pytest.approx(token_level_tau(reference, v.tokens), abs=1e-12)
        assert v.tokens == [t for b in v.block_order for t in reference[b * 5 : (b + 1) * 5]]
    assert len({tuple(v.block_order) for v in out[0]}) > 1


def test_shuffle_refuses_an_unreachable_target(env) -> None:
    # Pairs inside a block keep their order: 10 blocks of 10 reach at most 90/99.
    with pytest.raises(ValueError, match=r"out of reach.*0\.9091.*perturbation\.block"):
        Shuffle(block=10, kendall_tau=0.95, **COMMON).generate([list(range(100, 200))], env)


def test_exact_copies(env, references) -> None:
    out = Exact(nrep=4, **COMMON).generate(references, env)
    assert all(len(vs) == 3 and all(v.tokens == ref and v.levenshtein == 0 for v in vs) for ref, vs in zip(references, out))
    assert Exact(nrep=1, **COMMON).generate(references, env) == [[] for _ in references]


def test_stage_saves_and_reloads_and_imports_legacy(smoke_root: Path, smoke_models, tmp_path: Path) -> None:
    cfg = compose_config([*SMOKE, "R=2"], root=smoke_root)
    store = ArtifactStore(cfg.paths.cache_dir)
    canaries = _canaries(cfg, store, smoke_models)
    copies = load_variations(_variations(cfg, store, canaries, smoke_models).path)
    assert len(copies) == cfg.canaries.n_members and all(len(c.variations) == 9 for c in copies)
    legacy = [{"original": c.reference, "variations": [{"tokens": v.tokens} for v in c.variations]} for c in copies]
    (tmp_path / "v.pickle").write_bytes(pickle.dumps(legacy))
    imported_cfg = compose_config(
        [*SMOKE, "import_legacy=true", f"perturbation.legacy_variations={tmp_path / 'v.pickle'}"], root=smoke_root
    )
    imported = load_variations(_variations(imported_cfg, store, canaries, smoke_models).path)
    assert [[v.tokens for v in c.variations] for c in imported] == [[v.tokens for v in c.variations] for c in copies]


def test_families_declare_what_they_need() -> None:
    assert Replace(R=2, strategy="random", **COMMON).needs == {TOKENIZER}
    assert Replace(R=2, strategy="mlm", **COMMON).needs == Replace(R=2, strategy="mlm_random", **COMMON).needs == {TOKENIZER, MLM}
    assert Insert(every=5, n_insert=1, **COMMON).needs == {TOKENIZER}
    assert Paraphrase(**COMMON).needs == {TOKENIZER, PARAPHRASER}
    for family in (Exact(nrep=3, **COMMON), Scattered(ngram=5, **COMMON), Shuffle(block=5, kendall_tau=0.5, **COMMON)):
        assert family.needs == frozenset()


def test_stage_loads_and_keys_only_what_the_family_needs(smoke_root: Path, smoke_models, tmp_path: Path) -> None:
    cfg = compose_config([*SMOKE, "perturbation=exact", "nrep=3"], root=smoke_root)
    store = ArtifactStore(tmp_path / "cache")
    models = resolve_models(cfg, smoke_models)
    canaries = build_canaries(cfg.canaries, store, models.target, models.generator)
    # An MLM that cannot be loaded: exact copies never ask for it, nor does their cache key name it.
    missing = models.mlm.at(tmp_path / "no-mlm")
    artifact = build_variations(cfg.perturbation, store, canaries, models.target, missing)
    assert all(len(c.variations) == 2 for c in load_variations(artifact.path))
    assert "mlm" not in json.loads((artifact.path / "spec.json").read_text())
    random = compose_config([*SMOKE, "strategy=random", "R=2"], root=smoke_root)
    random_copies = build_variations(random.perturbation, store, canaries, models.target, missing)
    assert "mlm" not in json.loads((random_copies.path / "spec.json").read_text())
    with pytest.raises(FileNotFoundError, match="no such folder"):
        build_variations(compose_config([*SMOKE, "R=2"], root=smoke_root).perturbation, store, canaries, models.target, missing)


class _Telepathic(Exact):
    needs = frozenset({"telepathy"})


def test_an_unknown_need_is_refused(smoke_root: Path, smoke_models, tmp_path: Path) -> None:
    cfg = compose_config([*SMOKE, "perturbation=exact", f"perturbation._target_={__name__}._Telepathic"], root=smoke_root)
    models = resolve_models(cfg, smoke_models)
    store = ArtifactStore(tmp_path / "cache")
    canaries = build_canaries(cfg.canaries, store, models.target, models.generator)
    with pytest.raises(ValueError, match="telepathy"):
        build_variations(cfg.perturbation, store, canaries, models.target, models.mlm)
