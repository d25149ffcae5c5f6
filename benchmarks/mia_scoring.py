"""Membership-inference scoring: every attack with our shared passes vs. one set of passes per attack.

Scores the 100 member and 100 non-member canaries of the tiny world with all
15 attacks, two ways, and checks that both give the same scores:

- ours: `mosaic_exp.mia.evaluate.score_canaries` as `task=mia` runs it: one
  target pass feeds the eleven attacks that read a text's token scores; the
  attacks with passes of their own batch them across canaries, ask the masked
  LM only about the positions neighbours replace, and read neighbours and
  ReCaLL's prefixed texts from cached prefixes;
- SoK organisation: how computationalprivacy/mia_llms_benchmark runs its
  attacks, applied to our attack definitions. The loss pass is shared (its
  `nlloss` column), every other attack runs its own passes: min-k, min-k%++,
  surp, dc_pdd, lowercase and ratio each a batched pass; neighborhood and pac
  one text at a time (`batched=False`), with the masked LM queried one
  position at a time and the neighbours scored in full; recall and con_recall
  each their own prefixed passes; samia batched generation; gradnorm (MIMIR)
  one text at a time.

The reference is the target before fine-tuning; the target's weights are
nudged so that the ratio scores are not all zero. Prints seconds per attack
family (medians over `--repeats`), the largest score difference and the
ratio. Target: SoK organisation / ours >= 3.

    MOSAIC_ROOT=... python benchmarks/mia_scoring.py [--repeats 1] [--threads N] [overrides ...]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from mosaic_exp.canaries.stage import load_canaries  # noqa: E402
from mosaic_exp.config.compose import compose_config  # noqa: E402
from mosaic_exp.mia import attacks as A  # noqa: E402
from mosaic_exp.mia.bag_of_words import bag_of_words  # noqa: E402
from mosaic_exp.mia.dc_pdd import build_token_counts, dc_pdd, load_token_counts, smoothed_frequencies  # noqa: E402
from mosaic_exp.mia.evaluate import score_canaries  # noqa: E402
from mosaic_exp.mia.forward import token_scores  # noqa: E402
from mosaic_exp.mia.gradnorm import gradnorm_scores  # noqa: E402
from mosaic_exp.mia.neighborhood import canary_rng, make_neighbours, neighbourhood_score  # noqa: E402
from mosaic_exp.mia.pac import pac_scores  # noqa: E402
from mosaic_exp.mia.recall import build_prefix, choose_shots, con_recall, recall  # noqa: E402
from mosaic_exp.mia.samia import samia_scores  # noqa: E402
from mosaic_exp.mia.surp import surp  # noqa: E402
from mosaic_exp.perturb.mlm_candidates import replacement_candidates  # noqa: E402
from mosaic_exp.pipeline import canary_stages, resolve_models, tiny_models  # noqa: E402
from mosaic_exp.store import ArtifactStore  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TOLERANCE = 1e-4
FAMILIES = {  # the rows of the table: attacks that share nothing beyond the SoK's loss pass are rows of their own
    "one-pass attacks": ("loss", "zlib", "min_k", "min_k_plus", "surp", "dc_pdd", "lowercase", "ratio", "bag_of_words"),
    "neighborhood": ("neighborhood",),
    "pac": ("pac",),
    "recall, con_recall": ("recall", "con_recall"),
    "samia": ("samia",),
    "gradnorm": ("gradnorm",),
}


def sok_organised(world: dict, s, canaries, flags) -> tuple[list[dict], dict[str, float]]:
    """Every attack with its own passes, organised as the SoK benchmark runs them; seconds per attack."""
    target, tok, mlm, mlm_tok = world["target"], world["tokenizer"], world["mlm"], world["mlm_tokenizer"]
    bs, pad = s.batch_size, tok.pad_token_id or 0
    tokens = [list(map(int, c.tokens)) for c in canaries]
    rows: list[dict] = [{} for _ in canaries]
    seconds: dict[str, float] = defaultdict(float)

    def each(name: str, values) -> None:
        for row, v in zip(rows, values):
            row[name] = v

    frequencies = smoothed_frequencies(world["counts"])

    def own(moments: bool = False):
        return token_scores(target, tokens, bs, moments=moments, pad_id=pad)

    start = time.perf_counter()
    nlloss = own()  # the SoK's shared `nlloss` column
    each("loss", [A.loss(x) for x in nlloss])
    each("zlib", [A.zlib_score(x, c.text) for x, c in zip(nlloss, canaries)])
    seconds["loss"] = time.perf_counter() - start
    for name, fn in (
        ("min_k", lambda: [A.min_k(x, s.k) for x in own()]),
        ("min_k_plus", lambda: [A.min_k_plus(x, s.k) for x in own(moments=True)]),
        ("surp", lambda: [surp(x, s.surp_fraction, s.surp_max_entropy) for x in own(moments=True)]),
        ("dc_pdd", lambda: [dc_pdd(x, t, frequencies, s.dc_pdd_a) for x, t in zip(own(), tokens)]),
    ):
        start = time.perf_counter()
        each(name, fn())
        seconds[name] = time.perf_counter() - start
    start = time.perf_counter()
    lowered = token_scores(target, tok([c.text.lower() for c in canaries], add_special_tokens=False)["input_ids"], bs, pad_id=pad)
    each("lowercase", [A.lowercase(x, y) for x, y in zip(nlloss, lowered)])
    seconds["lowercase"] = time.perf_counter() - start
    start = time.perf_counter()
    ref, ref_tok = world["reference"], world["reference_tokenizer"]
    ref_ids = ref_tok([c.text.lstrip() for c in canaries], add_special_tokens=False)["input_ids"]
    each("ratio", [A.ratio(x, y) for x, y in zip(nlloss, token_scores(ref, ref_ids, bs, pad_id=ref_tok.pad_token_id or 0))])
    seconds["ratio"] = time.perf_counter() - start
    start = time.perf_counter()
    each("bag_of_words", bag_of_words([c.text for c in canaries], flags, s.bag_of_words_folds, s.bag_of_words_seed))
    seconds["bag_of_words"] = time.perf_counter() - start

    start = time.perf_counter()
    for row, t in zip(rows, tokens):  # one text at a time, the masked LM one position at a time
        mine = token_scores(target, [t], 1, pad_id=pad)[0]
        options = {}
        for p in range(len(t)):
            options.update(replacement_candidates([t], [[p]], tok, mlm, mlm_tok, s.neighborhood_top_k, 1)[0])
        neighbours = make_neighbours(t, options, s.neighborhood_neighbours, s.neighborhood_replaced, canary_rng(s.attack_seed, t))
        row["neighborhood"] = neighbourhood_score(mine, token_scores(target, neighbours, len(neighbours), pad_id=pad))
    seconds["neighborhood"] = time.perf_counter() - start
    start = time.perf_counter()
    pac_kwargs = {"swap_ratio": s.pac_swap_ratio, "k_min": s.pac_k_min, "k_max": s.pac_k_max, "seed": s.attack_seed, "pad_id": pad}
    for row, t in zip(rows, tokens):
        mine = token_scores(target, [t], 1, pad_id=pad)
        (row["pac"],) = pac_scores(target, [t], mine, num_augmentations=s.pac_augmentations, batch_size=s.pac_augmentations, **pac_kwargs)
    seconds["pac"] = time.perf_counter() - start

    non, mem = choose_shots(flags, s.recall_shots, s.attack_seed)
    scored = [i for i in range(len(tokens)) if i not in set(non) | set(mem)]
    room = target.config.max_position_embeddings - max(map(len, tokens))

    def prefixed(shots: list[int]) -> list[float]:
        prefix = build_prefix([tokens[i] for i in shots], (), room)
        full = token_scores(target, [prefix + tokens[i] for i in scored], bs, pad_id=pad)
        return [float(x.logprobs[len(x.logprobs) - (len(tokens[i]) - 1) :].mean()) for x, i in zip(full, scored)]

    for name in ("recall", "con_recall"):
        start = time.perf_counter()
        ll_non = prefixed(non)
        ll_mem = prefixed(mem) if name == "con_recall" else ll_non
        for j, i in enumerate(scored):
            ll = float(nlloss[i].logprobs.mean())
            rows[i][name] = recall(ll, ll_non[j]) if name == "recall" else con_recall(ll, ll_non[j], ll_mem[j], s.con_recall_gamma)
        seconds[name] = time.perf_counter() - start
    start = time.perf_counter()
    samia_kwargs = {"prefix_fraction": s.samia_prefix_fraction, "temperature": s.samia_temperature, "top_k": s.samia_top_k or None}
    each("samia", samia_scores(target, tokens, n_samples=s.samia_samples, seed=s.attack_seed, batch_size=bs, pad_id=pad, **samia_kwargs))
    seconds["samia"] = time.perf_counter() - start
    start = time.perf_counter()
    each("gradnorm", [gradnorm_scores(target, [t], batch_size=1, pad_id=pad)[0] for t in tokens])
    seconds["gradnorm"] = time.perf_counter() - start
    return rows, seconds


class ExtraTimes(logging.Handler):
    """Collects the seconds that `mosaic_exp.mia.extra` logs for each family of extra passes."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        found = re.match(r"(.+): \d+ texts in ([\d.]+) s", record.getMessage())
        if found:
            name = {"recall and con_recall": "recall, con_recall"}.get(found[1], found[1])
            self.seconds[name] = float(found[2])


def ours(world: dict, s, members, non_members) -> tuple[list[dict], dict[str, float]]:
    """`score_canaries` as the pipeline calls it; seconds per family from its own log lines."""
    handler = ExtraTimes()
    logger = logging.getLogger("mosaic_exp.mia.extra")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    start = time.perf_counter()
    rows = score_canaries(
        world["target"], world["tokenizer"], members, non_members, world["reference"], world["reference_tokenizer"],
        token_counts=world["counts"], settings=s, mlm=world["mlm"], mlm_tokenizer=world["mlm_tokenizer"],
    )  # fmt: skip
    total = time.perf_counter() - start
    logger.removeHandler(handler)
    return rows, {"one-pass attacks": total - sum(handler.seconds.values()), **handler.seconds}


def load_world(overrides: list[str]) -> tuple[dict, object, list, list]:
    root = Path(os.environ.get("MOSAIC_ROOT", REPO))
    cfg = compose_config(["experiment=fuzzy_mlm", "tiny_world.progress_bar=false", *overrides], root=root)
    store = ArtifactStore(cfg.paths.cache_dir)
    artifacts = canary_stages(cfg, store)
    models = resolve_models(cfg, tiny_models(artifacts))
    members, non_members = load_canaries(artifacts["canaries"].path)
    target, tokenizer = models.target.load_causal()
    reference, reference_tokenizer = models.reference.load_causal()
    mlm, mlm_tokenizer = models.mlm.load_masked()
    torch.manual_seed(0)
    with torch.no_grad():
        for p in target.parameters():
            p.add_(0.02 * torch.randn_like(p))
    counts = load_token_counts(build_token_counts(store, artifacts["corpus"], tokenizer))
    world = dict(target=target, tokenizer=tokenizer, reference=reference, reference_tokenizer=reference_tokenizer)
    world.update(mlm=mlm, mlm_tokenizer=mlm_tokenizer, counts=counts)
    return world, cfg.mia, members, non_members


def largest_difference(a: list[dict], b: list[dict], attack: str) -> float:
    """Largest |a − b| over the canaries both scored, relative to the score's scale where it exceeds 1."""
    pairs = [(x[attack], y[attack]) for x, y in zip(a, b) if x.get(attack) is not None and y.get(attack) is not None]
    return max(abs(x - y) / max(1.0, abs(y)) for x, y in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    world, s, members, non_members = load_world(args.overrides)
    flags = [True] * len(members) + [False] * len(non_members)
    our_times, sok_times = defaultdict(list), defaultdict(list)
    for _ in range(args.repeats):  # alternating, so that a busy machine slows both alike
        our_rows, seconds = ours(world, s, members, non_members)
        for family, t in seconds.items():
            our_times[family].append(t)
        sok_rows, seconds = sok_organised(world, s, list(members) + list(non_members), flags)
        for family, names in FAMILIES.items():
            sok_times[family].append(sum(seconds[n] for n in names))
    worst = {a: largest_difference(our_rows, sok_rows, a) for a in A.ATTACKS}
    assert set(worst) == set(A.ATTACKS) and all(a in our_rows[0] or a in our_rows[-1] for a in A.ATTACKS)

    print(f"{len(our_rows)} canaries x {len(A.ATTACKS)} attacks, CPU {torch.get_num_threads()} threads, batch {s.batch_size}, ", end="")
    print(f"medians of {args.repeats}; load averages {os.getloadavg()}")
    print(f"{'family':<22} {'SoK organisation s':>19} {'ours s':>8} {'speed-up':>9}")
    for family in FAMILIES:
        a, b = statistics.median(sok_times[family]), statistics.median(our_times[family])
        print(f"{family:<22} {a:>19.1f} {b:>8.1f} {a / b:>8.2f}x")
    total_sok = sum(statistics.median(v) for v in sok_times.values())
    total_ours = sum(statistics.median(v) for v in our_times.values())
    print(f"{'all 15 attacks':<22} {total_sok:>19.1f} {total_ours:>8.1f} {total_sok / total_ours:>8.2f}x")
    bad = {a: d for a, d in worst.items() if d > TOLERANCE}
    print(f"largest score difference {max(worst.values()):.2e} (tolerance {TOLERANCE:g}): {'same' if not bad else f'DIFFERENT {bad}'}")
    ratio = total_sok / total_ours
    print(f"target SoK organisation / ours >= 3: {ratio:.2f}x {'PASS' if ratio >= 3 and not bad else 'FAIL'}")


if __name__ == "__main__":
    main()
