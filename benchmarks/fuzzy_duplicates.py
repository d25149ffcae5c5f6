"""Fuzzy-duplicate generation speed on the tiny world.

1. MLM proposals for every position of 100 canaries x 100 tokens:
   - baseline: one canary at a time (its 100 masked copies as one batch,
     logits over the whole vocabulary at every position, top-k at the mask);
   - batched: all masked copies of all canaries in large batches, the first
     layer's projections once per distinct (token, position), the last layer
     and the LM head only at the masked positions
     (`mosaic_exp.perturb.mlm_candidates.mlm_topk`);
   - as used by `perturbation=replace R=10`: only the positions the
     variations edit.
   Target: batched >= 5x the baseline. The logits agree to float rounding
   (tests/test_mlm_forward.py), so the top-k lists agree except where two
   proposals tie to within rounding (counted and bounded here).
2. Canary sampling: accepted canaries per second and why samples were rejected.

    python benchmarks/fuzzy_duplicates.py [overrides ...]   # e.g. MOSAIC_ROOT=... to reuse a built world
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from mosaic_exp.canaries.filters import CanaryFilter  # noqa: E402
from mosaic_exp.canaries.sample import draw_canaries, sample_texts  # noqa: E402
from mosaic_exp.canaries.stage import load_canaries  # noqa: E402
from mosaic_exp.config.compose import compose_config  # noqa: E402
from mosaic_exp.models.loading import inference_device  # noqa: E402
from mosaic_exp.perturb.config import ReplaceConfig  # noqa: E402
from mosaic_exp.perturb.mlm_candidates import masked_text, mlm_topk  # noqa: E402
from mosaic_exp.perturb.replace import Replace  # noqa: E402
from mosaic_exp.pipeline import canary_stages, resolve_models, tiny_models  # noqa: E402
from mosaic_exp.store import ArtifactStore  # noqa: E402

K = 10
REPEATS = 3
BATCH = ReplaceConfig.mlm_batch_size  # what `perturbation=replace` uses by default


@torch.inference_mode()
def one_canary_at_a_time(model, mlm_tok, texts_per_canary: list[list[str]]) -> torch.Tensor:
    out = []
    banned = mlm_tok.all_special_ids
    for texts in texts_per_canary:
        inputs = mlm_tok(texts, return_tensors="pt", padding=True).to(model.device)
        logits = model(**inputs).logits
        rows, cols = (inputs.input_ids == mlm_tok.mask_token_id).nonzero(as_tuple=True)
        picked = logits[rows, cols]
        picked[:, banned] = float("-inf")
        out.append(picked.topk(K, dim=-1).indices.cpu())
    return torch.cat(out)


def timed(fn, *args):
    """The result of ``fn(*args)`` and the median wall time of REPEATS calls (shared CPUs are noisy)."""
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = fn(*args)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    return result, statistics.median(seconds)


def main() -> None:
    root = Path(os.environ.get("MOSAIC_ROOT", REPO))
    cfg = compose_config(["tiny_world.progress_bar=false", *sys.argv[1:]], root=root)
    artifacts = canary_stages(cfg, ArtifactStore(cfg.paths.cache_dir))
    models = resolve_models(cfg, tiny_models(artifacts))
    members, non_members = load_canaries(artifacts["canaries"].path)
    refs = [c.tokens for c in (members + non_members)[:100]]
    target = models.target.load_tokenizer()
    device = inference_device()
    model, mlm_tok = models.mlm.load_masked()
    model.to(device)
    texts = [[masked_text(r, p, target, mlm_tok.mask_token) for p in range(len(r))] for r in refs]
    flat = [t for ts in texts for t in ts]

    mlm_topk(model, mlm_tok, flat[:64], K, 64)  # warm-up
    baseline, t_base = timed(one_canary_at_a_time, model, mlm_tok, texts)
    batched, t_batched = timed(mlm_topk, model, mlm_tok, flat, K, BATCH)
    # Same logits up to rounding: only proposals that tie to within rounding may swap places.
    agreement = (baseline == batched).all(dim=1).float().mean().item()
    same_sets = (baseline.sort(dim=1).values == batched.sort(dim=1).values).all(dim=1).float().mean().item()
    assert agreement >= 0.99, f"top-k lists agree on only {agreement:.2%} of positions"
    replace = Replace(R=10, strategy="mlm", topk=K, name="replace", n_variations=9, seed=0)
    plans = replace.positions(refs, np.random.default_rng(0))
    needed = [sorted({p for v in plan for p in v}) for plan in plans]
    subset = [texts[c][p] for c, ps in enumerate(needed) for p in ps]
    _, t_needed = timed(mlm_topk, model, mlm_tok, subset, K, BATCH)

    where = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"MLM proposals, {len(refs)} canaries x {len(refs[0])} tokens ({len(flat)} masked copies), {where}")
    print(f"{'method':<40} {'seconds':>8} {'copies/s':>10} {'speed-up':>9}   (medians of {REPEATS})")
    for name, seconds, n in [
        ("one canary at a time (baseline)", t_base, len(flat)),
        ("batched, every position", t_batched, len(flat)),
        ("batched, only positions R=10 edits", t_needed, len(subset)),
    ]:
        print(f"{name:<40} {seconds:>8.2f} {n / seconds:>10.0f} {t_base / seconds:>8.2f}x")
    for what, seconds in [("generation as R=10 runs it", t_needed), ("every position", t_batched)]:
        verdict = "PASS" if t_base / seconds >= 5 else "FAIL"
        print(f"target >= 5x the baseline, {what}: {t_base / seconds:.2f}x {verdict}")

    generator, gen_tok = models.generator.load_causal()
    generator.to(device)
    torch.manual_seed(0)
    samples = sample_texts(generator, gen_tok, cfg.canaries.batch_size, int(1.25 * cfg.canaries.length) + 25, 1.0)
    canaries, report = draw_canaries(samples, CanaryFilter(target, cfg.canaries.length, 0.2), target, 50, 10_000, "bench")
    print(f"top-k lists identical to the baseline at {agreement:.2%} of positions, top-k sets at {same_sets:.2%}")
    print(
        f"\ncanary sampling: {report.accepted} accepted of {report.drawn} drawn in {report.seconds:.1f} s "
        f"= {report.per_second:.2f} canaries/s; rejected {report.rejected}"
    )


if __name__ == "__main__":
    main()
