"""DC-PDD: token probabilities calibrated by how common each token is in a reference corpus.

Zhang et al. 2024, "Pretraining Data Detection for Large Language Models: A
Divergence-based Calibration Method" (EMNLP 2024, arXiv:2409.14781). A high
probability of a token that is common anyway says little; a high probability
of a rare token says the model has seen the text. For the first occurrence of
each token x_i in the text (repeats would count a memorized token again)

    α_i = min(p(x_i | x_<i) · (−log f(x_i)), a),    score = mean_i α_i,

with f the Laplace-smoothed relative frequency of the token in the reference
corpus, (count + 1) / (total + V), and the clip ``a`` (0.01, MIMIR's default)
keeping a few confident tokens from dominating. Higher = member.

Our first token is not scored (it has no prefix; the authors prepend an EOS
instead), so the first occurrences are taken among tokens 1..n−1.

The reference corpus is the corpus's ``pretrain`` split, or the texts that
``mia.dc_pdd_corpus`` names (a labelled dataset has no corpus of ours; the
authors count a slice of a public corpus such as C4), tokenized with the
target's tokenizer and counted once: :func:`build_token_counts` and
:func:`build_file_counts` cache the counts over the vocabulary as a stage of
the artifact store, keyed by the corpus (its artifact, or its files' contents)
and the tokenizer's full definition (not the model's weights, so a fine-tuned
target with its base tokenizer reuses the counts).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from mosaic_exp.data.stage import book_texts
from mosaic_exp.errors import UserError, existing
from mosaic_exp.mia.datasets import as_text, field, read_records
from mosaic_exp.mia.forward import TokenScores
from mosaic_exp.store import Artifact, ArtifactStore

VERSION = 1
COUNTS = "token_counts.npy"
SPLIT = "pretrain"
SETTING = "mia.dc_pdd_corpus"
SUFFIXES = (".txt", ".jsonl", ".jsonl.gz")


def tokenizer_fingerprint(tokenizer: PreTrainedTokenizerBase) -> str:
    """A hash of everything that decides how the tokenizer splits text (vocabulary, merges, normalizer)."""
    if getattr(tokenizer, "is_fast", False):
        definition = tokenizer.backend_tokenizer.to_str()
    else:
        definition = json.dumps(sorted(tokenizer.get_vocab().items()))
    return hashlib.sha256(f"{type(tokenizer).__name__}\0{definition}".encode()).hexdigest()


def count_tokens(texts: Iterable[str], tokenizer: PreTrainedTokenizerBase) -> np.ndarray:
    """Occurrences of every token id of the vocabulary in ``texts`` (no special tokens added)."""
    counts = np.zeros(len(tokenizer), dtype=np.int64)
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        if ids:
            found = np.bincount(np.asarray(ids), minlength=len(counts))
            if len(found) > len(counts):
                counts = np.pad(counts, (0, len(found) - len(counts)))
            counts += found
    return counts


def build_token_counts(store: ArtifactStore, corpus: Artifact, tokenizer: PreTrainedTokenizerBase) -> Artifact:
    """The token counts of the corpus's ``pretrain`` split under ``tokenizer``, built once per corpus and tokenizer."""
    spec = {"version": VERSION, "corpus": corpus.key, "split": SPLIT, "tokenizer": tokenizer_fingerprint(tokenizer)}

    def build(directory: Path) -> None:
        np.save(directory / COUNTS, count_tokens(book_texts(corpus.path, SPLIT), tokenizer))

    return store.build("token_counts", spec, build)


def reference_files(path: str | Path) -> list[Path]:
    """The files of a reference corpus: one ``.txt``/``.jsonl``/``.jsonl.gz`` file, or every such file under a folder."""
    root = existing(path, SETTING, "file or folder")
    files = sorted(f for f in root.rglob("*") if f.is_file() and f.name.endswith(SUFFIXES)) if root.is_dir() else [root]
    if not files or not all(f.name.endswith(SUFFIXES) for f in files):
        raise UserError(f"{SETTING}={path} holds no {', '.join(SUFFIXES)} file; point it at reference texts")
    return files


def reference_texts(files: Sequence[Path]) -> Iterator[str]:
    """Each ``.txt`` file as one text, each JSONL record's ``text`` field as one."""
    for f in files:
        if f.suffix == ".txt":
            yield f.read_text(encoding="utf-8", errors="replace")
            continue
        for number, record in read_records(f, SETTING):
            yield as_text(field(record, "text", f"{f} line {number}", SETTING), f"{f} line {number}")


def build_file_counts(store: ArtifactStore, path: str | Path, tokenizer: PreTrainedTokenizerBase) -> Artifact:
    """The token counts of the reference texts at ``path`` (``mia.dc_pdd_corpus``), built once per contents and tokenizer."""
    files = reference_files(path)
    spec = {"version": VERSION, "files": [store.digests.file(f) for f in files], "tokenizer": tokenizer_fingerprint(tokenizer)}

    def build(directory: Path) -> None:
        np.save(directory / COUNTS, count_tokens(reference_texts(files), tokenizer))

    return store.build("token_counts", spec, build)


def load_token_counts(artifact: Artifact | str | Path) -> np.ndarray:
    """The counts a :func:`build_token_counts` artifact holds."""
    path = artifact.path if isinstance(artifact, Artifact) else Path(artifact)
    return np.load(path / COUNTS)


def smoothed_frequencies(counts: np.ndarray) -> torch.Tensor:
    """Laplace-smoothed relative frequencies, (count + 1) / (total + V): never 0, so −log f is finite."""
    counts = torch.as_tensor(np.asarray(counts), dtype=torch.float64)
    return (counts + 1) / (counts.sum() + len(counts))


def first_occurrences(tokens: Sequence[int]) -> list[int]:
    """Positions of the first occurrence of each distinct token, in order."""
    seen: set[int] = set()
    positions = []
    for i, token in enumerate(tokens):
        if token not in seen:
            seen.add(token)
            positions.append(i)
    return positions


def dc_pdd(target: TokenScores, tokens: Sequence[int], frequencies: torch.Tensor, a: float = 0.01) -> float:
    """Mean of min(p · (−log f), a) over the first occurrences among the scored tokens ``tokens[1:]``.

    ``frequencies`` is :func:`smoothed_frequencies` of the reference counts; a
    token id beyond it (absent from the reference vocabulary) gets the
    frequency of an unseen token.
    """
    scored = [int(t) for t in tokens[1:]]
    if len(scored) != len(target.logprobs):
        raise ValueError(f"{len(tokens)} tokens but {len(target.logprobs)} token scores (tokens 1..n-1 are scored)")
    positions = first_occurrences(scored)
    unseen = float(frequencies.min())
    f = torch.tensor([float(frequencies[scored[i]]) if scored[i] < len(frequencies) else unseen for i in positions], dtype=torch.float64)
    p = target.logprobs[positions].double().exp()
    alpha = (p * -f.log()).clamp_max(a)
    return float(alpha.mean())
