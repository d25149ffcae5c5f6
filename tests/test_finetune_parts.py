"""Fine-tuning building blocks: chunks within books, the optimizer, and the membership-AUC callback."""

from __future__ import annotations

import csv
from pathlib import Path

import lightning as L
import pytest
import torch
from conftest import compose_config
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader

from mosaic_exp.canaries.sample import Canary
from mosaic_exp.mia.evaluate import score_canaries, summarize
from mosaic_exp.models.loading import load_causal_lm
from mosaic_exp.training.chunks import book_chunks, chunk_rows, collate_chunks
from mosaic_exp.training.mia_callback import MembershipAUC
from mosaic_exp.training.module import LanguageModelModule


def test_chunks_never_cross_books_and_pad_the_last() -> None:
    out = book_chunks([[1, 2, 3, 4, 5], [6, 7], [8], [9, 10, 11, 12]], length=4, pad_id=0)
    assert out["input_ids"].tolist() == [[1, 2, 3, 4], [6, 7, 0, 0], [9, 10, 11, 12]]
    # The one-token tail [5] and the one-token book [8] predict nothing and are dropped.
    assert out["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 1]]
    assert out["labels"].tolist() == [[1, 2, 3, 4], [6, 7, -100, -100], [9, 10, 11, 12]]


def test_chunks_reject_empty_input() -> None:
    with pytest.raises(ValueError, match="no chunk"):
        book_chunks([[1], []], length=4, pad_id=0)


def test_two_step_training_logs_membership_auc(smoke_models, tmp_path: Path) -> None:
    model, tok = load_causal_lm(compose_config(["experiment=smoke"]).model, smoke_models)
    members = [tok.encode(f"Ba shou trai number {i}. Zeal mon drast pou.") for i in range(4)]
    non_members = [tok.encode(f"Fai sta brio lorn {i}. Tha zou mei.") for i in range(4)]
    data = book_chunks([m * 3 for m in members], length=32, pad_id=tok.pad_token_id)
    loader = DataLoader(chunk_rows(data), batch_size=2, collate_fn=collate_chunks)
    L.seed_everything(0, verbose=False)
    callback = MembershipAUC(members, non_members, every_n_steps=1, pad_id=tok.pad_token_id)
    trainer = L.Trainer(
        accelerator="cpu",
        max_steps=2,
        logger=CSVLogger(tmp_path, name="", version=""),
        callbacks=[callback],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        log_every_n_steps=1,
    )
    trainer.fit(LanguageModelModule(model, lr=1e-2), loader)
    assert [step for step, _ in callback.history] == [0, 1, 2]
    # Every attack of the one forward pass; zlib needs the texts, which this callback was not given.
    assert all(list(aucs) == ["loss", "min_k", "min_k_plus"] for _, aucs in callback.history)
    assert all(0.0 <= auc <= 1.0 for _, aucs in callback.history for auc in aucs.values())
    # Training on the members makes them more likely than before.
    assert callback.history[-1][1]["loss"] >= callback.history[0][1]["loss"]
    rows = list(csv.DictReader((tmp_path / "metrics.csv").open()))
    for attack in ("loss", "min_k", "min_k_plus"):
        logged = [(int(r["step"]), float(r[f"mia/auc_{attack}"])) for r in rows if r.get(f"mia/auc_{attack}")]
        assert logged == [(step, aucs[attack]) for step, aucs in callback.history]


def test_membership_auc_scores_zlib_with_the_texts_as_task_mia_does(smoke_models) -> None:
    model, tok = load_causal_lm(compose_config(["experiment=smoke"]).model, smoke_models)
    texts = [f" Ba shou trai number {i}." for i in range(3)], [f" Fai sta brio lorn {i}." for i in range(3)]
    members, non_members = ([tok.encode(t) for t in group] for group in texts)
    callback = MembershipAUC(members, non_members, k=0.5, member_texts=texts[0], non_member_texts=texts[1])
    aucs = callback.measure(model.eval())
    assert list(aucs) == ["loss", "zlib", "min_k", "min_k_plus"]
    # The same scores as the attacks after training give, on the same forward pass.
    canaries = [Canary(tokens, text) for tokens, text in zip(members + non_members, texts[0] + texts[1])]
    rows = score_canaries(model, tok, canaries[:3], canaries[3:], k=0.5)
    assert aucs == pytest.approx({a: m["auc"] for a, m in summarize(rows).items() if a in aucs})
    with pytest.raises(ValueError, match="texts"):
        MembershipAUC(members, non_members, member_texts=texts[0])


def _net() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LayerNorm(3))


def _step(optimizer: torch.optim.Optimizer, net: torch.nn.Module) -> list[torch.Tensor]:
    torch.manual_seed(1)
    for p in net.parameters():
        p.grad = torch.randn_like(p)
    optimizer.step()
    return [p.detach().clone() for p in net.parameters()]


def test_adamw_is_fused_and_decays_matrices_only() -> None:
    module = LanguageModelModule(_net(), lr=0.1, weight_decay=0.5, total_steps=10)
    optimizer = module.configure_optimizers()["optimizer"]
    assert optimizer.defaults["fused"] is True
    decay, no_decay = optimizer.param_groups
    assert [p.ndim for p in decay["params"]] == [2] and decay["weight_decay"] == 0.5
    assert [p.ndim for p in no_decay["params"]] == [1, 1, 1] and no_decay["weight_decay"] == 0.0
    # The fused kernel makes the same update as the plain loop.
    net = _net()
    plain = torch.optim.AdamW(
        [{"params": [net[0].weight], "weight_decay": 0.5}, {"params": [net[0].bias, *net[1].parameters()], "weight_decay": 0.0}],
        lr=0.1,
        fused=False,
    )
    for got, want in zip(_step(optimizer, module.model), _step(plain, net)):
        torch.testing.assert_close(got, want)
