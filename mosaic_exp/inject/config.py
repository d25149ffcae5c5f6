"""Config of the injection stage (``conf/inject/``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class InjectMode(str, Enum):
    """How a copy enters its book (see conf/inject/default.yaml)."""

    text = "text"  # its text at a whitespace, tokenized with the book: the paper's way
    tokens = "tokens"  # its token ids at a word boundary of the tokenized book: token-exact by construction


@dataclass
class InjectConfig:
    """Where copies go inside a book."""

    seed: int = 0
    mode: InjectMode = InjectMode.text
