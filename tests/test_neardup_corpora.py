"""The text corpora of the near-duplicate study (jsonl, parquet, text_dir, hf_dataset): reading, splitting, streaming, errors."""

from __future__ import annotations

import dataclasses
import gzip
import inspect
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from conftest import compose_config, word_level_tokenizer
from omegaconf import OmegaConf

from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.neardup import parts as parts_module
from mosaic_exp.neardup.config import (
    HFDatasetNeardupCorpusConfig,
    JsonlNeardupCorpusConfig,
    ParquetNeardupCorpusConfig,
    TextDirNeardupCorpusConfig,
)
from mosaic_exp.neardup.corpus import CorpusSource
from mosaic_exp.neardup.hf_dataset import HFDatasetCorpus
from mosaic_exp.neardup.jsonl import JsonlCorpus
from mosaic_exp.neardup.parquet import ParquetCorpus
from mosaic_exp.neardup.study import load_corpus
from mosaic_exp.neardup.text_dir import TextDirCorpus
from mosaic_exp.neardup.tokenizing import load_tokenizer, token_bytes_for, write_documents

N_DOCS = 60


def write_jsonl(path: Path, records: list, raw: bool = False) -> Path:
    """Records as JSON lines, compressed by the file's suffix (.gz, .zst)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(records if raw else map(json.dumps, records)) + "\n").encode()
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    elif path.name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def docs(real_paragraphs: list[str]) -> list[str]:
    """Real paragraphs, one of them empty (it keeps its id but holds no tokens)."""
    texts = real_paragraphs[:N_DOCS]
    texts[5] = ""
    return texts


def _parts(corpus, n_parts: int, out: Path) -> list:
    written = []
    for k in range(n_parts):
        (out / str(k)).mkdir(parents=True)
        written.append(corpus.write_part(k, n_parts, out / str(k)))
    return written


def test_jsonl_parts_are_contiguous_ranges_numbered_in_corpus_order(docs, bpe_tokenizer_dir: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "corpus.jsonl", [{"text": t, "n": i} for i, t in enumerate(docs)])
    tok = load_tokenizer(str(bpe_tokenizer_dir))
    corpus = JsonlCorpus(str(path), tokenizer=str(bpe_tokenizer_dir), batch_size=7)
    written = _parts(corpus, 3, tmp_path / "out")
    for k, part in enumerate(written):
        start, stop = k * N_DOCS // 3, (k + 1) * N_DOCS // 3
        expected = [i for i in range(start, stop) if docs[i]]
        bodies = part.documents()
        assert bodies[:, 0].tolist() == expected
        tokens = part.tokens()
        for doc_id, begin, end in bodies:
            assert tokens[begin:end].tolist() == tok(docs[doc_id], add_special_tokens=False)["input_ids"]
        sources = json.loads((tmp_path / "out" / str(k) / "sources.json").read_text())
        assert sources["files"] == [{"file": "corpus.jsonl", "first_doc_id": start, "documents": stop - start}]
        assert (sources["first_doc_id"], sources["documents"], sources["format"]) == (start, stop - start, "jsonl")


def _every_layout(docs: list[str], root: Path) -> dict[str, object]:
    """The same documents in every format and layout, each a corpus of the same order."""
    records = [{"text": t} for t in docs]
    one = write_jsonl(root / "one.jsonl", records)
    # A folder: files sorted by their path, at any depth; other and hidden files ignored.
    write_jsonl(root / "folder/a.jsonl.gz", records[:20])
    write_jsonl(root / "folder/b/c.jsonl.zst", records[20:45])
    write_jsonl(root / "folder/b/d.jsonl", records[45:])
    (root / "folder/README.md").write_text("not a document")
    write_jsonl(root / "folder/.hidden/e.jsonl", [{"text": "never read"}])
    (root / "pq").mkdir()
    pq.write_table(pa.table({"text": docs[:33]}), root / "pq/0.parquet", row_group_size=7)
    pq.write_table(pa.table({"text": docs[33:]}), root / "pq/1.parquet", row_group_size=5)
    (root / "txt/sub").mkdir(parents=True)
    for i, t in enumerate(docs):
        (root / ("txt/sub" if i >= 30 else "txt") / f"{i:03d}.txt").write_text(t)
    from datasets import Dataset

    Dataset.from_dict({"text": docs}).save_to_disk(str(root / "saved"))
    write_jsonl(root / "hf_files/train.jsonl", records)
    return {
        "jsonl file": JsonlCorpus(str(one)),
        "jsonl folder": JsonlCorpus(str(root / "folder")),
        "jsonl glob": JsonlCorpus(str(root / "folder/**/*.jsonl*")),
        "parquet": ParquetCorpus(str(root / "pq")),
        "parquet glob": ParquetCorpus(str(root / "pq/*.parquet")),
        "text_dir": TextDirCorpus(str(root / "txt")),
        "save_to_disk": HFDatasetCorpus(str(root / "saved")),
        "load_dataset": HFDatasetCorpus(str(root / "hf_files"), split="train"),
    }


def test_every_format_and_layout_gives_the_same_parts(docs, bpe_tokenizer_dir: Path, tmp_path: Path) -> None:
    corpora = _every_layout(docs, tmp_path / "in")
    reference = None
    for name, corpus in corpora.items():
        corpus.tokenizer, corpus.batch_size = str(bpe_tokenizer_dir), 8
        assert corpus.count() == N_DOCS, name
        assert inspect.isgenerator(corpus.read(0, N_DOCS)), name
        got = [(p.train.read_bytes(), p.size.read_bytes()) for p in _parts(corpus, 3, tmp_path / "out" / name)]
        reference = reference or got
        assert got == reference, name
    sources = json.loads((tmp_path / "out/jsonl folder/1/sources.json").read_text())["files"]
    assert sources == [{"file": "b/c.jsonl.zst", "first_doc_id": 20, "documents": 20}]


def test_documents_keep_their_ids_beside_the_part(docs, bpe_tokenizer_dir: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl.gz", [{"body": t, "url": f"https://x/{i}"} for i, t in enumerate(docs)])
    corpus = JsonlCorpus(str(path), text_field="body", id_field="url", tokenizer=str(bpe_tokenizer_dir))
    (tmp_path / "p").mkdir()
    corpus.write_part(1, 2, tmp_path / "p")
    ids = pq.read_table(tmp_path / "p/ids.parquet").to_pylist()
    assert ids == [{"doc_id": i, "id": f"https://x/{i}"} for i in range(30, 60)]
    (tmp_path / "txt").mkdir()
    for name in ("b.txt", "a.txt", "c.md"):
        (tmp_path / "txt" / name).write_text(f"text of {name}")
    (tmp_path / "t").mkdir()
    TextDirCorpus(str(tmp_path / "txt"), tokenizer=str(bpe_tokenizer_dir)).write_part(0, 1, tmp_path / "t")
    assert pq.read_table(tmp_path / "t/ids.parquet").to_pylist() == [{"doc_id": 0, "id": "a.txt"}, {"doc_id": 1, "id": "b.txt"}]


def test_text_dir_replaces_undecodable_bytes_and_skips_binary_files(bpe_tokenizer_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"caf\xe9 au lait")  # Latin-1, not UTF-8
    (tmp_path / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (tmp_path / "c.txt").write_text("plain text")
    corpus = TextDirCorpus(str(tmp_path), tokenizer=str(bpe_tokenizer_dir))
    assert [d.text for d in corpus.read(0, 3)] == ["caf\ufffd au lait", "", "plain text"]
    assert [d.text for d in TextDirCorpus(str(tmp_path), encoding="latin-1").read(0, 1)] == ["café au lait"]
    (tmp_path / "out").mkdir()
    part = corpus.write_part(0, 1, tmp_path / "out")
    assert part.documents()[:, 0].tolist() == [0, 2]  # the binary file keeps its id, holds nothing


def _bodies(part) -> np.ndarray:
    return np.concatenate([part.tokens()[begin:end] for _, begin, end in part.documents()])


def test_the_part_width_follows_the_tokenizers_length(real_paragraphs: list[str], wide_tokenizer_dir: Path, tmp_path: Path) -> None:
    assert (token_bytes_for(65_535), token_bytes_for(65_536)) == (2, 4)
    words = "the near duplicate study".split()
    # 65,530 fillers + 4 words + <unk>: 65,535 ids, the most that uint16 parts hold.
    fits = word_level_tokenizer(words, first_id=65_535 - 5)
    over = word_level_tokenizer(words, first_id=65_535 - 5, extra=1)  # one added token: len() counts it
    assert (len(fits), len(over)) == (65_535, 65_536)
    for tok, width in ((fits, 2), (over, 4)):
        out = tmp_path / str(width)
        part = write_documents(enumerate(["the study", "near duplicate"]), tok, out, index=0, batch_size=1)
        assert part.token_bytes == width and _bodies(part).max() == 65_535 - 5 + 3
    wide = JsonlCorpus(
        str(write_jsonl(tmp_path / "w.jsonl", [{"text": t} for t in real_paragraphs[:20]])), tokenizer=str(wide_tokenizer_dir)
    )
    (tmp_path / "wide").mkdir()
    part = wide.write_part(0, 1, tmp_path / "wide")
    assert part.token_bytes == 4 and _bodies(part).min() >= 0x10000


def test_documents_stream_through_in_batches(docs, bpe_tokenizer_dir: Path, tmp_path: Path, monkeypatch) -> None:
    pulled = 0
    appended_after: list[int] = []

    def documents():
        nonlocal pulled
        for i in range(10_000):
            pulled += 1
            yield i, docs[i % N_DOCS]

    real_add = parts_module.PartWriter.add

    def add(self, doc_id, tokens):
        appended_after.append(pulled)
        return real_add(self, doc_id, tokens)

    monkeypatch.setattr(parts_module.PartWriter, "add", add)
    write_documents(documents(), load_tokenizer(str(bpe_tokenizer_dir)), tmp_path / "part.train", index=0, batch_size=100)
    # A batch is read, tokenized and appended before the next is read: never more than one batch in memory.
    assert appended_after[0] == 100 and appended_after[-1] == 10_000
    assert all(after - k <= 100 for k, after in enumerate(appended_after))


def test_the_cache_key_covers_every_file_the_tokenizer_and_the_fields(docs, bpe_tokenizer_dir: Path, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "in/a.jsonl", [{"text": t} for t in docs[:30]])
    write_jsonl(tmp_path / "in/b.jsonl", [{"text": t} for t in docs[30:]])
    digests = FileDigests(tmp_path / "digests")

    def key(**kw) -> dict:
        return JsonlCorpus(str(tmp_path / "in"), tokenizer=str(bpe_tokenizer_dir), **kw).fingerprint(0, 2, digests)

    before = key()
    assert key() == before
    assert key(text_field="body") != before
    write_jsonl(tmp_path / "in/b.jsonl", [{"text": t} for t in docs[31:]])  # part 1's file: part 0 may start elsewhere
    assert key() != before
    assert "contiguous" in before["split"] and before["tokenizer"] == digests.tree(bpe_tokenizer_dir)["digest"]


def test_bad_input_is_a_clear_error(docs, bpe_tokenizer_dir: Path, tmp_path: Path) -> None:
    tok = str(bpe_tokenizer_dir)
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(FileNotFoundError, match="nowhere.jsonl: no such file or folder"):
        JsonlCorpus(str(tmp_path / "nowhere.jsonl")).count()
    with pytest.raises(FileNotFoundError, match=r"no \.jsonl / \.jsonl\.gz / \.jsonl\.zst files in"):
        JsonlCorpus(str(tmp_path / "empty_dir")).count()
    with pytest.raises(FileNotFoundError, match="files match"):
        JsonlCorpus(str(tmp_path / "empty_dir/**/*.jsonl")).count()
    good = write_jsonl(tmp_path / "good.jsonl", [{"text": t} for t in docs])
    with pytest.raises(FileNotFoundError, match="no_tokenizer': no tokenizer there, no such folder"):
        JsonlCorpus(str(good), tokenizer=str(tmp_path / "no_tokenizer")).write_part(0, 1, out)
    with pytest.raises(FileNotFoundError, match="no tokenizer there"):
        JsonlCorpus(str(good), tokenizer=str(tmp_path)).write_part(0, 1, out)
    with pytest.raises(ValueError, match="60 documents cannot make 61 parts; lower neardup.n_parts"):
        JsonlCorpus(str(good), tokenizer=tok).write_part(0, 61, out)
    cases = {
        "a.jsonl.zst": (['{"text": "fine"}', "", '{"body": "x"}'], r"a.jsonl.zst, line 3: no string field 'text' \(fields: body\)"),
        "b.jsonl": (['{"text": "fine"}', "{not json"], "b.jsonl, line 2: not JSON"),
        "c.jsonl": (["", "  "], "no documents"),
    }
    for name, (lines, message) in cases.items():
        with pytest.raises(ValueError, match=message):
            JsonlCorpus(str(write_jsonl(tmp_path / name, lines, raw=True)), tokenizer=tok).write_part(0, 1, out)
    (tmp_path / "d.jsonl.gz").write_bytes(b"plain bytes")
    with pytest.raises(ValueError, match="d.jsonl.gz: not a valid gzip file"):
        JsonlCorpus(str(tmp_path / "d.jsonl.gz")).count()
    (tmp_path / "e.jsonl.zst").write_bytes(b"plain bytes")
    with pytest.raises(ValueError, match="e.jsonl.zst: not a valid zstd file"):
        JsonlCorpus(str(tmp_path / "e.jsonl.zst")).count()


def test_bad_tables_and_folders_are_clear_errors(bpe_tokenizer_dir: Path, tmp_path: Path) -> None:
    tok = str(bpe_tokenizer_dir)
    out = tmp_path / "out"
    out.mkdir()
    tables = {
        "a.parquet": (pa.table({"body": ["x"]}), r"a.parquet has no column 'text' \(columns: body\)"),
        "b.parquet": (pa.table({"text": [1, 2]}), "column 'text' holds int64, not text"),
        "c.parquet": (pa.table({"text": ["x", None]}), "c.parquet, row 1: 'text' is null"),
    }
    for name, (table, message) in tables.items():
        pq.write_table(table, tmp_path / name)
        with pytest.raises(ValueError, match=message):
            ParquetCorpus(str(tmp_path / name), tokenizer=tok).write_part(0, 1, out)
    (tmp_path / "d.parquet").write_text("not parquet")
    with pytest.raises(ValueError, match="d.parquet: not a valid Parquet file"):
        ParquetCorpus(str(tmp_path / "d.parquet")).count()
    from datasets import Dataset, DatasetDict

    Dataset.from_dict({"body": ["x"]}).save_to_disk(str(tmp_path / "saved"))
    with pytest.raises(ValueError, match=r"has no column 'text' \(columns: body\)"):
        HFDatasetCorpus(str(tmp_path / "saved")).count()
    DatasetDict({"train": Dataset.from_dict({"text": ["x"]}), "test": Dataset.from_dict({"text": ["y"]})}).save_to_disk(
        str(tmp_path / "dict")
    )
    with pytest.raises(ValueError, match="holds the splits train, test; choose one with neardup.corpus.split"):
        HFDatasetCorpus(str(tmp_path / "dict")).count()
    assert HFDatasetCorpus(str(tmp_path / "dict"), split="test").count() == 1
    with pytest.raises(FileNotFoundError, match="no such dataset folder"):
        HFDatasetCorpus(str(tmp_path / "nowhere")).count()
    (tmp_path / "no_data").mkdir()
    with pytest.raises(ValueError, match="load_dataset cannot read it"):
        HFDatasetCorpus(str(tmp_path / "no_data")).count()
    with pytest.raises(FileNotFoundError, match=r"no files match neardup.corpus.glob=\*\*/\*.txt"):
        TextDirCorpus(str(tmp_path)).count()
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        TextDirCorpus(str(tmp_path / "a.parquet")).count()
    with pytest.raises(ValueError, match="not an encoding"):
        TextDirCorpus(str(tmp_path), encoding="klingon")


@pytest.mark.parametrize(
    "name, schema, kind",
    [
        ("jsonl", JsonlNeardupCorpusConfig, JsonlCorpus),
        ("parquet", ParquetNeardupCorpusConfig, ParquetCorpus),
        ("text_dir", TextDirNeardupCorpusConfig, TextDirCorpus),
        ("hf_dataset", HFDatasetNeardupCorpusConfig, HFDatasetCorpus),
    ],
)
def test_every_corpus_has_one_source_of_defaults(name: str, schema, kind, tmp_path: Path) -> None:
    cfg = compose_config(["task=neardup", f"neardup/corpus={name}", f"neardup.corpus.tokenizer={tmp_path}"], root=tmp_path)
    composed = OmegaConf.to_container(cfg.neardup.corpus, resolve=True)
    # The YAML ties only the path (to paths.data_dir); every other value is the dataclass's.
    defaults = {**dataclasses.asdict(schema()), "path": f"{tmp_path}/data/neardup/{name}", "tokenizer": str(tmp_path)}
    assert composed == defaults
    corpus = load_corpus(cfg.neardup.corpus)
    assert isinstance(corpus, kind) and isinstance(corpus, CorpusSource) and corpus.tokenizer_dir() == tmp_path


def test_memory_does_not_grow_with_the_corpus(real_paragraphs: list[str], bpe_tokenizer_dir: Path, tmp_path: Path) -> None:
    import tracemalloc

    load_tokenizer(str(bpe_tokenizer_dir))  # imports done before memory is traced (tracing them is slow)
    peaks = []
    for n in (300, 3000):
        path = write_jsonl(tmp_path / f"{n}.jsonl.gz", [{"text": real_paragraphs[i % len(real_paragraphs)]} for i in range(n)])
        (tmp_path / str(n)).mkdir()
        corpus = JsonlCorpus(str(path), tokenizer=str(bpe_tokenizer_dir), batch_size=50)
        tracemalloc.start()
        corpus.write_part(0, 1, tmp_path / str(n))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # Ten times the documents, the same peak: one batch is in memory at a time, whatever the corpus' size.
    assert peaks[1] < 1.2 * peaks[0], peaks
