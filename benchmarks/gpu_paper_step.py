"""Paper-recipe fine-tuning steps of a GPT-Neo-1.3B-sized model: our path vs the authors' HF `Trainer`.

Measures, per system, tokens/s (median step time after `--warmup` steps),
peak GPU memory (`torch.cuda.max_memory_allocated`) and MFU, on a random-weight
GPT-Neo with the real 1.3B hyper-parameters (no download), batch 2 of
`--seq`-token chunks of random token ids, bf16 autocast over fp32 master
weights, gradient clipping at 1.0, AdamW (weight decay 0.01) with linear decay:

- ours: `fine_tune` (mosaic_exp/tasks/train.py) with the config composed from
  `experiment=paper` (`trainer=gpu`: Lightning, precision bf16-mixed);
- HF: `transformers.Trainer` with the authors' `TrainingArguments` (batch 2,
  lr, weight decay 0.01, one epoch, the rest default) plus `bf16=True` for a
  like-for-like comparison; `--hf-fp32` adds their exact default (fp32) too.

Both read the same chunks in the same order from the same initial weights, and
the per-step losses of ours and HF (bf16) are printed side by side.
Target: ours / HF >= 0.95 tokens/s. MFU = (6 x parameters + attention) FLOPs
per token x tokens/s / `--peak-tflops` (default: H100/H200 dense bf16).

    python benchmarks/gpu_paper_step.py [--steps 30] [--warmup 5] [--layers N] [--hf-fp32]
    # CPU smoke test:
    python benchmarks/gpu_paper_step.py --device cpu --layers 1 --hidden 64 --seq 128 --steps 4
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import lightning as L  # noqa: E402
import torch  # noqa: E402
from authors_trainer import InBookOrder  # noqa: E402
from transformers import (  # noqa: E402
    DataCollatorForLanguageModeling,
    GPTNeoConfig,
    GPTNeoForCausalLM,
    TrainerCallback,
    TrainingArguments,
)

from mosaic_exp.app import quiet_libraries  # noqa: E402
from mosaic_exp.config.compose import compose_config  # noqa: E402
from mosaic_exp.tasks.train import chunk_length, fine_tune  # noqa: E402

TARGET = 0.95
EOS = 50256


class PretokenizedBooks:
    """A stand-in tokenizer: `fine_tune` tokenizes books with `tokenizer(books)`; here each book
    is a name and its ids are given. `pad_token` is EOS, as in the authors' collator."""

    pad_token, pad_token_id, padding_side = "<|endoftext|>", EOS, "right"

    def __init__(self, ids: dict[str, list[int]]) -> None:
        self.ids = ids

    def __call__(self, books: list[str], **_: object) -> dict[str, list[list[int]]]:
        return {"input_ids": [self.ids[b] for b in books]}


def build_model(args: argparse.Namespace, device: str | None = None) -> GPTNeoForCausalLM:
    """GPT-Neo-1.3B's architecture (EleutherAI/gpt-neo-1.3B config.json), random weights, on the device."""
    layers = args.layers
    types = [[["global", "local"], layers // 2]] + ([[["global"], 1]] if layers % 2 else [])
    config = GPTNeoConfig(
        vocab_size=50257,
        max_position_embeddings=2048,
        hidden_size=args.hidden,
        num_layers=layers,
        num_heads=16,
        attention_types=types,
        window_size=256,
        activation_function="gelu_new",
        embed_dropout=0.0,
        attention_dropout=0.0,
        resid_dropout=0.0,
        layer_norm_epsilon=1e-5,
        bos_token_id=EOS,
        eos_token_id=EOS,
    )
    torch.manual_seed(0)  # every system starts from the same weights
    with torch.device(device or args.device):  # initialised where it trains: seconds, not a minute on the CPU
        return GPTNeoForCausalLM(config)


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()  # step boundaries must be where the GPU is, not where the CPU queued up to


class LightningSteps(L.Callback):
    def __init__(self, device: str) -> None:
        self.device, self.times, self.losses = device, [], []

    def on_train_batch_end(self, trainer, module, outputs, *args) -> None:
        sync(self.device)
        self.times.append(time.perf_counter())
        self.losses.append(outputs["loss"].detach())


class HFSteps(TrainerCallback):
    def __init__(self, device: str) -> None:
        self.device, self.times = device, []

    def on_step_end(self, *args, **kwargs) -> None:
        sync(self.device)
        self.times.append(time.perf_counter())


def run_ours(args, books: dict[str, list[int]], out: str) -> tuple[list[float], list[float]]:
    overrides = [
        "experiment=paper",
        f"lr={args.lr}",
        "train.shuffle=false",
        f"train.context_length={args.seq}",
        "trainer.enable_progress_bar=false",
        *(["trainer.accelerator=cpu"] if args.device == "cpu" else []),
    ]
    cfg = compose_config(overrides, root=out)
    model = build_model(args)
    assert chunk_length(cfg, model) == args.seq, "each book must be exactly one chunk"
    steps = LightningSteps(args.device)
    fine_tune(cfg, model, PretokenizedBooks(books), list(books), [steps])
    return steps.times, [float(x) for x in steps.losses]


def run_hf(args, books: dict[str, list[int]], out: str, bf16: bool) -> tuple[list[float], list[float]]:
    model = build_model(args)
    training = TrainingArguments(
        output_dir=out,
        per_device_train_batch_size=2,
        learning_rate=args.lr,
        weight_decay=0.01,
        num_train_epochs=1,
        bf16=bf16,  # the authors ran fp32 (bf16=False); bf16 matches our trainer=gpu
        # Not training arguments: where it runs, no checkpoints, reports or progress bar.
        use_cpu=args.device == "cpu",
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
    )
    steps = HFSteps(args.device)
    # Lists of ids: the authors' collator stacks them (no padding: every chunk is full) and, with
    # pad = EOS, masks EOS labels; the random ids hold no EOS, so its labels are ours.
    collator = DataCollatorForLanguageModeling(tokenizer=PretokenizedBooks({}), mlm=False)
    trainer = InBookOrder(
        model=model,
        args=training,
        train_dataset=list(books.values()),
        data_collator=collator,
        callbacks=[steps],
    )
    trainer.losses = []
    trainer.train()
    return steps.times, [float(x) for x in trainer.losses]


def flops_per_token(args, n_params: int) -> float:
    """6 N for the matmuls of forward + backward, plus 12 x d x (attended length) per layer for
    QK^T and AV (PaLM's convention: no causal halving); local layers attend to the window only."""
    attended = [args.seq if i % 2 == 0 else min(256, args.seq) for i in range(args.layers)]
    return 6 * n_params + sum(12 * args.hidden * t for t in attended)


def measure(name: str, run, args) -> dict[str, object]:
    gc.collect()  # the previous system's model and optimizer state must not count toward this one's peak
    if args.device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    with tempfile.TemporaryDirectory(prefix="mosaic-gpu-step-") as out:
        times, losses = run(out)
    assert len(times) == args.warmup + args.steps, f"{name} ran {len(times)} steps"
    step = statistics.median(b - a for a, b in list(itertools.pairwise(times))[args.warmup - 1 :])
    peak = f"{torch.cuda.max_memory_allocated() / 2**30:.1f}" if args.device == "cuda" else "-"
    print(f"  {name}: median step {step * 1e3:.1f} ms, peak {peak} GiB", flush=True)
    return {"tokens/s": 2 * args.seq / step, "peak": peak, "losses": losses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="timed steps")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (at least 1)")
    parser.add_argument("--layers", type=int, default=24)
    parser.add_argument("--hidden", type=int, default=2048)
    parser.add_argument("--seq", type=int, default=2048)
    parser.add_argument("--lr", type=float, default=2e-5, help="GPT-Neo-1.3B's lr in the paper config")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="peak dense bf16 TFLOP/s (H100/H200: 989)")
    parser.add_argument("--hf-fp32", action="store_true", help="also run the HF Trainer in fp32 (the authors' default)")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: CUDA is not available here. A CPU smoke test: --device cpu --layers 1 --hidden 64 --seq 128 --steps 4")
    if args.warmup < 1 or args.seq > 2048 or args.hidden % 16:
        sys.exit(
            "--warmup must be at least 1 (the first step has no start time), --seq at most 2048 "
            "(GPT-Neo's context) and --hidden a multiple of its 16 heads"
        )
    quiet_libraries()

    # One book per chunk, of exactly --seq random ids without EOS, (warmup + steps) x batch 2 of them.
    generator = torch.Generator().manual_seed(0)
    n_books = 2 * (args.warmup + args.steps)
    ids = torch.randint(0, EOS, (n_books, args.seq), generator=generator)
    books = {f"book {i}": row.tolist() for i, row in enumerate(ids)}

    model = build_model(args, device="meta")  # its size and attention kernel, without allocating it
    n_params, attn = model.num_parameters(), model.config._attn_implementation
    device = torch.cuda.get_device_name() if args.device == "cuda" else "CPU"
    print(
        f"GPT-Neo {n_params / 1e9:.3f}B parameters ({args.layers} layers, hidden {args.hidden}, {attn} attention), "
        f"batch 2 x {args.seq} tokens, {args.warmup} warm-up + {args.steps} timed steps on {device}"
    )
    systems = {
        "ours (fine_tune, bf16-mixed)": lambda out: run_ours(args, books, out),
        "HF Trainer (bf16=True)": lambda out: run_hf(args, books, out, bf16=True),
    }
    if args.hf_fp32:
        systems["HF Trainer (fp32, authors)"] = lambda out: run_hf(args, books, out, bf16=False)
    results = {name: measure(name, run, args) for name, run in systems.items()}

    per_token = flops_per_token(args, n_params)
    print(f"\nMFU against a peak of {args.peak_tflops:g} TFLOP/s (--peak-tflops), {per_token / 1e9:.2f} GFLOP/token")
    print(f"{'system':<30} {'tokens/s':>10} {'peak GiB':>9} {'MFU':>7}")
    for name, r in results.items():
        mfu = per_token * r["tokens/s"] / (args.peak_tflops * 1e12)
        print(f"{name:<30} {r['tokens/s']:>10.0f} {r['peak']:>9} {mfu:>7.1%}")
    ours, hf = results["ours (fine_tune, bf16-mixed)"], results["HF Trainer (bf16=True)"]
    diff = max(abs(a - b) for a, b in zip(ours["losses"], hf["losses"]))
    print(
        f"losses, ours vs HF bf16: first step {ours['losses'][0]:.4f} vs {hf['losses'][0]:.4f}, "
        f"last {ours['losses'][-1]:.4f} vs {hf['losses'][-1]:.4f}, largest difference {diff:.2e}"
    )
    ratio = ours["tokens/s"] / hf["tokens/s"]
    print(f"ours / HF (bf16) tokens/s = {ratio:.3f}: {'PASS' if ratio >= TARGET else 'FAIL'} (target >= {TARGET})")


if __name__ == "__main__":
    main()
