"""``task=train``: fine-tune the target on the injected books, then run membership inference.

Writes ``results.json`` (the resolved config, artifacts, training summary,
the MIA-AUC history and AUC / TPR@FPR per attack) and ``scores.jsonl`` (one
line per canary and attack scores) to the run's output folder, and prints the
table of attacks.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch.utils.data import DataLoader

from mosaic_exp.canaries.stage import load_canaries
from mosaic_exp.inject.stage import load_injected
from mosaic_exp.mia.evaluate import score_canaries, summarize
from mosaic_exp.models.loading import inference_device, load_causal_lm
from mosaic_exp.pipeline import injection_stages, tiny_models
from mosaic_exp.store import ArtifactStore, write_json_atomic
from mosaic_exp.training.chunks import book_chunks, chunk_rows, collate_chunks
from mosaic_exp.training.mia_callback import MembershipAUC
from mosaic_exp.training.module import LanguageModelModule

log = logging.getLogger(__name__)


def _loader(cfg: DictConfig, model, tokenizer, books: list[str]) -> tuple[DataLoader, int]:
    limit = getattr(model.config, "max_position_embeddings", None) or cfg.train.context_length
    length = min(cfg.train.context_length, limit, cfg.model.max_length or limit)
    ids = tokenizer(books, add_special_tokens=False, verbose=False)["input_ids"]
    chunks = book_chunks(ids, length, tokenizer.pad_token_id)
    generator = torch.Generator().manual_seed(cfg.seed)
    loader = DataLoader(
        chunk_rows(chunks), batch_size=cfg.train.batch_size, shuffle=True, generator=generator, collate_fn=collate_chunks
    )
    return loader, int(chunks["attention_mask"].sum())


def _table(summary: dict[str, dict[str, float]]) -> str:
    lines = [f"{'attack':<12} {'AUC':>6} {'TPR@1%FPR':>10} {'TPR@10%FPR':>11}"]
    for attack, m in summary.items():
        lines.append(f"{attack:<12} {m['auc']:>6.3f} {m['tpr@1%fpr']:>10.3f} {m['tpr@10%fpr']:>11.3f}")
    return "\n".join(lines)


def train(cfg: DictConfig) -> dict[str, Any]:
    """Runs the whole experiment for one configuration and returns its results."""
    store = ArtifactStore(cfg.paths.cache_dir, force=cfg.force)
    artifacts = injection_stages(cfg, store)
    models = tiny_models(artifacts)
    out = Path(cfg.paths.output_dir)
    out.mkdir(parents=True, exist_ok=True)

    L.seed_everything(cfg.seed, workers=True, verbose=False)
    model, tokenizer = load_causal_lm(cfg.model, models)
    if cfg.train.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    books, _ = load_injected(artifacts["inject"].path)
    loader, tokens = _loader(cfg, model, tokenizer, list(books["text"]))
    members, non_members = load_canaries(artifacts["canaries"].path)
    callback = MembershipAUC(
        [c.tokens for c in members], [c.tokens for c in non_members],
        every_n_steps=cfg.mia.every_n_steps, batch_size=cfg.mia.batch_size, pad_id=tokenizer.pad_token_id,
    )
    logger = instantiate(cfg.logger) if cfg.logger else False
    trainer = instantiate(cfg.trainer, logger=logger, callbacks=[callback])
    module = LanguageModelModule(
        torch.compile(model) if cfg.train.compile else model,
        lr=cfg.lr, weight_decay=cfg.train.weight_decay, warmup_steps=cfg.train.warmup_steps,
    )
    start = time.perf_counter()
    trainer.fit(module, loader)
    seconds = time.perf_counter() - start
    if cfg.save_model:
        model.save_pretrained(out / "model")
        tokenizer.save_pretrained(out / "model")

    device = inference_device()
    model.to(device).eval()
    reference, reference_tokenizer = load_causal_lm(cfg.reference, models)
    rows = score_canaries(
        model, tokenizer, members, non_members, reference.to(device), reference_tokenizer,
        k=cfg.mia.k, batch_size=cfg.mia.batch_size,
    )
    summary = summarize(rows)
    results = {
        "config": OmegaConf.to_container(cfg, resolve=True),
        "model": cfg.model.name_or_path,
        "seed": cfg.seed,
        "perturbation": OmegaConf.to_container(cfg.perturbation, resolve=True),
        "artifacts": {name: str(a.path) for name, a in artifacts.items()},
        "train": {"steps": trainer.global_step, "tokens": tokens, "seconds": round(seconds, 2),
                  "tokens_per_second": round(tokens * trainer.current_epoch / seconds, 1) if seconds else None},
        "mia_history": [{"step": s, "auc_loss": a} for s, a in callback.history],
        "attacks": summary,
    }
    with (out / ".scores.jsonl.tmp").open("w") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in rows)
    (out / ".scores.jsonl.tmp").replace(out / "scores.jsonl")
    write_json_atomic(out / "results.json", results)
    print(_table(summary))
    log.info("results in %s", out / "results.json")
    return results
