"""Held-out rows for val/loss, their loss through Lightning's validation, and when it is measured."""

from __future__ import annotations

import lightning as L
import pytest
import torch
from conftest import compose_config
from torch.utils.data import DataLoader

from mosaic_exp.models.loading import load_causal_lm
from mosaic_exp.training.chunks import book_chunks, chunk_rows, collate_chunks
from mosaic_exp.training.held_out import ValidationSchedule, held_out_loader, held_out_rows
from mosaic_exp.training.module import LanguageModelModule


@pytest.fixture
def model(smoke_models):
    """A fresh copy per test: some of them train it."""
    model, _ = load_causal_lm(compose_config(["experiment=smoke"]).model, smoke_models)
    return model


def _trainer(**kwargs) -> L.Trainer:
    return L.Trainer(
        accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, **kwargs
    )


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
    (metrics,) = _trainer().validate(LanguageModelModule(model, lr=1e-2), held_out_loader(rows, batch_size=2), verbose=False)
    assert metrics["val/loss"] == pytest.approx(by_hand, abs=1e-5)


def test_every_n_steps_zero_measures_at_start_and_end_only(model) -> None:
    rows = torch.randint(5, 200, (3, 16), generator=torch.Generator().manual_seed(1))
    callback = ValidationSchedule(every_n_steps=0)
    loader = DataLoader(chunk_rows(book_chunks(rows.tolist(), 16, 0)), batch_size=1, collate_fn=collate_chunks)
    trainer = _trainer(max_steps=3, callbacks=[callback])
    trainer.fit(LanguageModelModule(model, lr=1e-2), loader, held_out_loader(rows, batch_size=2))
    assert [step for step, _ in callback.history] == [0, 3]
    # Training on these very rows lowers their loss.
    assert callback.history[1][1] < callback.history[0][1]
    with pytest.raises(ValueError, match="every_n_steps"):
        ValidationSchedule(every_n_steps=-1)


def test_validation_counts_optimizer_steps_across_epochs(model) -> None:
    # 4 batches an epoch, 2 per optimizer step: 2 steps an epoch, 6 in 3 epochs.
    rows = torch.randint(5, 200, (4, 16), generator=torch.Generator().manual_seed(2))
    callback = ValidationSchedule(every_n_steps=2)
    loader = DataLoader(chunk_rows(book_chunks(rows.tolist(), 16, 0)), batch_size=1, collate_fn=collate_chunks)
    trainer = _trainer(max_epochs=3, accumulate_grad_batches=2, callbacks=[callback])
    trainer.fit(LanguageModelModule(model, lr=1e-3), loader, held_out_loader(rows, batch_size=3))
    assert trainer.global_step == 6
    # Every other step, counted across epochs; the end (step 6) is on the interval and measured once.
    assert [step for step, _ in callback.history] == [0, 2, 4, 6]
