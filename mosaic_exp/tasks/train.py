"""``task=train``: fine-tune the target on the injected books, then run membership inference.

Writes ``results.json`` (the resolved config, artifacts, training summary,
the MIA-AUC and held-out loss histories and AUC / TPR@FPR per attack) and
``scores.jsonl`` (one line per canary and attack scores) to the run's output
folder, and prints the table of attacks (see :mod:`mosaic_exp.tasks.mia`).
The callbacks of ``conf/callbacks/`` watch the training; every logger gets the
resolved config, and at the end the attack table and the AUC figure
(``mia_auc.png``, see :mod:`mosaic_exp.training.dashboard`).
Under DDP every process trains; only rank 0 saves the model and writes results.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning as L
import torch
from datasets import Dataset
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ProgressBar
from omegaconf import DictConfig
from torch.utils.data import DataLoader
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.canaries.sample import Canary
from mosaic_exp.canaries.stage import load_canaries
from mosaic_exp.data.stage import book_texts
from mosaic_exp.errors import UserError
from mosaic_exp.inject.fidelity import log_summary
from mosaic_exp.inject.stage import load_injected, load_injection_summary
from mosaic_exp.pipeline import injection_stages, resolve_models, tiny_models
from mosaic_exp.store import Artifact, ArtifactStore
from mosaic_exp.tasks.mia import PROVENANCE, check_extraction, membership_report, provenance
from mosaic_exp.training.chunks import book_chunks, chunk_rows, collate_chunks
from mosaic_exp.training.dashboard import log_results
from mosaic_exp.training.distributed import check_process_launch
from mosaic_exp.training.held_out import ValidationSchedule, held_out_loader, held_out_rows
from mosaic_exp.training.loggers import build_logger, finish_loggers, log_config
from mosaic_exp.training.mia_callback import MembershipAUC
from mosaic_exp.training.module import LanguageModelModule
from mosaic_exp.training.precision import training_weights

log = logging.getLogger(__name__)


def chunk_length(cfg: DictConfig, model: PreTrainedModel) -> int:
    """Tokens per fine-tuning chunk: the configured context, capped by the model's maximum."""
    limit = getattr(model.config, "max_position_embeddings", None) or cfg.train.context_length
    return min(cfg.train.context_length, limit, cfg.model.max_length or limit)


def training_books(books: Dataset) -> list[str] | list[list[int]]:
    """What :func:`chunk_loader` trains on: the injected books' token ids when they carry
    them (``inject.mode=tokens``), else their text, tokenized when the chunks are cut."""
    return list(books["input_ids"]) if "input_ids" in books.column_names else list(books["text"])


def chunk_loader(
    cfg: DictConfig, tokenizer: PreTrainedTokenizerBase, books: Sequence[str] | Sequence[Sequence[int]], length: int
) -> tuple[DataLoader, int]:
    """Batches of ``length``-token chunks that never cross books, and the number of real tokens.

    Books given as text are tokenized as the original scripts did,
    ``tokenizer(text)``: with the family's special tokens (a BOS at the start
    of every book for Llama and Gemma, nothing for GPT-Neo and Phi). Books
    given as token ids (``inject.mode=tokens``, already tokenized that way)
    are trained on as they are, so the copies in them stay token-exact.
    Chunks come in a shuffled order seeded by ``seed``, or in book order with
    ``train.shuffle=false``.
    """
    ids = tokenizer(list(books), verbose=False)["input_ids"] if _as_text(books) else books
    chunks = book_chunks(ids, length, tokenizer.pad_token_id)
    generator = torch.Generator().manual_seed(cfg.seed)
    loader = DataLoader(
        chunk_rows(chunks),
        batch_size=cfg.train.batch_size,
        shuffle=cfg.train.shuffle,
        generator=generator,
        collate_fn=collate_chunks,
    )
    return loader, int(chunks["attention_mask"].sum())


def _as_text(books: Sequence[str] | Sequence[Sequence[int]]) -> bool:
    return not books or isinstance(books[0], str)


def make_trainer(cfg: DictConfig, callbacks: Sequence[L.Callback] = ()) -> L.Trainer:
    """The Lightning trainer of ``cfg.trainer`` with the logger of ``cfg.logger``, which gets the resolved config."""
    trainer = instantiate(cfg.trainer, logger=build_logger(cfg.logger), callbacks=list(callbacks))
    check_process_launch(trainer)
    log_config(trainer.loggers, cfg)
    return trainer


def fit_target(
    cfg: DictConfig,
    trainer: L.Trainer,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    books: Sequence[str] | Sequence[Sequence[int]],
    val_loader: DataLoader | None = None,
) -> int:
    """Fine-tunes ``model`` in place with ``trainer``; returns the number of real (unpadded) tokens trained on."""
    training_weights(model, cfg.train.reduced_precision)
    if cfg.train.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    loader, tokens = chunk_loader(cfg, tokenizer, books, chunk_length(cfg, model))
    module = LanguageModelModule(
        torch.compile(model) if cfg.train.compile else model,
        lr=cfg.lr,
        weight_decay=cfg.train.weight_decay,
        warmup_steps=cfg.train.warmup_steps,
        betas=(cfg.train.adam_beta1, cfg.train.adam_beta2),
        eps=cfg.train.adam_epsilon,
    )
    trainer.fit(module, loader, val_loader)
    return tokens


def fine_tune(
    cfg: DictConfig,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    books: Sequence[str] | Sequence[Sequence[int]],
    callbacks: Sequence[L.Callback] = (),
    val_loader: DataLoader | None = None,
) -> tuple[L.Trainer, int]:
    """Fine-tunes ``model`` in place on ``books`` with the recipe of ``cfg.train`` and ``cfg.trainer``.

    The paper's recipe (the HF ``Trainer`` defaults the authors ran with) is
    the default of those groups: batch 2, AdamW (0.9, 0.999, 1e-8), weight
    decay 0.01, linear decay without warm-up, clipping at norm 1.0, one
    epoch, fp32 master weights. Only the given ``callbacks`` run (not those
    of ``cfg.callbacks``, which :func:`train` builds). Returns the Lightning
    trainer and the number of real (unpadded) tokens trained on.
    """
    trainer = make_trainer(cfg, callbacks)
    try:
        tokens = fit_target(cfg, trainer, model, tokenizer, books, val_loader)
    finally:
        finish_loggers(trainer.loggers)
    return trainer, tokens


def build_callbacks(cfg: DictConfig, members: Sequence[Canary], non_members: Sequence[Canary], pad_id: int) -> list[L.Callback]:
    """The callbacks of ``cfg.callbacks``, each instantiated from its ``_target_``.

    A partial one (``_partial_: true``, as the membership callback) is given
    the canaries: ``members``, ``non_members``, their ``member_texts`` and
    ``non_member_texts`` and the ``pad_id``. A progress bar is left out when
    ``trainer.enable_progress_bar`` is false (Lightning refuses the two together).
    """
    callbacks = []
    for node in (cfg.get("callbacks") or {}).values():
        if node is None:
            continue
        callback = instantiate(node)
        if isinstance(callback, functools.partial):
            callback = callback(
                members=[c.tokens for c in members],
                non_members=[c.tokens for c in non_members],
                member_texts=[c.text for c in members],
                non_member_texts=[c.text for c in non_members],
                pad_id=pad_id,
            )
        if isinstance(callback, ProgressBar) and not cfg.trainer.enable_progress_bar:
            continue
        callbacks.append(callback)
    return callbacks


def _held_out(cfg: DictConfig, corpus: Artifact, tokenizer: PreTrainedTokenizerBase, length: int) -> torch.Tensor:
    texts = book_texts(corpus.path, "pretrain")
    if not texts:
        raise UserError(
            "val/loss is measured on the corpus's pretraining split, which is empty; give the corpus pretraining "
            "books (e.g. corpus.max_pretrain_books) or turn validation off with train.val_max_rows=0"
        )
    ids = tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
    return held_out_rows(ids, length, tokenizer.eos_token_id, cfg.train.val_fraction, cfg.train.val_max_rows)


def _save(cfg: DictConfig, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, artifacts: dict[str, Artifact]) -> None:
    directory = Path(cfg.paths.output_dir) / "model"
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    write_json_atomic(directory / PROVENANCE, provenance(cfg, artifacts))


def _sections(
    trainer: L.Trainer, callbacks: Sequence[L.Callback], tokens: int, seconds: float, rows: torch.Tensor | None
) -> dict[str, Any]:
    """What training adds to ``results.json``: its summary and the histories of the callbacks that ran."""
    sections: dict[str, Any] = {
        "train": {
            "steps": trainer.global_step,
            "tokens": tokens,
            "seconds": round(seconds, 2),
            "tokens_per_second": round(tokens * trainer.current_epoch / seconds, 1) if seconds else None,
            "processes": trainer.world_size,
        },
        "mia_history": [],
    }
    for callback in callbacks:
        if isinstance(callback, MembershipAUC):
            sections["mia_history"] = [{"step": s, **{f"auc_{a}": v for a, v in aucs.items()}} for s, aucs in callback.history]
        if isinstance(callback, ValidationSchedule) and rows is not None and callback.history:
            sections["validation"] = {
                "loss": callback.history[-1][1],
                "tokens": int(rows.shape[0] * (rows.shape[1] - 1)),
                "history": [{"step": s, "loss": v} for s, v in callback.history],
            }
    return sections


def train(cfg: DictConfig) -> dict[str, Any]:
    """Runs the whole experiment for one configuration and returns its results ({} on DDP ranks above 0)."""
    store = ArtifactStore(cfg.paths.cache_dir, force=cfg.force)
    artifacts = injection_stages(cfg, store)
    models = resolve_models(cfg, tiny_models(artifacts))

    L.seed_everything(cfg.seed, workers=True, verbose=False)
    model, tokenizer = models.target.load_causal()
    books, _ = load_injected(artifacts["inject"].path)
    injection = load_injection_summary(artifacts["inject"].path)
    log_summary(injection)
    members, non_members = load_canaries(artifacts["canaries"].path)
    check_extraction(cfg, [*members, *non_members])
    callbacks = build_callbacks(cfg, members, non_members, tokenizer.pad_token_id)
    rows = None
    if cfg.train.val_fraction and cfg.train.val_max_rows:
        rows = _held_out(cfg, artifacts["corpus"], tokenizer, chunk_length(cfg, model))
    trainer = make_trainer(cfg, callbacks)
    try:
        start = time.perf_counter()
        val_loader = None if rows is None else held_out_loader(rows, cfg.train.batch_size)
        tokens = fit_target(cfg, trainer, model, tokenizer, training_books(books), val_loader)
        seconds = time.perf_counter() - start
        if not trainer.is_global_zero:
            return {}
        if cfg.save_model:
            _save(cfg, model, tokenizer, artifacts)
        sections = {**_sections(trainer, callbacks, tokens, seconds, rows), "injection": injection}
        results = membership_report(
            cfg, model, tokenizer, members, non_members, artifacts, sections, reference=models.reference, mlm=models.mlm
        )
        log_results(trainer.loggers, results["attacks"], results["mia_history"], Path(cfg.paths.output_dir))
        return results
    finally:
        finish_loggers(trainer.loggers)
