"""The whole experiment with every paper model family and tokenizer type, offline.

The paper pairs a GPT-Neo / Gemma / Llama-3.2 / Phi-2 target with a Llama-2
generator and reference (another tokenizer) and a RoBERTa masked LM. Tiny
stand-ins of each family (tests/families.py: the real config classes, and
tokenizers of each family's type trained on real English text) run canaries →
variations → injection → fine-tuning → every attack, and the test checks what
goes wrong across tokenizers: canaries that are not exactly ``length`` target
tokens or do not survive injection, the ratio attack reading the text in the
wrong tokenization, lowercase with SentencePiece, BOS in training chunks and
in scoring, padding for models that have no pad token.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import compose_config
from families import build_family, real_texts
from transformers import AutoModelForCausalLM, AutoTokenizer

from mosaic_exp.canaries.filters import survives_injection
from mosaic_exp.canaries.stage import load_canaries
from mosaic_exp.inject.stage import load_injected
from mosaic_exp.mia.attacks import ATTACKS
from mosaic_exp.tasks.train import train
from mosaic_exp.training.fit import causal_collate, fit_language_model
from mosaic_exp.training.packing import pack
from mosaic_exp.world.config import PretrainConfig

# (target, generator, reference, masked LM): the paper's pairings, and the other tokenizer types as targets.
SETTINGS = {
    "gpt_neo<-llama2": ("gpt_neo", "llama2", "llama2", "roberta"),
    "gemma<-llama2": ("gemma", "llama2", "llama2", "roberta"),
    "llama3<-gpt_neo": ("llama3", "gpt_neo", "llama2", "bert"),
    "phi<-llama3": ("phi", "llama3", "gemma", "roberta"),
}
LENGTH = 32
N_CANARIES = 6


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return real_texts()


@pytest.fixture(scope="module")
def books(texts: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A text_dir corpus of real English pages, one page a book."""
    folder = tmp_path_factory.mktemp("books")
    for i, text in enumerate(texts):
        (folder / f"{i:03d}.txt").write_text(text)
    return folder


@pytest.fixture(scope="module")
def families(texts: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every family's tiny model; generators briefly pretrained so that they write text-like samples."""
    out = {}
    generators = {setting[1] for setting in SETTINGS.values()}
    for name in sorted({f for setting in SETTINGS.values() for f in setting}):
        directory = build_family(name, texts, tmp_path_factory.mktemp(name), vocab_size=800, context_length=128)
        if name in generators:
            model = AutoModelForCausalLM.from_pretrained(directory)
            tokenizer = AutoTokenizer.from_pretrained(directory)
            ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
            rows = pack(ids, 128, tokenizer.eos_token_id)
            budget = PretrainConfig(max_steps=60, batch_size=8, lr=1e-2, warmup_steps=5)
            fit_language_model(model, rows, causal_collate, budget, 0, directory / "logs", causal=True, progress_bar=False)
            model.save_pretrained(directory)
        out[name] = directory
    return out


@torch.inference_mode()
def _mean_logprob(model, ids: list[int]) -> float:
    """Mean log-probability of tokens 1..n-1, one sequence alone (no padding, no batching)."""
    logits = model(torch.tensor([ids])).logits[0, :-1].float()
    return float(torch.log_softmax(logits, -1).gather(-1, torch.tensor(ids[1:])[:, None]).mean())


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_whole_experiment_across_families(setting: str, families: dict[str, Path], books: Path, tmp_path: Path) -> None:
    target, generator, reference, mlm = (families[name] for name in SETTINGS[setting])
    out = tmp_path / "run"
    cfg = compose_config(
        [
            "experiment=fuzzy_mlm",
            "R=3",
            f"model.name_or_path={target}",
            f"generator.name_or_path={generator}",
            f"reference.name_or_path={reference}",
            f"mlm.name_or_path={mlm}",
            "corpus=text_dir",
            f"corpus.path={books}",
            f"corpus.n_books={N_CANARIES}",
            f"canaries.length={LENGTH}",
            f"canaries.n_members={N_CANARIES}",
            f"canaries.n_non_members={N_CANARIES}",
            "canaries.batch_size=32",
            "canaries.max_draws=4000",
            # 32-token canaries over an 800-token vocabulary share their common tokens more than real ones.
            "canaries.max_jaccard=0.5",
            "mia.every_n_steps=20",
            "mia.batch_size=4",
            # ReCaLL's shots are held out of its evaluation: 2 of each class leave 4 of 6 to score.
            "mia.recall_shots=2",
            "train.val_max_rows=4",
            "trainer.enable_progress_bar=false",
            "save_model=true",
            f"paths.output_dir={out}",
        ],
        root=tmp_path,
    )
    results = train(cfg)
    artifacts = results["artifacts"]
    target_tok = AutoTokenizer.from_pretrained(target)

    # Canaries: exactly `length` target tokens, whose text reads back as those tokens inside a book.
    members, non_members = load_canaries(artifacts["canaries"])
    for canary in members + non_members:
        assert len(canary.tokens) == LENGTH and target_tok.decode(canary.tokens) == canary.text
        assert survives_injection(canary.tokens, target_tok)
    report = json.loads((Path(artifacts["canaries"]) / "canaries.json").read_text())["report"]
    assert report["members"]["accepted"] == N_CANARIES

    # Injection: every reference copy is in the tokenized book token for token.
    injected, insertions = load_injected(artifacts["inject"])
    references = [c for c in insertions if c.kind == "reference"]
    assert len(references) == N_CANARIES and all(c.token_exact for c in references)

    # Training chunks: books tokenized with the family's special tokens (a BOS per book for Llama and Gemma);
    # a last chunk of one token has nothing to predict and is left out.
    book_ids = target_tok(list(injected["text"]))["input_ids"]
    if target_tok.bos_token_id is not None and target_tok("a")["input_ids"][0] == target_tok.bos_token_id:
        assert all(ids[0] == target_tok.bos_token_id for ids in book_ids)
    assert results["train"]["tokens"] == sum(len(ids) - (len(ids) % 128 == 1) for ids in book_ids)
    assert results["train"]["steps"] > 0

    # Every attack, with values an independent one-sequence-at-a-time scoring reproduces.
    assert set(results["attacks"]) == set(ATTACKS)
    rows = [json.loads(line) for line in (out / "scores.jsonl").read_text().splitlines()]
    assert len(rows) == 2 * N_CANARIES
    assert [sum(r[a] is None for r in rows) for a in ATTACKS] == [4 if a in ("recall", "con_recall") else 0 for a in ATTACKS]
    tuned = AutoModelForCausalLM.from_pretrained(out / "model").eval()
    ref_model = AutoModelForCausalLM.from_pretrained(reference).eval()
    ref_tok = AutoTokenizer.from_pretrained(reference)
    for row in rows:
        canary = (members if row["member"] else non_members)[row["canary"]]
        # ReCaLL's held-out shots are the only canaries an attack leaves unscored (None).
        assert all(torch.isfinite(torch.tensor(row[a])) for a in ATTACKS if row[a] is not None)
        # Ratio: the reference reads the canary's words in its own tokenization, without BOS (as the authors scored).
        ref_ids = ref_tok(canary.text.lstrip(), add_special_tokens=False)["input_ids"]
        assert row["loss"] - row["ratio"] == pytest.approx(_mean_logprob(ref_model, ref_ids), abs=1e-4)
        # Loss: the canary's own target tokens, no BOS; padding in batches changes nothing.
        assert row["loss"] == pytest.approx(_mean_logprob(tuned, canary.tokens), abs=1e-4)
        # Lowercase: the lowercased text in the target's tokenization (SentencePiece included).
        lowered = target_tok(canary.text.lower(), add_special_tokens=False)["input_ids"]
        assert row["loss"] - row["lowercase"] == pytest.approx(_mean_logprob(tuned, lowered), abs=1e-4)
