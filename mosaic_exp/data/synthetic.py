"""A seeded generator of synthetic books with structure a tiny LM can learn.

Words come from a lexicon of pronounceable pseudo-words with Zipf-distributed
frequencies. Word order follows a sparse first-order Markov chain (each word has
a few likely successors), sentences are capitalized and end with punctuation,
paragraphs are separated by blank lines. A tiny LM learns the chain within a few
hundred steps, yet samples from it are diverse enough to make distinct canaries.
"""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

from mosaic_exp.data.books import Book, BookSplits
from mosaic_exp.errors import UserError
from mosaic_exp.fingerprint import FileDigests

_ONSETS = [
    "",
    "b",
    "br",
    "c",
    "ch",
    "d",
    "dr",
    "f",
    "g",
    "gr",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "pl",
    "r",
    "s",
    "sh",
    "st",
    "t",
    "th",
    "tr",
    "v",
    "w",
    "z",
]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
_CODAS = ["", "", "n", "r", "s", "l", "m", "nd", "st", "th", "x"]


class SyntheticCorpus:
    """Books of the tiny world; the same arguments always give the same books."""

    def __init__(
        self,
        n_books: int = 100,
        seed: int = 0,
        n_pretrain_books: int = 300,
        words_per_book: int = 2000,
        lexicon_size: int = 3000,
        zipf_exponent: float = 1.1,
        successors_per_word: int = 24,
        mean_sentence_words: float = 12.0,
        mean_paragraph_sentences: float = 5.0,
    ) -> None:
        if lexicon_size < 2 or successors_per_word < 1 or words_per_book < 1:
            raise UserError("corpus.lexicon_size must be >= 2, corpus.successors_per_word >= 1 and corpus.words_per_book >= 1")
        self.n_books = n_books
        self.n_pretrain_books = n_pretrain_books
        self.words_per_book = words_per_book
        self.mean_sentence_words = mean_sentence_words
        self.mean_paragraph_sentences = mean_paragraph_sentences
        self.rng = np.random.default_rng(seed)
        self.lexicon = self._make_lexicon(lexicon_size)
        ranks = np.arange(1, lexicon_size + 1, dtype=np.float64)
        self.unigram = ranks**-zipf_exponent
        self.unigram /= self.unigram.sum()
        self.successors, self.successor_cdf = self._make_chain(min(successors_per_word, lexicon_size))

    def _make_lexicon(self, size: int) -> list[str]:
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < size:
            n_syllables = 1 + self.rng.binomial(3, 0.35) + (len(words) > size // 4)
            word = "".join(
                _ONSETS[self.rng.integers(len(_ONSETS))] + _VOWELS[self.rng.integers(len(_VOWELS))] + _CODAS[self.rng.integers(len(_CODAS))]
                for _ in range(n_syllables)
            )
            if word not in seen:
                seen.add(word)
                words.append(word)
        return words

    def _make_chain(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each word's successors: ``k`` words drawn by frequency, Dirichlet weights."""
        n = len(self.lexicon)
        successors = np.empty((n, k), dtype=np.int64)
        cdf = np.empty((n, k), dtype=np.float64)
        for w in range(n):
            successors[w] = self.rng.choice(n, size=k, replace=False, p=self.unigram)
            weights = self.rng.dirichlet(np.full(k, 0.5))
            cdf[w] = np.cumsum(weights)
        cdf[:, -1] = 1.0
        return successors, cdf

    def _words(self, count: int) -> list[int]:
        word = int(self.rng.choice(len(self.lexicon), p=self.unigram))
        out = [word]
        uniforms = self.rng.random(count)
        for u in uniforms[1:]:
            j = int(np.searchsorted(self.successor_cdf[word], u, side="right"))
            word = int(self.successors[word, min(j, self.successors.shape[1] - 1)])
            out.append(word)
        return out

    def _book(self, index: int) -> Book:
        words = self._words(self.words_per_book)
        title_words = [self.lexicon[w].capitalize() for w in words[:3]]
        paragraphs: list[str] = []
        sentences: list[str] = []
        pos = 0
        while pos < len(words):
            length = max(3, int(self.rng.poisson(self.mean_sentence_words)))
            chunk = [self.lexicon[w] for w in words[pos : pos + length]]
            pos += length
            if len(chunk) > 6 and self.rng.random() < 0.4:
                comma = int(self.rng.integers(2, len(chunk) - 2))
                chunk[comma] += ","
            end = "?" if self.rng.random() < 0.08 else "."
            sentences.append(" ".join(chunk).capitalize() + end)
            if len(sentences) >= max(1, self.rng.poisson(self.mean_paragraph_sentences)):
                paragraphs.append(" ".join(sentences))
                sentences = []
        if sentences:
            paragraphs.append(" ".join(sentences))
        title = " ".join(title_words)
        return Book(book_id=f"synthetic-{index:05d}", title=title, text=title + "\n\n" + "\n\n".join(paragraphs) + "\n")

    def load(self) -> BookSplits:
        """Generates the fine-tuning books, then the pretraining books."""
        total = self.n_books + self.n_pretrain_books
        books = [self._book(i) for i in tqdm(range(total), desc="synthetic books", unit="book", disable=None)]
        return BookSplits(finetune=books[: self.n_books], pretrain=books[self.n_books :])

    def fingerprint(self, digests: FileDigests) -> dict:
        """Everything that determines the books is in the config already."""
        return {}
