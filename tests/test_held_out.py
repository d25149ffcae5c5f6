"""Held-out rows for val/loss, their loss, and the cadence of periodic metrics."""

from __future__ import annotations

import lightning as L
import pytest
import torch
from conftest import compose_config
from torch.utils.data import DataLoader

from mosaic_exp.models.loading import load_causal_lm
from mosaic_exp.training.chunks import book_chunks, chunk_rows, collate_chunks
from mosaic_exp.training.held_out import HeldOutLoss, held_out_loss, held_out_rows
from mosaic_exp.training.module import LanguageModelModule


@pytest.fixture
def model(smoke_models):
    """A fresh copy per test: one of them trains it."""
    model, _ = load_causal_lm(compose_config(["experiment=smoke"]).model, smoke_models)
    return model


def test_held_out_rows_are_the_packed_tail() -> None:
    books = [list(range(1, 8)), list(range(10, 21)), list(range(30, 36))]
    # Packed with separator 0: 27 tokens -> 6 rows of 4 (3 tokens dropped); 0.5 holds out the last 3.
    rows = held_out_rows(books, length=4, separator=0, fraction=0.5, max_rows=10)
    assert rows.tolist() == [[14, 15, 16, 17], [18, 19, 20, 0], [30, 31, 32, 33]]
    assert held_out_rows(books, 4, 0, 0.5, max_rows=2).tolist() == rows[:2].tolist()
    with pytest.raises(ValueError, match="max_rows"):
        held_out_rows(books, 4, 0, 0.5, max_rows=0)


def test_held_out_loss_is_the_mean_over_every_predicted_token(model) -> None:
    rows = torch.randint(5, 200, (5, 12), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logp = torch.log_softmax(model(rows).logits[:, :-1].double(), dim=-1)
    by_hand = -logp.gather(-1, rows[:, 1:, None]).mean().item()
    # Batches of 2, 2 and 1 rows weigh by their tokens.
    assert held_out_loss(model, rows, batch_size=2) == pytest.approx(by_hand, abs=1e-5)


def test_every_n_steps_zero_measures_at_start_and_end_only(model) -> None:
    rows = torch.randint(5, 200, (3, 16), generator=torch.Generator().manual_seed(1))
    callback = HeldOutLoss(rows, every_n_steps=0, batch_size=2)
    loader = DataLoader(chunk_rows(book_chunks(rows.tolist(), 16, 0)), batch_size=1, collate_fn=collate_chunks)
    trainer = L.Trainer(
        accelerator="cpu",
        max_steps=3,
        logger=False,
        callbacks=[callback],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(LanguageModelModule(model, lr=1e-2), loader)
    assert [step for step, _ in callback.history] == [0, 3]
    # Training on these very rows lowers their loss.
    assert callback.history[1][1] < callback.history[0][1]
    with pytest.raises(ValueError, match="every_n_steps"):
        HeldOutLoss(rows, every_n_steps=-1)
