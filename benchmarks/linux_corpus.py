"""The Linux kernel sources as a real-text corpus for the near-duplicate benchmarks.

Real code is full of boilerplate (licence headers, register tables, macros)
with thousands of near copies, unlike a synthetic Zipf corpus. This module
prepares it once in `--dir` and reuses it:

1. the sources from Debian's `linux-source` package, which the benchmark's
   machine needs installed first (not the tests')::

       apt-get install linux-source-6.1      # puts /usr/src/linux-source-6.1.tar.xz

   unpacked, keeping the C sources and headers (`*.c`, `*.h`) up to 256 KB
   (the 251 larger ones are generated register tables of up to 30 MB each,
   not the code a search is asked about);
2. a byte-level BPE (32,768 ids, GPT-2's pre-tokenization) trained locally on
   a sample of those files with `tokenizers`, saved as a transformers folder;
3. the files tokenized into parts by the study's own `text_dir` corpus (one
   document per file, in path order), and each part's suffix array.

Every step leaves its output under a final name only when complete, so an
interrupted preparation resumes.

    python benchmarks/linux_corpus.py --dir /tmp/linux-bench [--parts 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import tarfile
from pathlib import Path

from mosaic_exp import _rust_sa
from mosaic_exp.neardup.parts import Part
from mosaic_exp.neardup.text_dir import TextDirCorpus

TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
VOCAB = 32_768
GLOB = "**/*.[ch]"
MAX_FILE_BYTES = 256 * 1024


def unpack(tarball: Path, out: Path) -> Path:
    """The kernel tree's `.c` and `.h` files under `out/src` (unpacked once)."""
    src = out / "src"
    if src.is_dir():
        return src
    if not tarball.is_file():
        raise SystemExit(f"{tarball} is missing: install Debian's linux-source package first (apt-get install linux-source-6.1)")
    tmp = out / "src.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    # xz through the system tool (multi-threaded), members filtered by name.
    with subprocess.Popen(["xz", "-dc", "-T0", str(tarball)], stdout=subprocess.PIPE) as xz:
        with tarfile.open(fileobj=xz.stdout, mode="r|") as tar:
            for member in tar:
                if member.isfile() and member.name.endswith((".c", ".h")) and member.size <= MAX_FILE_BYTES:
                    tar.extract(member, tmp, filter="data")
    tmp.rename(src)
    return src


def train_tokenizer(src: Path, out: Path, sample_files: int = 4000, seed: int = 0) -> Path:
    """A byte-level BPE trained on `sample_files` files drawn with `seed`, saved with `save_pretrained`."""
    folder = out / "tokenizer"
    if (folder / "tokenizer.json").is_file():
        return folder
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    files = sorted(str(p) for p in src.glob(GLOB))
    sample = random.Random(seed).sample(files, min(sample_files, len(files)))
    bpe = ByteLevelBPETokenizer()
    bpe.train(sample, vocab_size=VOCAB, min_frequency=2, special_tokens=["<|endoftext|>"], show_progress=False)
    wrapped = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|endoftext|>", bos_token="<|endoftext|>")
    tmp = out / "tokenizer.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    wrapped.save_pretrained(tmp)
    tmp.rename(folder)
    return folder


def build_parts(src: Path, tokenizer: Path, out: Path, n_parts: int, threads: int) -> list[Part]:
    """The parts (one folder each, `done.json` once complete) and their suffix arrays."""
    corpus = TextDirCorpus(str(src), glob=GLOB, tokenizer=str(tokenizer), batch_size=256)
    parts = []
    for k in range(n_parts):
        folder = out / f"part-{k:03d}"
        done = folder / "done.json"
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            part = corpus.write_part(k, n_parts, folder, threads=threads)
            _rust_sa.make(str(part.train), token_bytes=part.token_bytes)
            record = {"train": str(part.train), "token_bytes": part.token_bytes, "tokens": part.n_tokens, "documents": part.n_documents}
            done.write_text(json.dumps(record))
        record = json.loads(done.read_text())
        train = Path(record["train"])
        parts.append(Part(k, train, Path(f"{train}.size"), record["token_bytes"], record["tokens"], record["documents"]))
    return parts


def prepare(out: Path, n_parts: int = 2, threads: int | None = None) -> tuple[Path, Path, list[Part]]:
    """Everything above, reused when present: the sources, the tokenizer folder and the parts."""
    out.mkdir(parents=True, exist_ok=True)
    threads = threads or os.cpu_count() or 1
    src = unpack(TARBALL, out)
    tokenizer = train_tokenizer(src, out)
    return src, tokenizer, build_parts(src, tokenizer, out, n_parts, threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/linux-bench"))
    parser.add_argument("--parts", type=int, default=2)
    args = parser.parse_args()
    _, tokenizer, parts = prepare(args.dir, args.parts)
    tokens = sum(p.n_tokens for p in parts)
    print(f"tokenizer {tokenizer}; {len(parts)} parts, {tokens:,} tokens, {sum(p.n_documents for p in parts):,} files")


if __name__ == "__main__":
    main()
