"""Our fine-tuning path is the authors' HF ``Trainer`` run, step for step.

The authors fine-tuned with ``transformers.Trainer`` (src/fine_tune_model.py):
books tokenized with ``tokenizer(text)``, cut into chunks of the context length
that never cross books, ``DataCollatorForLanguageModeling(mlm=False)`` with the
EOS token as padding, and ``TrainingArguments`` with per-device batch 2, the
model's learning rate, weight decay 0.01, one epoch and every other argument at
its default. Here the same tiny model is trained on the same chunks in the same
order (a) by ``fine_tune`` with the config that ``experiment=paper`` composes
and (b) by that ``Trainer``, and both must agree on every step's loss and on
the final weights.
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
import pytest
import torch
from conftest import compose_config
from families import FAMILIES, build_family, real_texts
from torch.utils.data import SequentialSampler
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

from mosaic_exp.tasks.train import chunk_length, chunk_loader, fine_tune
from mosaic_exp.training.optim import decay_parameter_names

CONTEXT = 512
# Each family with the paper config whose recipe it runs under: the Llama-family
# model (its tokenizer adds BOS) runs under model=llama_3.2_1b.
SETTINGS = {"gpt_neo": "gpt_neo_1.3b", "llama2": "llama_3.2_1b"}


@pytest.fixture(scope="module")
def books() -> list[str]:
    """Six books of real English text, of unequal lengths so that last chunks are padded."""
    texts = real_texts()
    return ["\n\n".join(texts[i::6][: 2 + i]) for i in range(6)]


@pytest.fixture(scope="module", params=sorted(SETTINGS))
def family(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    directory = tmp_path_factory.mktemp(request.param)
    return request.param, build_family(request.param, real_texts(), directory, vocab_size=800, context_length=CONTEXT)


def _paper_config(family: str, model_dir: Path, out: Path, lr: float | None = None, extra: tuple[str, ...] = ()):
    overrides = [
        *extra,
        "experiment=paper",
        f"model={SETTINGS[family]}",
        f"model.name_or_path={model_dir}",
        # The paper's GPU trainer, on the CPU in fp32; everything else as experiment=paper has it.
        "trainer=cpu",
        "trainer.enable_progress_bar=false",
        # Both trainers must see the chunks in one order: book order.
        "train.shuffle=false",
        f"train.context_length={CONTEXT}",
        f"paths.output_dir={out}",
    ]
    return compose_config(overrides + ([f"lr={lr}"] if lr is not None else []), root=out)


def _authors_chunks(tokenizer, books: list[str], length: int) -> list[list[int]]:
    """The original split_into_chunks: consecutive ``length``-token pieces of each tokenized book."""
    chunks = []
    for ids in tokenizer(books)["input_ids"]:
        chunks.extend(ids[i : i + length] for i in range(0, len(ids), length))
    return chunks


class _InBookOrder(Trainer):
    """The HF Trainer, reading its training set in order instead of shuffled."""

    def _get_train_sampler(self, *args, **kwargs):
        return SequentialSampler(self.train_dataset)


class _TrainerLog(TrainerCallback):
    def __init__(self) -> None:
        self.losses: list[float] = []
        self.grad_norms: list[float] = []

    def on_log(self, args, state, control, logs=None, **kwargs) -> None:
        if logs and "loss" in logs:
            self.losses.append(logs["loss"])
            self.grad_norms.append(logs["grad_norm"])


class _LightningLog(L.Callback):
    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.losses.append(float(outputs["loss"]))


def _hf_trainer(model_dir: Path, chunks: list[list[int]], lr: float, out: Path, bf16: bool = False) -> tuple[torch.nn.Module, _TrainerLog]:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.pad_token = tokenizer.eos_token
    # Llama and Gemma tokenizers pad on the left. In the original runs that moved the last, short chunk of a
    # book to the right of its row, and the chunk's first token was then predicted from a padding position
    # (README: "Differences from the original code"); our chunks are padded on the right for every family.
    tokenizer.padding_side = "right"
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    args = TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=2,
        learning_rate=lr,
        weight_decay=0.01,
        num_train_epochs=1,
        # Not training arguments: where it runs, and a log line per step to compare.
        use_cpu=True,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        bf16=bf16,
    )
    log = _TrainerLog()
    trainer = _InBookOrder(
        model=model,
        args=args,
        train_dataset=[{"input_ids": c} for c in chunks],
        data_collator=DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm=False),
        callbacks=[log],
    )
    trainer.train()
    return model, log


@pytest.mark.parametrize("lr", [None, 1e-3], ids=["paper-lr", "lr-1e-3"])
def test_fine_tuning_matches_the_authors_trainer(family, books, lr, tmp_path: Path) -> None:
    name, model_dir = family
    cfg = _paper_config(name, model_dir, tmp_path / "ours", lr)
    assert cfg.train.batch_size == 2 and cfg.trainer.gradient_clip_val == 1.0 and cfg.train.weight_decay == 0.01

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    ours_model = AutoModelForCausalLM.from_pretrained(model_dir)
    length = chunk_length(cfg, ours_model)
    reference = _authors_chunks(tokenizer, books, length)
    assert min(map(len, reference)) >= 2, "a one-token chunk has nothing to predict; change the books"
    # The same chunks, BOS included where the family adds one.
    loader, _ = chunk_loader(cfg, tokenizer, books, length)
    assert [ids[mask.bool()].tolist() for ids, mask, _ in loader.dataset] == reference
    if tokenizer.bos_token_id is not None and tokenizer("a")["input_ids"][0] == tokenizer.bos_token_id:
        assert sum(c[0] == tokenizer.bos_token_id for c in reference) == len(books)

    ours_log = _LightningLog()
    trainer, _ = fine_tune(cfg, ours_model, tokenizer, books, [ours_log])
    theirs_model, theirs_log = _hf_trainer(model_dir, reference, cfg.lr, tmp_path / "hf")

    assert trainer.global_step == len(theirs_log.losses) == (len(reference) + 1) // 2 >= 20
    if name == "gpt_neo":
        # Gradients of this model exceed norm 1.0, so the comparison covers the clipping too.
        assert max(theirs_log.grad_norms) > 1.0
    torch.testing.assert_close(torch.tensor(ours_log.losses), torch.tensor(theirs_log.losses), rtol=1e-4, atol=0)
    ours, theirs = ours_model.state_dict(), theirs_model.state_dict()
    assert ours.keys() == theirs.keys()
    worst = max(float((ours[k] - theirs[k]).abs().max()) for k in ours)
    # The weights moved by more than the tolerance, so agreeing within it is not trivial.
    initial = AutoModelForCausalLM.from_pretrained(model_dir).state_dict()
    moved = max(float((ours[k] - initial[k]).abs().max()) for k in ours)
    assert worst <= 1e-4 < moved


@pytest.mark.parametrize("name", [n for n, f in FAMILIES.items() if f.head == "causal"])
def test_weight_decay_spares_what_the_trainer_spares(name: str, tmp_path: Path) -> None:
    model_dir = build_family(name, real_texts(12), tmp_path, vocab_size=400, context_length=64)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    args = TrainingArguments(output_dir=str(tmp_path / "hf"), use_cpu=True, report_to="none")
    expected = set(Trainer(model=model, args=args).get_decay_parameter_names(model))
    trainable = {n for n, _ in model.named_parameters()}
    assert decay_parameter_names(model) == expected & trainable
    assert trainable - expected, "some parameters (biases, norms) must be spared"


def test_bf16_autocast_matches_the_trainers_bf16(books, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """trainer=gpu's bf16 autocast over fp32 weights is the Trainer's ``bf16=True``, clipping included."""
    model_dir = build_family("gpt_neo", real_texts(), tmp_path_factory.mktemp("neo"), vocab_size=800, context_length=CONTEXT)
    cfg = _paper_config("gpt_neo", model_dir, tmp_path / "ours", extra=("trainer.precision=bf16-mixed",))
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.pad_token = tokenizer.eos_token
    ours_model, ours_log = AutoModelForCausalLM.from_pretrained(model_dir), _LightningLog()
    fine_tune(cfg, ours_model, tokenizer, books, [ours_log])
    reference = _authors_chunks(tokenizer, books, chunk_length(cfg, ours_model))
    theirs_model, theirs_log = _hf_trainer(model_dir, reference, cfg.lr, tmp_path / "hf", bf16=True)
    assert max(theirs_log.grad_norms) > 1.0 and {p.dtype for p in ours_model.parameters()} == {torch.float32}
    torch.testing.assert_close(torch.tensor(ours_log.losses), torch.tensor(theirs_log.losses), rtol=1e-4, atol=0)
    ours, theirs = ours_model.state_dict(), theirs_model.state_dict()
    assert max(float((ours[k] - theirs[k]).abs().max()) for k in ours) <= 1e-4
