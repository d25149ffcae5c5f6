"""The `callbacks` group: what conf/callbacks/default.yaml builds, overriding it, and the progress bar."""

from __future__ import annotations

from types import SimpleNamespace

import lightning as L
import pytest
import torch
from conftest import compose_config
from torch.utils.data import DataLoader

from mosaic_exp.canaries.sample import Canary
from mosaic_exp.models.loading import load_causal_lm
from mosaic_exp.tasks.train import build_callbacks
from mosaic_exp.training.chunks import book_chunks, chunk_rows, collate_chunks
from mosaic_exp.training.held_out import ValidationSchedule
from mosaic_exp.training.mia_callback import MembershipAUC
from mosaic_exp.training.module import LanguageModelModule
from mosaic_exp.training.progress import TrainingProgressBar, planned_epochs

MEMBERS = [Canary([5, 6, 7], " a b c"), Canary([8, 9], " d e")]
NON_MEMBERS = [Canary([10, 11, 12], " f g h")]


def _build(*overrides: str) -> list[L.Callback]:
    return build_callbacks(compose_config(["experiment=smoke", *overrides], root="/tmp"), MEMBERS, NON_MEMBERS, pad_id=0)


def test_default_callbacks_follow_the_mia_settings_and_get_the_canaries() -> None:
    membership, validation, bar = _build("mia.every_n_steps=7", "mia.k=3", "mia.batch_size=5")
    assert isinstance(membership, MembershipAUC) and isinstance(validation, ValidationSchedule) and isinstance(bar, TrainingProgressBar)
    assert membership.every_n_steps == validation.every_n_steps == 7
    assert (membership.k, membership.batch_size, membership.pad_id) == (3, 5, 0)
    assert membership.sequences == [[5, 6, 7], [8, 9], [10, 11, 12]] and membership.labels == [1, 1, 0]
    assert membership.texts == [" a b c", " d e", " f g h"]


def test_callbacks_can_be_dropped_or_turned_off() -> None:
    assert _build("callbacks=none") == []
    assert [type(c) for c in _build("~callbacks.val_loss")] == [MembershipAUC, TrainingProgressBar]
    # Lightning refuses a progress bar callback on a trainer without a bar: it is left out.
    assert [type(c) for c in _build("trainer.enable_progress_bar=false")] == [MembershipAUC, ValidationSchedule]


def test_progress_bar_counts_the_epochs_a_step_budget_allows(smoke_models) -> None:
    model, _ = load_causal_lm(compose_config(["experiment=smoke"]).model, smoke_models)
    rows = torch.randint(5, 200, (3, 16), generator=torch.Generator().manual_seed(0)).tolist()
    loader = DataLoader(chunk_rows(book_chunks(rows, 16, 0)), batch_size=1, collate_fn=collate_chunks)
    bar = TrainingProgressBar()
    # As the tiny world pretrains: no epoch limit (Lightning's bar would say "Epoch 2/-2"), 7 steps of 3 an epoch.
    trainer = L.Trainer(accelerator="cpu", max_epochs=-1, max_steps=7, logger=False, callbacks=[bar], enable_checkpointing=False)
    trainer.fit(LanguageModelModule(model, lr=1e-3), loader)
    assert planned_epochs(trainer) == 3
    assert bar.progress.tasks[bar.train_progress_bar_id].description.strip() == "Epoch 3/3"
    # The last epoch's bar counts the one batch it trained.
    assert bar.progress.tasks[bar.train_progress_bar_id].total == 1


@pytest.mark.parametrize(
    ("max_epochs", "max_steps", "accumulate", "expected"),
    [(1, -1, 1, 1), (4, -1, 1, 4), (4, 5, 1, 2), (-1, 5, 1, 2), (-1, 5, 2, 3), (-1, -1, 1, None)],
)
def test_planned_epochs(max_epochs: int, max_steps: int, accumulate: int, expected: int | None) -> None:
    # What the function reads of a trainer with 3 batches an epoch.
    trainer = SimpleNamespace(max_epochs=max_epochs, max_steps=max_steps, accumulate_grad_batches=accumulate, num_training_batches=3)
    assert planned_epochs(trainer) == expected  # type: ignore[arg-type]
