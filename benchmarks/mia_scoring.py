"""Membership-inference scoring: one forward pass per (model, text variant) vs. one per attack.

Scores the 100 member and 100 non-member canaries of the tiny world with every
attack (loss, ratio, lowercase, zlib, min-k, min-k%++):

- ours: `mosaic_exp.mia.evaluate.score_canaries`, three batched passes per
  canary (target on the canary, target on its lowercased text, reference on
  its text) that every attack reads;
- naive: what a straightforward script does, written out below: each attack
  runs its own passes, one canary at a time (loss, zlib, min-k, min-k%++: the
  target; ratio: target + reference; lowercase: target + lowercased text),
  8 passes per canary.

Both must give the same scores (checked, tolerance 1e-4). The reference is
the target before fine-tuning; the target's weights are nudged so that the
ratio scores are not all zero. Prints medians over `--repeats` timings.
Target: naive / ours >= 2.

    MOSAIC_ROOT=... python benchmarks/mia_scoring.py [--repeats 3] [--threads N] [overrides ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import zlib
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from mosaic_exp.canaries.stage import load_canaries  # noqa: E402
from mosaic_exp.config.compose import compose_config  # noqa: E402
from mosaic_exp.mia.attacks import ATTACKS  # noqa: E402
from mosaic_exp.mia.evaluate import score_canaries  # noqa: E402
from mosaic_exp.pipeline import canary_stages, resolve_models, tiny_models  # noqa: E402
from mosaic_exp.store import ArtifactStore  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TOLERANCE = 1e-4


def log_probs(model, ids: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Next-token log-distributions and the log-probabilities of the actual tokens 1..n-1."""
    x = torch.tensor([ids])
    logp = torch.log_softmax(model(input_ids=x).logits[0, :-1].float(), dim=-1)
    return logp, logp.gather(-1, x[0, 1:, None]).squeeze(-1)


def nll(model, ids: list[int]) -> float:
    x = torch.tensor([ids])
    return float(model(input_ids=x, labels=x).loss)


def lowest_mean(values: torch.Tensor, k: int) -> float:
    return float(values.sort().values[:k].mean())


def encode(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


@torch.no_grad()
def naive_scores(target, tokenizer, reference, reference_tokenizer, canaries, k: int) -> list[dict[str, float]]:
    """Each attack on its own, canary after canary, every pass it needs run again."""
    rows: list[dict[str, float]] = [{} for _ in canaries]
    for row, c in zip(rows, canaries):
        row["loss"] = -nll(target, c.tokens)
    for row, c in zip(rows, canaries):
        row["ratio"] = -(nll(target, c.tokens) - nll(reference, encode(reference_tokenizer, c.text)))
    for row, c in zip(rows, canaries):
        row["lowercase"] = -(nll(target, c.tokens) - nll(target, encode(tokenizer, c.text.lower())))
    for row, c in zip(rows, canaries):
        raw = c.text.encode("utf-8")
        row["zlib"] = -nll(target, c.tokens) * len(raw) / len(zlib.compress(raw))
    for row, c in zip(rows, canaries):
        row["min_k"] = lowest_mean(log_probs(target, c.tokens)[1], k)
    for row, c in zip(rows, canaries):
        logp, picked = log_probs(target, c.tokens)
        mu = (logp.exp() * logp).sum(-1)
        sigma = ((logp.exp() * logp.square()).sum(-1) - mu.square()).sqrt()
        row["min_k_plus"] = lowest_mean((picked - mu) / sigma, k)
    return rows


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    root = Path(os.environ.get("MOSAIC_ROOT", REPO))
    cfg = compose_config(["experiment=fuzzy_mlm", "tiny_world.progress_bar=false", *args.overrides], root=root)
    artifacts = canary_stages(cfg, ArtifactStore(cfg.paths.cache_dir))
    models = resolve_models(cfg, tiny_models(artifacts))
    members, non_members = load_canaries(artifacts["canaries"].path)
    target, tokenizer = models.target.load_causal()
    reference, reference_tokenizer = models.reference.load_causal()
    torch.manual_seed(0)
    with torch.no_grad():
        for p in target.parameters():
            p.add_(0.02 * torch.randn_like(p))
    k = int(cfg.mia.k)

    ours_t, naive_t = [], []
    for _ in range(args.repeats):
        ours, seconds = timed(
            score_canaries, target, tokenizer, members, non_members, reference, reference_tokenizer, k=k, batch_size=cfg.mia.batch_size
        )
        ours_t.append(seconds)
        naive, seconds = timed(naive_scores, target, tokenizer, reference, reference_tokenizer, members + non_members, k)
        naive_t.append(seconds)
    # The naive scorer implements the paper's six attacks; the scores both produce must agree.
    shared = [a for a in ATTACKS if a in ours[0] and a in naive[0]]
    worst = max(abs(o[a] - n[a]) for o, n in zip(ours, naive) for a in shared)

    ours_s, naive_s = statistics.median(ours_t), statistics.median(naive_t)
    n = len(ours)
    print(
        f"{n} canaries x {len(shared)} attacks compared, CPU {torch.get_num_threads()} threads, batch {cfg.mia.batch_size}; "
        f"medians of {args.repeats}; load averages {os.getloadavg()}"
    )
    print(f"{'method':<36} {'passes':>7} {'seconds':>8} {'canaries/s':>11} {'speed-up':>9}")
    print(f"{'naive: per attack, one at a time':<36} {8 * n:>7} {naive_s:>8.2f} {n / naive_s:>11.0f} {1:>8.2f}x")
    print(f"{'ours: score_canaries':<36} {3 * n:>7} {ours_s:>8.2f} {n / ours_s:>11.0f} {naive_s / ours_s:>8.2f}x")
    print(f"largest score difference {worst:.2e} (tolerance {TOLERANCE:g}): {'same' if worst <= TOLERANCE else 'DIFFERENT'}")
    print(f"target naive / ours >= 2: {'PASS' if naive_s / ours_s >= 2 and worst <= TOLERANCE else 'FAIL'}")


if __name__ == "__main__":
    main()
