"""Fine-tuning throughput (tokens/s): our Lightning path vs. the Hugging Face `Trainer`.

Both fine-tune the tiny world's target (GPT-NeoX) for `--steps` steps over
the injected books of `experiment=fuzzy_mlm`, on the CPU in fp32, with the
same chunks, batch size and number of steps, and AdamW (weight decay 0.01,
the model's lr, linear decay to zero over those steps, no warm-up):

- ours: the Lightning `Trainer` of the `trainer` config, `LanguageModelModule`
  and the chunk loader of `task=train` (without the membership-AUC callback,
  an experiment cost that the HF `Trainer` has no counterpart of);
- HF: `transformers.Trainer` over the same chunks with its default AdamW
  (fused since torch 2.8), logging as often, the same progress-bar and
  gradient-clipping settings, no checkpoints and no reporting integrations.

Each framework first trains a few untimed steps in this process (warm-up);
then timed runs alternate, each from a freshly loaded model. Columns, medians
over `--repeats` runs, in token positions (batch x chunk length; the chunks
are 98% tokens, the rest is padding that costs the same):

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
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import lightning as L  # noqa: E402
import torch  # noqa: E402
from hydra.utils import instantiate  # noqa: E402
from transformers import Trainer, TrainerCallback, TrainingArguments  # noqa: E402

from mosaic_exp.app import quiet_libraries  # noqa: E402
from mosaic_exp.config.compose import compose_config  # noqa: E402
from mosaic_exp.inject.stage import load_injected  # noqa: E402
from mosaic_exp.models.loading import load_causal_lm  # noqa: E402
from mosaic_exp.pipeline import injection_stages, tiny_models  # noqa: E402
from mosaic_exp.store import ArtifactStore  # noqa: E402
from mosaic_exp.tasks.train import chunk_length, chunk_loader  # noqa: E402
from mosaic_exp.training.chunks import collate_chunks  # noqa: E402
from mosaic_exp.training.module import LanguageModelModule  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WARMUP_STEPS = 3


class LightningStepTimes(L.Callback):
    def __init__(self) -> None:
        self.times: list[float] = []

    def on_train_batch_end(self, *args: object) -> None:
        self.times.append(time.perf_counter())


class HFStepTimes(TrainerCallback):
    def __init__(self) -> None:
        self.times: list[float] = []

    def on_step_end(self, *args: object, **kwargs: object) -> None:
        self.times.append(time.perf_counter())


def clocked(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and process CPU seconds of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_ours(cfg, models, books: list[str], out: str, max_steps: int) -> tuple[tuple[float, float], list[float], int]:
    """Wall and CPU seconds of `fit`, the time at the end of each step, and the chunk length."""
    model, tokenizer = load_causal_lm(cfg.model, models)
    loader, _ = chunk_loader(cfg, tokenizer, books, chunk_length(cfg, model))
    timer = LightningStepTimes()
    trainer = instantiate(
        cfg.trainer, accelerator="cpu", max_steps=max_steps, default_root_dir=out,
        logger=instantiate(cfg.logger, save_dir=out), callbacks=[timer],
    )
    module = LanguageModelModule(model, lr=cfg.lr, weight_decay=cfg.train.weight_decay, warmup_steps=cfg.train.warmup_steps)
    return clocked(lambda: trainer.fit(module, loader)), timer.times, loader.dataset[0][0].numel()


def run_hf(cfg, models, books: list[str], out: str, max_steps: int) -> tuple[tuple[float, float], list[float], int]:
    """Like `run_ours`, with the HF `Trainer` on the same chunks."""
    model, tokenizer = load_causal_lm(cfg.model, models)
    loader, _ = chunk_loader(cfg, tokenizer, books, chunk_length(cfg, model))
    args = TrainingArguments(
        output_dir=out, use_cpu=True, seed=cfg.seed, max_steps=max_steps, num_train_epochs=1,
        per_device_train_batch_size=cfg.train.batch_size, learning_rate=cfg.lr,
        weight_decay=cfg.train.weight_decay, warmup_steps=cfg.train.warmup_steps,
        lr_scheduler_type="linear", max_grad_norm=cfg.trainer.gradient_clip_val or 0.0,
        logging_steps=cfg.trainer.log_every_n_steps, disable_tqdm=not cfg.trainer.enable_progress_bar,
        save_strategy="no", report_to="none",
    )
    timer = HFStepTimes()
    trainer = Trainer(
        model=model.train(), args=args, train_dataset=loader.dataset,
        data_collator=collate_chunks, callbacks=[timer],
    )
    return clocked(trainer.train), timer.times, loader.dataset[0][0].numel()


def throughputs(wall: float, cpu: float, times: list[float], positions: int, skip: int) -> tuple[float, float, float]:
    steps = [b - a for a, b in zip(times, times[1:])][skip:]
    return positions / wall, positions / (len(times) * statistics.median(steps)), positions / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip", type=int, default=5, help="steps of each run left out of the steady rate")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet_libraries()
    root = Path(os.environ.get("MOSAIC_ROOT", REPO))
    cfg = compose_config(["experiment=fuzzy_mlm", "topk=10", "tiny_world.progress_bar=false", *args.overrides], root=root)
    artifacts = injection_stages(cfg, ArtifactStore(cfg.paths.cache_dir))
    models = tiny_models(artifacts)
    books = list(load_injected(artifacts["inject"].path)[0]["text"])
    runners = {"ours (Lightning)": run_ours, "HF Trainer": run_hf}
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runners}
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-") as tmp:
        for name, run in runners.items():
            run(cfg, models, books, f"{tmp}/warmup", max_steps=WARMUP_STEPS)
        for repeat in range(args.repeats):
            # Alternating who goes first spreads drifts of the machine's load over both.
            for name in list(runners)[:: 1 if repeat % 2 == 0 else -1]:
                (wall, cpu), times, length = runners[name](cfg, models, books, f"{tmp}/{repeat}", max_steps=args.steps)
                assert len(times) == args.steps, f"{name} ran {len(times)} steps, not {args.steps}"
                positions = args.steps * cfg.train.batch_size * length
                results[name].append(throughputs(wall, cpu, times, positions, args.skip))
                print(f"  run {repeat + 1} {name}: {wall:.1f} s wall, {cpu:.1f} s CPU, load {os.getloadavg()[0]:.1f}",
                      flush=True)

    print(f"\nfine-tuning, {args.steps} steps of {cfg.train.batch_size} x {length} tokens, CPU fp32, "
          f"{torch.get_num_threads()} threads; medians of {args.repeats} runs; load averages {os.getloadavg()}")
    print(f"{'tokens/s':<18} {'fit':>8} {'steady':>8} {'cpu':>8}")
    medians = {name: [statistics.median(col) for col in zip(*rows)] for name, rows in results.items()}
    for name, rates in medians.items():
        print(f"{name:<18}" + "".join(f" {r:>8.0f}" for r in rates))
    ours, hf = medians.values()
    ratios = [o / h for o, h in zip(ours, hf)]
    print(f"{'ours / HF':<18}" + "".join(f" {r:>8.2f}" for r in ratios))
    print(f"target ours / HF >= 1.0: {' '.join('PASS' if r >= 1.0 else 'FAIL' for r in ratios)} (fit, steady, cpu)")


if __name__ == "__main__":
    main()
