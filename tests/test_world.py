"""The tiny world: deterministic per seed, cached, and loadable like any HF model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import compose_config

import mosaic_exp.world.stages as stages
from mosaic_exp.data.stage import book_texts, build_corpus
from mosaic_exp.models.loading import load_causal_lm, load_masked_lm
from mosaic_exp.models.tiny import tiny_causal_lm, tiny_masked_lm
from mosaic_exp.store import MARKER, ArtifactStore
from mosaic_exp.tasks.prepare import prepare
from mosaic_exp.world.config import ArchConfig
from mosaic_exp.world.tokenizer import causal_tokenizer, load_bpe

SMOKE = ["experiment=smoke"]


def _arrow_bytes(corpus_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(corpus_dir)): p.read_bytes() for p in sorted(corpus_dir.rglob("*.arrow"))}


def _corpus_and_tokenizer(root: Path, *overrides: str):
    cfg = compose_config([*SMOKE, *overrides], root=root)
    store = ArtifactStore(cfg.paths.cache_dir)
    corpus = build_corpus(cfg.corpus, store)
    return cfg, corpus, stages.build_tokenizer(cfg.tiny_world, corpus, store)


def test_same_seed_gives_byte_identical_corpus_and_tokenizer(tmp_path: Path) -> None:
    _, corpus_a, tok_a = _corpus_and_tokenizer(tmp_path / "a")
    _, corpus_b, tok_b = _corpus_and_tokenizer(tmp_path / "b")
    assert _arrow_bytes(corpus_a.path) == _arrow_bytes(corpus_b.path)
    assert (corpus_a.path / "corpus.json").read_bytes() == (corpus_b.path / "corpus.json").read_bytes()
    assert (tok_a.path / "tokenizer.json").read_bytes() == (tok_b.path / "tokenizer.json").read_bytes()


def test_different_seed_gives_different_corpus_and_tokenizer(tmp_path: Path) -> None:
    _, corpus_a, tok_a = _corpus_and_tokenizer(tmp_path / "a")
    _, corpus_b, tok_b = _corpus_and_tokenizer(tmp_path / "b", "corpus.seed=1")
    assert book_texts(corpus_a.path, "finetune") != book_texts(corpus_b.path, "finetune")
    assert (tok_a.path / "tokenizer.json").read_bytes() != (tok_b.path / "tokenizer.json").read_bytes()


def test_initial_weights_depend_only_on_seed(tmp_path: Path) -> None:
    _, _, tok_art = _corpus_and_tokenizer(tmp_path)
    tok = causal_tokenizer(load_bpe(tok_art.path), 64)
    arch = ArchConfig(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64, context_length=64)
    a, b, c = (tiny_causal_lm(arch, tok, seed).state_dict() for seed in (0, 0, 1))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)
    mlm_arch = ArchConfig(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64, context_length=64)
    m0, m1 = (tiny_masked_lm(mlm_arch, tok, seed).state_dict() for seed in (0, 1))
    assert not all(torch.equal(m0[k], m1[k]) for k in m0)


def test_pretraining_is_reproducible(smoke_world: dict, tmp_path: Path) -> None:
    again = prepare(compose_config(SMOKE, root=tmp_path))
    for name in ("causal_lm", "mlm"):
        ours = (again[name].path / "model.safetensors").read_bytes()
        assert ours == (smoke_world[name].path / "model.safetensors").read_bytes(), name


def test_second_prepare_trains_nothing_and_returns_same_paths(smoke_root: Path, smoke_world: dict, monkeypatch) -> None:
    def no_training(*args, **kwargs):
        raise AssertionError("a cached tiny world must not be trained again")

    monkeypatch.setattr(stages, "fit_language_model", no_training)
    monkeypatch.setattr(stages, "train_bpe", no_training)
    again = prepare(compose_config(SMOKE, root=smoke_root))
    assert {k: a.path for k, a in again.items()} == {k: a.path for k, a in smoke_world.items()}
    assert all(a.reused for a in again.values())


def test_incomplete_model_directory_is_rebuilt(tmp_path: Path) -> None:
    first = prepare(compose_config(SMOKE, root=tmp_path))
    (first["mlm"].path / MARKER).unlink()
    again = prepare(compose_config(SMOKE, root=tmp_path))
    assert not again["mlm"].reused and again["causal_lm"].reused
    assert (again["mlm"].path / MARKER).is_file()


def test_tiny_models_load_through_their_config(smoke_world: dict, tmp_path: Path) -> None:
    cfg = compose_config(SMOKE, root=tmp_path)
    tiny = {"causal_lm": str(smoke_world["causal_lm"].path), "mlm": str(smoke_world["mlm"].path)}
    model, tok = load_causal_lm(cfg.model, tiny)
    ids = tok("Ba sho tra.", return_tensors="pt").input_ids
    assert model(ids).logits.shape == (1, ids.shape[1], len(tok))
    mlm, mtok = load_masked_lm(cfg.mlm, tiny)
    enc = mtok(f"Ba {mtok.mask_token} tra.", return_tensors="pt")
    assert enc.input_ids[0, 0] == mtok.cls_token_id and enc.input_ids[0, -1] == mtok.sep_token_id
    assert mlm(**enc).logits.shape[-1] == len(mtok)


def test_tiny_world_learns_something(smoke_world: dict) -> None:
    import json

    metrics = json.loads((smoke_world["causal_lm"].path / "metrics.json").read_text())
    vocab = len(load_bpe(smoke_world["tokenizer"].path).get_vocab())
    # Even 6 smoke steps beat the uniform distribution over the vocabulary.
    assert metrics["val/loss"] < torch.log(torch.tensor(float(vocab))).item()


def test_tiny_path_without_world_is_a_clear_error(tmp_path: Path) -> None:
    cfg = compose_config(SMOKE, root=tmp_path)
    with pytest.raises(ValueError, match="task=prepare"):
        load_causal_lm(cfg.model, None)
