"""Stages of the tiny world: tokenizer, then the two pretrained tiny models.

Each reads the artifacts of the stages before it and writes one artifact; a
model artifact is a self-contained Hugging Face directory (weights, config,
tokenizer) that ``from_pretrained`` loads like any hub model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from omegaconf import OmegaConf
from transformers import DataCollatorForLanguageModeling, PreTrainedModel, PreTrainedTokenizerFast

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.data.stage import book_texts
from mosaic_exp.errors import UserError
from mosaic_exp.models.tiny import tiny_causal_lm, tiny_masked_lm
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.training.fit import Collate, causal_collate, fit_language_model
from mosaic_exp.training.packing import pack
from mosaic_exp.world.config import ArchConfig, PretrainConfig, TinyWorldConfig
from mosaic_exp.world.tokenizer import causal_tokenizer, load_bpe, masked_tokenizer, save_tokenizer, train_bpe

# Bump a stage's version when its code changes what it builds: its cached
# artifacts (and those of later stages, whose keys include its key) are rebuilt.
TOKENIZER_VERSION = 1
CAUSAL_LM_VERSION = 2
MLM_VERSION = 3


def _plain(node: Any) -> Any:
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


def build_tokenizer(world: TinyWorldConfig, corpus: Artifact, store: ArtifactStore) -> Artifact:
    """Trains the BPE on the pretraining books (the fine-tuning books stay unseen)."""
    spec = {"version": TOKENIZER_VERSION, "corpus": corpus.key, "tokenizer": _plain(world.tokenizer)}

    def build(directory: Path) -> None:
        texts = book_texts(corpus.path, "pretrain")
        if not texts:
            raise UserError("the corpus has no pretraining books; the tiny world needs some to learn from")
        save_tokenizer(train_bpe(texts, world.tokenizer.vocab_size, world.tokenizer.min_frequency), directory)

    return store.build("tokenizer", spec, build)


def _model_spec(
    version: int, world: TinyWorldConfig, corpus: Artifact, tokenizer: Artifact, arch: ArchConfig, pretrain: PretrainConfig
) -> dict:
    return {
        "version": version,
        "corpus": corpus.key,
        "tokenizer": tokenizer.key,
        "seed": world.seed,
        "arch": _plain(arch),
        "pretrain": _plain(pretrain),
    }


def _pretrain_ids(corpus: Artifact, tokenizer: Artifact) -> list[list[int]]:
    """Whole books as token ids, without special tokens (both wrappers agree on these)."""
    encodings = load_bpe(tokenizer.path).encode_batch(book_texts(corpus.path, "pretrain"), add_special_tokens=False)
    return [e.ids for e in encodings]


def _fit_and_save(
    directory: Path,
    world: TinyWorldConfig,
    pretrain: PretrainConfig,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerFast,
    rows: torch.Tensor,
    collate: Collate,
    causal: bool,
) -> None:
    metrics = fit_language_model(
        model, rows, collate, pretrain, world.seed, directory / "logs", causal=causal, progress_bar=world.progress_bar
    )
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    write_json_atomic(directory / "metrics.json", metrics)


def build_causal_lm(world: TinyWorldConfig, corpus: Artifact, tokenizer: Artifact, store: ArtifactStore) -> Artifact:
    """Pretrains the tiny causal LM: target, generator and reference of the tiny world."""
    arch = world.causal_lm

    def build(directory: Path) -> None:
        tok = causal_tokenizer(load_bpe(tokenizer.path), arch.context_length)
        rows = pack(_pretrain_ids(corpus, tokenizer), arch.context_length, tok.eos_token_id)
        model = tiny_causal_lm(arch, tok, world.seed)
        _fit_and_save(directory, world, world.causal_pretrain, model, tok, rows, causal_collate, causal=True)

    return store.build("causal_lm", _model_spec(CAUSAL_LM_VERSION, world, corpus, tokenizer, arch, world.causal_pretrain), build)


def build_masked_lm(world: TinyWorldConfig, corpus: Artifact, tokenizer: Artifact, store: ArtifactStore) -> Artifact:
    """Pretrains the tiny masked LM that proposes replacements for fuzzy duplicates."""
    arch = world.mlm
    spec = {**_model_spec(MLM_VERSION, world, corpus, tokenizer, arch, world.mlm_pretrain), "mlm_probability": world.mlm_probability}

    def build(directory: Path) -> None:
        tok = masked_tokenizer(load_bpe(tokenizer.path), arch.context_length)
        body = pack(_pretrain_ids(corpus, tokenizer), arch.context_length - 2, tok.sep_token_id)
        rows = torch.cat([torch.full((len(body), 1), tok.cls_token_id), body, torch.full((len(body), 1), tok.sep_token_id)], dim=1)
        masker = DataCollatorForLanguageModeling(tok, mlm_probability=world.mlm_probability, return_tensors="pt")

        def collate(batch: list[torch.Tensor]) -> dict[str, torch.Tensor]:
            out = masker([{"input_ids": row} for row in batch])
            return {
                "input_ids": out["input_ids"],
                "attention_mask": torch.ones_like(out["input_ids"]),
                "labels": out["labels"],
            }

        model = tiny_masked_lm(arch, tok, world.seed)
        _fit_and_save(directory, world, world.mlm_pretrain, model, tok, rows, collate, causal=False)

    return store.build("mlm", spec, build)


@dataclass(frozen=True)
class TinyWorld:
    """The artifacts of a built tiny world."""

    tokenizer: Artifact
    causal_lm: Artifact
    mlm: Artifact


def build_tiny_world(world: TinyWorldConfig, corpus: Artifact, store: ArtifactStore) -> TinyWorld:
    """Builds (or reuses) the tokenizer and both tiny models of ``world`` (``cfg.tiny_world``)."""
    tokenizer = build_tokenizer(world, corpus, store)
    return TinyWorld(
        tokenizer=tokenizer,
        causal_lm=build_causal_lm(world, corpus, tokenizer, store),
        mlm=build_masked_lm(world, corpus, tokenizer, store),
    )
