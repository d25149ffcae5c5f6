"""Huge documents are tokenized in pieces, to exactly the ids of the tokenizer on the whole text."""

from __future__ import annotations

import logging
import random
import textwrap
from pathlib import Path

import pytest
from families import real_texts, train_tokenizer

from mosaic_exp.neardup import tokenizing
from mosaic_exp.neardup.tokenizing import load_tokenizer, write_documents

# Small pieces, so that documents of a few thousand characters are huge here.
MAX_CHARS = 200


def c_like_text(paragraphs: list[str], n_chars: int, seed: int = 0) -> str:
    """At least ``n_chars`` of C-like source: tabs and spaces before lines, blank and space-only
    lines, trailing spaces, CRLF, a long line, unicode comments and docstring prose."""
    rng = random.Random(seed)
    blocks: list[str] = ["#include <stdio.h>\n#include <string.h>\n\n"]
    size = len(blocks[0])
    while size < n_chars:
        k = rng.randrange(10_000)
        kind = rng.randrange(6)
        if kind == 0:
            block = f'#define LIMIT_{k} {rng.randrange(1 << 16)}\n#define NAME_{k} "größe_{k}"\n'
        elif kind == 1:
            prose = textwrap.fill(rng.choice(paragraphs), width=rng.choice([60, 78]), initial_indent=" * ", subsequent_indent=" * ")
            block = f"/*\n * Größe — naïve café, 日本語 ✓ 🙂\n *\n{prose}\n */\n"
        elif kind == 2:
            block = (
                f"static int f_{k}(int a, const char *b)\n{{\n\tint x = {k};   \n    if (x > a) {{\n\t\treturn x;\n"
                f"    }}\n\n  \n\treturn (int)strlen(b);\n}}\n\n"
            )
        elif kind == 3:
            block = f"struct s_{k} {{ int a; char b[{k % 64}]; }};\r\n\r\ntypedef struct s_{k} s_{k}_t;\r\n"
        elif kind == 4:
            # One long line: no cut inside it.
            numbers = ", ".join(str(rng.randrange(1000)) for _ in range(120))
            block = f"static const int table_{k}[] = {{{numbers}}};\n"
        else:
            block = rng.choice(paragraphs) + "\n\n\t" + rng.choice(paragraphs) + "\n"
        blocks.append(block)
        size += len(block)
    return "".join(blocks)


@pytest.fixture(scope="module")
def sentencepiece_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Llama-2-style SentencePiece BPE: Metaspace marks the text's start with "▁", byte fallback."""
    return train_tokenizer("sentencepiece_bpe", real_texts(), tmp_path_factory.mktemp("llama"), vocab_size=800)


@pytest.fixture(scope="module")
def tiktoken_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Llama-3-style byte-level BPE, whose regexp joins punctuation with the newlines after it."""
    return train_tokenizer("tiktoken_bpe", real_texts(), tmp_path_factory.mktemp("tiktoken"), vocab_size=800)


@pytest.fixture(scope="module")
def documents(real_paragraphs: list[str]) -> list[str]:
    """Documents from empty to a hundred times MAX_CHARS, cut out of C-like text at odd places."""
    text = c_like_text(real_paragraphs, 60_000)
    sizes = [0, 1, 150, MAX_CHARS, MAX_CHARS + 1, 450, 3_000, 7_777, 20_000]
    docs = [text[len(text) - n :] if i % 2 else text[:n] for i, n in enumerate(sizes)]
    # No newline at all: never cut, encoded whole.
    docs.append("int x = 1; " * 100)
    return docs


def _written(part) -> dict[int, list[int]]:
    tokens = part.tokens()
    return {int(doc_id): tokens[begin:end].tolist() for doc_id, begin, end in part.documents()}


@pytest.mark.parametrize("tokenizer_dir", ["bpe_tokenizer_dir", "tiktoken_dir", "sentencepiece_llama_dir"])
def test_pieces_give_the_ids_of_the_whole_text(documents: list[str], tokenizer_dir: str, request, tmp_path: Path) -> None:
    tok = load_tokenizer(str(request.getfixturevalue(tokenizer_dir)))
    part = write_documents(enumerate(documents), tok, tmp_path / "part.train", index=0, batch_size=3, max_chars=MAX_CHARS)
    # The reference: the tokenizer on each whole text, independent of write_documents.
    expected = {i: tok(text, add_special_tokens=False)["input_ids"] for i, text in enumerate(documents)}
    assert _written(part) == {i: ids for i, ids in expected.items() if ids}
    assert len(documents[-2]) > 50 * MAX_CHARS


class Recording:
    """A tokenizer that remembers the longest text it was given."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer, self.longest, self.calls = tokenizer, 0, 0
        self.name_or_path = tokenizer.name_or_path

    def __len__(self) -> int:
        return len(self.tokenizer)

    def __call__(self, texts, **kwargs):
        self.longest = max([self.longest, *map(len, texts)])
        self.calls += 1
        return self.tokenizer(texts, **kwargs)


def test_a_byte_level_bpe_encodes_a_huge_document_in_pieces(
    real_paragraphs: list[str], bpe_tokenizer_dir: Path, tmp_path: Path, caplog
) -> None:
    tok = load_tokenizer(str(bpe_tokenizer_dir))
    text = c_like_text(real_paragraphs, 100_000, seed=1)
    recording = Recording(tok)
    with caplog.at_level(logging.WARNING):
        part = write_documents([(7, text)], recording, tmp_path / "part.train", index=0, batch_size=10, max_chars=MAX_CHARS)
    assert _written(part) == {7: tok(text, add_special_tokens=False)["input_ids"]}
    # Pieces of about MAX_CHARS, and the windows that check cuts (CHECK_CHARS on each side, to a line start).
    slack = 4 * tokenizing.CHECK_CHARS
    assert recording.longest <= MAX_CHARS + slack < len(text) / 10
    assert recording.calls > len(text) / (MAX_CHARS + slack)
    assert not caplog.records


def test_a_tokenizer_that_marks_every_start_encodes_huge_documents_whole(
    documents: list[str], sentencepiece_llama_dir: Path, tmp_path: Path, caplog
) -> None:
    tok = load_tokenizer(str(sentencepiece_llama_dir))
    # "▁" before the first word of every text: no cut keeps the ids.
    ids = {text: tok(text, add_special_tokens=False)["input_ids"] for text in ("x\n", "int", "x\nint")}
    assert ids["x\n"] + ids["int"] != ids["x\nint"]
    recording = Recording(tok)
    with caplog.at_level(logging.WARNING):
        write_documents(enumerate(documents), recording, tmp_path / "part.train", index=0, batch_size=3, max_chars=MAX_CHARS)
    assert recording.longest == max(map(len, documents))
    # One warning, naming the tokenizer and the first huge document's size.
    [warning] = caplog.records
    first_huge = next(text for text in documents if len(text) > MAX_CHARS)
    assert str(sentencepiece_llama_dir) in warning.getMessage() and f"({len(first_huge)} chars)" in warning.getMessage()
