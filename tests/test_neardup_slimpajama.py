"""The SlimPajama reader on tiny local .jsonl.zst files, existing parts, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import zstandard
from conftest import compose_config

from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.neardup.slimpajama import SlimPajamaCorpus
from mosaic_exp.neardup.study import build_study
from mosaic_exp.store import ArtifactStore
from mosaic_exp.world.tokenizer import causal_tokenizer, train_bpe

WORDS = "the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing matches".split()


PHRASE = "seven wizards quietly judge boxing matches over the lazy dog"


def _texts(seed: int, n: int) -> list[str]:
    """Random word salad; every fourth document opens with the same phrase."""
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(5, 60)))) for _ in range(n)]
    return [f"{PHRASE} {t}" if i % 4 == 0 else t for i, t in enumerate(texts)]


def _write(path: Path, records: list, raw: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = records if raw else [json.dumps(r) for r in records]
    path.write_bytes(zstandard.ZstdCompressor().compress(("\n".join(lines) + "\n").encode()))


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("tok")
    causal_tokenizer(train_bpe(_texts(0, 200), vocab_size=300, min_frequency=1), 1024).save_pretrained(d)
    return d


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, list[list[str]]]:
    """Four files in two chunks; 8 documents (2 per file) open with the same phrase."""
    root = tmp_path / "sp"
    files = []
    for k, name in enumerate(["chunk1/example_train_0", "chunk1/example_train_1", "chunk2/example_train_0", "chunk2/example_train_1"]):
        texts = _texts(k + 1, 6)
        _write(root / "train" / f"{name}.jsonl.zst", [{"text": t, "meta": {"k": k}} for t in texts])
        files.append(texts)
    return root, files


def test_parts_hold_every_document_tokenized(dataset, tokenizer_dir: Path, tmp_path: Path) -> None:
    root, files = dataset
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    corpus = SlimPajamaCorpus(str(root), tokenizer=str(tokenizer_dir), batch_size=4)
    for part in (0, 1):
        out = tmp_path / f"p{part}"
        out.mkdir()
        written = corpus.write_part(part, 2, out, threads=1)
        docs = written.documents()
        tokens = written.tokens()
        # Files sorted: chunk1/0, chunk1/1 -> part 0; chunk2/0, chunk2/1 -> part 1.
        texts = files[2 * part] + files[2 * part + 1]
        assert [int(d) for d in docs[:, 0]] == list(range(len(texts)))
        for (_doc_id, start, end), text in zip(docs, texts):
            assert tokens[start:end].tolist() == tok(text, add_special_tokens=False)["input_ids"]
        sources = json.loads((out / "sources.json").read_text())["files"]
        assert [s["file"] for s in sources] == [f"train/chunk{part + 1}/example_train_{i}.jsonl.zst" for i in (0, 1)]
        assert [s["first_doc_id"] for s in sources] == [0, 6]


def test_parallel_tokenization_gives_the_same_part(dataset, tokenizer_dir: Path, tmp_path: Path) -> None:
    root, _ = dataset
    corpus = SlimPajamaCorpus(str(root), tokenizer=str(tokenizer_dir))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = corpus.write_part(0, 1, tmp_path / "a", threads=1)
    two = corpus.write_part(0, 1, tmp_path / "b", threads=2)
    assert one.train.read_bytes() == two.train.read_bytes()
    assert one.size.read_bytes() == two.size.read_bytes()


def test_study_runs_on_slimpajama_and_on_existing_parts(dataset, tokenizer_dir: Path, tmp_path: Path) -> None:
    root, _ = dataset
    common = [
        "task=neardup",
        "neardup/corpus=slimpajama",
        f"neardup.corpus.path={root}",
        f"neardup.corpus.tokenizer={tokenizer_dir}",
        "neardup.length=8",
        "neardup.min_distinct=4",
        "neardup.threads=1",
        "neardup.buckets=[8]",
        "neardup.max_distance=3",
        "neardup.ngram_sizes=[2,4,8]",
    ]
    cfg = compose_config(common, root=tmp_path / "a")
    artifacts = build_study(cfg, ArtifactStore(cfg.paths.cache_dir)).run()
    summary = json.loads((artifacts["analysis"].path / "summary.json").read_text())
    targets = json.loads((artifacts["targets"].path / "targets.json").read_text())["targets"]
    assert [(t["bucket"], t["exact_count"]) for t in targets] == [("8", 8), ("random", targets[1]["exact_count"])]
    # The phrase's 8 copies, each at distance 0 for both metrics.
    assert summary["at_max_distance"]["8/hamming"] >= 8 and summary["at_max_distance"]["8/levenshtein"] >= 8
    # The parts just written, used as they are from another folder.
    parts = tmp_path / "parts"
    parts.mkdir()
    for i in (0, 1):
        src = artifacts[f"tokenize[{i}]"].path
        shutil.copy(src / "part.train", parts / f"sp_{i}.train")
        shutil.copy(src / "part.train.size", parts / f"sp_{i}.train.size")
    cfg = compose_config([*common, f"neardup.corpus.parts_dir={parts}"], root=tmp_path / "b")
    again = build_study(cfg, ArtifactStore(cfg.paths.cache_dir)).run()
    assert not (again["tokenize[0]"].path / "part.train").exists()  # referenced, not copied
    a = json.loads((artifacts["targets"].path / "targets.json").read_text())["targets"]
    b = json.loads((again["targets"].path / "targets.json").read_text())["targets"]
    assert [t["exact_count"] for t in a] == [t["exact_count"] for t in b]


def test_bad_input_is_a_clear_error(dataset, tokenizer_dir: Path, tmp_path: Path) -> None:
    root, _ = dataset
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FileNotFoundError, match="chunk\\*/example_train_\\*.jsonl.zst"):
        SlimPajamaCorpus(str(tmp_path / "nowhere")).files()
    with pytest.raises(ValueError, match="4 input files cannot make 5 parts"):
        SlimPajamaCorpus(str(root)).part_files(0, 5)
    with pytest.raises(FileNotFoundError, match="no tokenizer there"):
        SlimPajamaCorpus(str(root), tokenizer=str(tmp_path / "no_tok")).write_part(0, 4, out)
    bad = tmp_path / "bad"
    _write(bad / "train/chunk1/example_train_0.jsonl.zst", ['{"text": "fine"}', "{not json"], raw=True)
    with pytest.raises(ValueError, match="line 2: not JSON"):
        SlimPajamaCorpus(str(bad), tokenizer=str(tokenizer_dir)).write_part(0, 1, out)
    _write(bad / "train/chunk1/example_train_0.jsonl.zst", [{"content": "x"}])
    with pytest.raises(ValueError, match="line 1: no string field 'text'"):
        SlimPajamaCorpus(str(bad), tokenizer=str(tokenizer_dir)).write_part(0, 1, out)
    (bad / "train/chunk1/example_train_0.jsonl.zst").write_bytes(b"plain text, not zstd")
    with pytest.raises(ValueError, match="not a valid zstd file"):
        SlimPajamaCorpus(str(bad), tokenizer=str(tokenizer_dir)).write_part(0, 1, out)


def test_bad_existing_parts_are_clear_errors(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "a.train").write_bytes(np.array([0xFFFF, 0, 0, 5, 6], dtype="<u2").tobytes())
    (parts / "a.train.size").write_bytes(np.array([0, 8], dtype="<u8").tobytes())  # ends before the file does
    corpus = SlimPajamaCorpus(str(tmp_path), parts_dir=str(parts))
    with pytest.raises(ValueError, match="holds 1 parts but neardup.n_parts=2"):
        corpus.fingerprint(0, 2, FileDigests(None))
    with pytest.raises(ValueError, match="part 0 .* is not a valid 2-byte part"):
        corpus.write_part(0, 1, tmp_path)
    (parts / "a.train.size").unlink()
    with pytest.raises(FileNotFoundError, match="needs NAME.train.size"):
        corpus.write_part(0, 1, tmp_path)
