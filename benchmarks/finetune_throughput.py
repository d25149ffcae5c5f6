"""Fine-tuning throughput (tokens/s): our Lightning path vs. the Hugging Face `Trainer`, on identical work.

Both fine-tune the tiny world's target (GPT-NeoX) for one epoch over the first
injected books of `experiment=fuzzy_mlm` (as many as make about `--steps`
steps), on the CPU in fp32, with the paper's recipe: batch 2, the model's lr,
AdamW with weight decay 0.01, gradient clipping at 1.0, linear decay to zero:

- ours: `fine_tune` (mosaic_exp/tasks/train.py) with `trainer=cpu` and
  `train.shuffle=false` (chunks in book order), without the membership-AUC
  callback, an experiment cost that the HF `Trainer` has no counterpart of;
- HF: the authors' run (src/fine_tune_model.py): `transformers.Trainer` with
  their `TrainingArguments` (per-device batch 2, lr, weight decay 0.01, one
  epoch, everything else default) on the same chunks of `tokenizer(book)`,
  `DataCollatorForLanguageModeling(mlm=False)` with EOS as padding, and a
  sequential sampler instead of their shuffled one.

Identical work is checked, not assumed: every run's per-step losses must agree
with the other system's to rtol 1e-4 ("identical work: PASS"), or no ratio
passes. Neither side shows a progress bar, saves checkpoints or reports to a
tracker; both log as their defaults say (ours: CSV every 10 steps).

Each system first trains a short untimed epoch in this process (warm-up); then
timed runs alternate who goes first, each from a freshly loaded model. Columns,
medians over `--repeats` runs, in token positions (batch x chunk length;
padding of a book's last chunk costs the same as a token):

- fit: positions / wall time of the whole `fit` / `train` call;
- steady: positions / (steps x median step time after the first `--skip` steps),
  which shrugs off the pauses of a CPU shared with other jobs;
- cpu: positions / CPU time of this process during the call, which other
  jobs on the machine barely change as long as torch uses one thread.

Target: ours / HF >= 1.0. On a CPU busy with other jobs, torch's threads wait
for each other at every op and 2 threads can be several times slower than 1:
`--threads 1` keeps such runs comparable, and its cpu column is the steadiest.

Needs `accelerate` for the HF Trainer (`pip install -e ".[bench]"`).

    MOSAIC_ROOT=... python benchmarks/finetune_throughput.py [--steps 30] [--repeats 3] [--skip 5] [--threads N] [overrides ...]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import lightning as L  # noqa: E402
import torch  # noqa: E402
from authors_trainer import InBookOrder  # noqa: E402
from transformers import DataCollatorForLanguageModeling, TrainerCallback, TrainingArguments  # noqa: E402

from mosaic_exp.app import quiet_libraries  # noqa: E402
from mosaic_exp.config.compose import compose_config  # noqa: E402
from mosaic_exp.inject.stage import load_injected  # noqa: E402
from mosaic_exp.models.loading import load_causal_lm  # noqa: E402
from mosaic_exp.pipeline import injection_stages, tiny_models  # noqa: E402
from mosaic_exp.store import ArtifactStore  # noqa: E402
from mosaic_exp.tasks.train import chunk_length, chunk_loader, fine_tune  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WARMUP_STEPS = 3
RTOL = 1e-4


class LightningSteps(L.Callback):
    """The time at the end of each step and its loss."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.losses: list[torch.Tensor] = []

    def on_train_batch_end(self, trainer, module, outputs, *args: object) -> None:
        self.times.append(time.perf_counter())
        self.losses.append(outputs["loss"].detach())


class HFStepTimes(TrainerCallback):
    def __init__(self) -> None:
        self.times: list[float] = []

    def on_step_end(self, *args: object, **kwargs: object) -> None:
        self.times.append(time.perf_counter())


@dataclass
class Run:
    """One timed fine-tuning: wall and CPU seconds of `fit`/`train`, each step's end time and loss."""

    wall: float
    cpu: float
    times: list[float]
    losses: torch.Tensor


def timed(fit: Callable[[], object], times: list[float], losses: list[torch.Tensor]) -> Run:
    """Runs `fit`, which fills `times` and `losses` step by step."""
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # Lightning's and HF's summaries
        wall, cpu = time.perf_counter(), time.process_time()
        fit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Run(wall, cpu, times, torch.tensor([float(x) for x in losses]))


def run_ours(cfg, models, books: list[str], out: str) -> Run:
    cfg = copy.deepcopy(cfg)
    cfg.paths.output_dir = out  # the CSV logger and Lightning's root dir; the tiny world stays where it is
    model, tokenizer = load_causal_lm(cfg.model, models)
    steps = LightningSteps()
    return timed(lambda: fine_tune(cfg, model, tokenizer, books, [steps]), steps.times, steps.losses)


def authors_chunks(tokenizer, books: list[str], length: int) -> list[list[int]]:
    """The original split_into_chunks: consecutive `length`-token pieces of each `tokenizer(book)`."""
    ids = tokenizer(books, verbose=False)["input_ids"]  # verbose: no warning that a book exceeds the context
    return [book[i : i + length] for book in ids for i in range(0, len(book), length)]


def run_hf(cfg, models, books: list[str], out: str) -> Run:
    model, tokenizer = load_causal_lm(cfg.model, models)
    tokenizer.pad_token = tokenizer.eos_token  # as the authors' script sets it
    args = TrainingArguments(
        output_dir=out,
        per_device_train_batch_size=2,
        learning_rate=cfg.lr,
        weight_decay=0.01,
        num_train_epochs=1,
        # Not training arguments: where it runs, and no checkpoints, reports or progress bar.
        use_cpu=True,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
    )
    timer = HFStepTimes()
    chunks = authors_chunks(tokenizer, books, chunk_length(cfg, model))
    trainer = InBookOrder(
        model=model,
        args=args,
        train_dataset=[{"input_ids": c} for c in chunks],
        data_collator=DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm=False),
        callbacks=[timer],
    )
    trainer.losses = []
    return timed(trainer.train, timer.times, trainer.losses)


def books_for(cfg, models, books: list[str], steps: int) -> tuple[list[str], int, int]:
    """The shortest prefix of `books` whose chunks fill at least `steps` batches, its step count and chunk length."""
    model, tokenizer = load_causal_lm(cfg.model, models)
    length = chunk_length(cfg, model)
    chunks = 0
    for n, book in enumerate(books, 1):
        chunks += len(authors_chunks(tokenizer, [book], length))
        if chunks >= 2 * steps:
            # The step count of our loader itself (the loss check compares it with the Trainer's).
            return books[:n], len(chunk_loader(cfg, tokenizer, books[:n], length)[0]), length
    raise ValueError(f"all {len(books)} books make only {chunks} chunks, fewer than {2 * steps}")


def throughputs(run: Run, positions: int, skip: int) -> tuple[float, float, float]:
    steps = [b - a for a, b in itertools.pairwise(run.times)][skip:]
    return positions / run.wall, positions / (len(run.times) * statistics.median(steps)), positions / run.cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="about this many steps: whole books, one epoch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip", type=int, default=5, help="steps of each run left out of the steady rate")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet_libraries()
    root = Path(os.environ.get("MOSAIC_ROOT", REPO))
    cfg = compose_config(
        [
            "experiment=fuzzy_mlm",
            "topk=10",
            "tiny_world.progress_bar=false",
            # The CPU, chunks in book order (the HF side reads them in order too), no progress bar (nor there).
            "trainer=cpu",
            "train.shuffle=false",
            "trainer.enable_progress_bar=false",
            *args.overrides,
        ],
        root=root,
    )
    assert (
        cfg.train.batch_size,
        cfg.train.weight_decay,
        cfg.trainer.gradient_clip_val,
        cfg.trainer.max_epochs,
        cfg.train.warmup_steps,
    ) == (2, 0.01, 1.0, 1, 0), "the authors' recipe is the HF Trainer's defaults"
    artifacts = injection_stages(cfg, ArtifactStore(cfg.paths.cache_dir))
    models = tiny_models(artifacts)
    all_books = list(load_injected(artifacts["inject"].path)[0]["text"])
    books, n_steps, length = books_for(cfg, models, all_books, args.steps)
    warmup_books, _, _ = books_for(cfg, models, all_books, WARMUP_STEPS)
    runners = {"ours (Lightning)": run_ours, "HF Trainer": run_hf}
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runners}
    worst = 0.0  # largest relative difference between the two systems' losses at any step of any run
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-") as tmp:
        for name, run in runners.items():
            run(cfg, models, warmup_books, f"{tmp}/warmup-{name[:2]}")
        for repeat in range(args.repeats):
            runs: dict[str, Run] = {}
            # Alternating who goes first spreads drifts of the machine's load over both.
            for name in list(runners)[:: 1 if repeat % 2 == 0 else -1]:
                runs[name] = run = runners[name](cfg, models, books, f"{tmp}/{repeat}-{name[:2]}")
                assert len(run.times) == n_steps, f"{name} ran {len(run.times)} steps, not {n_steps}"
                results[name].append(throughputs(run, n_steps * 2 * length, args.skip))
                print(f"  run {repeat + 1} {name}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, load {os.getloadavg()[0]:.1f}", flush=True)
            ours, hf = (runs[name].losses for name in runners)
            worst = max(worst, float(((ours - hf).abs() / hf.abs()).max()))

    identical = worst <= RTOL
    print(
        f"\nfine-tuning, {n_steps} steps of 2 x {length} tokens ({len(books)} books, one epoch), CPU fp32, "
        f"{torch.get_num_threads()} threads; medians of {args.repeats} runs; load averages " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    print(
        f"identical work: {'PASS' if identical else 'FAIL'} (per-step losses of ours vs HF, largest relative "
        f"difference {worst:.1e}, rtol {RTOL:g})"
    )
    print(f"{'tokens/s':<18} {'fit':>8} {'steady':>8} {'cpu':>8}")
    medians = {name: [statistics.median(col) for col in zip(*rows)] for name, rows in results.items()}
    for name, rates in medians.items():
        print(f"{name:<18}" + "".join(f" {r:>8.0f}" for r in rates))
    ours, hf = medians.values()
    ratios = [o / h for o, h in zip(ours, hf)]
    print(f"{'ours / HF':<18}" + "".join(f" {r:>8.2f}" for r in ratios))
    verdicts = ["PASS" if identical and r >= 1.0 else "FAIL" for r in ratios]
    print(f"target ours / HF >= 1.0 on identical work: {' '.join(verdicts)} (fit, steady, cpu)")


if __name__ == "__main__":
    main()
