"""A synthetic token corpus with planted exact and near duplicates, and its ground truth.

Tokens are drawn directly rather than by tokenizing synthetic text: a planted
variant must sit at an exact, known token distance from its sequence, and
re-tokenizing edited text moves token boundaries around every edit. Drawing
tokens also skips training a tokenizer, which keeps the default run short.

Background documents are i.i.d. Zipf tokens (frequent ids, like real text).
Planted sequences are drawn uniformly without replacement, so they have
``length`` distinct tokens and no background window comes near them. Each one
is copied exactly ``count`` times (one count per target bucket), and variants
of it are planted at known Hamming distances (substitutions) and with known
numbers of insertion/deletion pairs (Levenshtein). Decoys, repeated just
outside each bucket's tolerance, check that target sampling respects it.
Every planted item sits at least ``min_gap`` background tokens from the next,
so any window within reach of a planted item overlaps that item alone, and
the ``length`` tokens on either side of an item are uniform (see ``_margins``).

The ground truth of a variant is the closest window overlapping it (earliest
on ties), computed here window by window, independently of rust_sa's scan: an
edit near the ends can make a shifted window closer than the planted one.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

from mosaic_exp.atomic import write_text_atomic
from mosaic_exp.errors import UserError
from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.neardup.artifacts import TRUTH
from mosaic_exp.neardup.config import PlantedNeardupCorpusConfig
from mosaic_exp.neardup.distance import hamming_windows
from mosaic_exp.neardup.parts import TRAIN, Part, PartWriter
from mosaic_exp.neardup.progress import progress


@dataclass
class _Item:
    sequence: int
    kind: str  # exact | hamming | levenshtein | decoy
    designed: int  # substitutions, or insertion/deletion pairs
    tokens: np.ndarray


class PlantedCorpus:
    """Seeded documents with planted duplicates; the same arguments give the same corpus."""

    def __init__(
        self,
        *,
        seed: int,
        n_documents: int,
        document_length: int,
        vocab_size: int,
        zipf_exponent: float,
        length: int,
        counts: Sequence[int],
        sequences_per_count: int,
        hamming_distances: Sequence[int],
        levenshtein_edits: Sequence[int],
        decoy_offset: float,
        min_gap: int,
    ) -> None:
        """The fields of :class:`PlantedNeardupCorpusConfig`, which holds their defaults (see :meth:`from_config`)."""
        if not 1 <= length <= vocab_size:
            raise UserError(f"planted corpus: length={length} must be between 1 and vocab_size={vocab_size}")
        if not 2 <= vocab_size <= 0xFFFF:
            raise UserError(f"planted corpus: vocab_size={vocab_size} must be in 2..65535 (uint16 parts)")
        if any(c < 1 for c in counts):
            raise UserError(f"planted corpus: every count must be ≥ 1, got {list(counts)}")
        if any(not 0 < d <= length for d in hamming_distances):
            raise UserError(f"planted corpus: hamming_distances must lie in 1..{length}")
        if any(not 0 < e < length // 2 for e in levenshtein_edits):
            raise UserError(f"planted corpus: levenshtein_edits must lie in 1..{length // 2 - 1}")
        if n_documents < 1 or document_length < 1 or min_gap < length:
            raise UserError("planted corpus: n_documents and document_length must be ≥ 1 and min_gap ≥ length")
        self.seed = seed
        self.n_documents = n_documents
        self.document_length = document_length
        self.vocab_size = vocab_size
        self.zipf_exponent = zipf_exponent
        self.length = length
        self.counts = [int(c) for c in counts]
        self.sequences_per_count = sequences_per_count
        self.hamming_distances = [int(d) for d in hamming_distances]
        self.levenshtein_edits = [int(e) for e in levenshtein_edits]
        self.decoy_offset = decoy_offset
        self.min_gap = min_gap

    @classmethod
    def from_config(cls, config: PlantedNeardupCorpusConfig) -> PlantedCorpus:
        """The corpus of a config object (``PlantedNeardupCorpusConfig()`` for the defaults)."""
        fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name != "_target_"}
        return cls(**fields)

    def fingerprint(self, part: int, n_parts: int, digests: FileDigests) -> None:
        """Nothing beyond the config: the corpus is drawn from its seed."""
        return None

    def tokenizer_dir(self) -> None:
        """None: the tokens are drawn, no tokenizer made them."""
        return None

    # --- the plan ------------------------------------------------------------

    def _sequences(self, rng: np.random.Generator) -> list[dict]:
        """Planted sequences: one group per count, then decoys around each count."""
        seqs = []
        for count in self.counts:
            for _ in range(self.sequences_per_count):
                seqs.append({"count": count, "bucket": count, "role": "bucket"})
        if self.decoy_offset > 0:
            for count in self.counts:
                above = max(count + 1, math.ceil(count * (1 + self.decoy_offset)))
                below = min(count - 1, math.floor(count * (1 - self.decoy_offset)))
                seqs.append({"count": above, "bucket": count, "role": "decoy"})
                if below >= 2:
                    seqs.append({"count": below, "bucket": count, "role": "decoy"})
        for i, s in enumerate(seqs):
            s["id"] = i
            s["tokens"] = rng.choice(self.vocab_size, size=self.length, replace=False)
        return seqs

    def _substitute(self, rng: np.random.Generator, tokens: np.ndarray, k: int) -> np.ndarray:
        out = tokens.copy()
        for p in rng.choice(self.length, size=k, replace=False):
            # Shifting by 1..V-1 modulo V never gives back the original token.
            out[p] = (out[p] + rng.integers(1, self.vocab_size)) % self.vocab_size
        return out

    def _indels(self, rng: np.random.Generator, tokens: np.ndarray, pairs: int) -> np.ndarray:
        """``pairs`` deletions and as many insertions: same length, distance ≤ 2·pairs."""
        kept = np.delete(tokens, rng.choice(self.length, size=pairs, replace=False))
        out = list(kept)
        for _ in range(pairs):
            out.insert(int(rng.integers(0, len(out) + 1)), int(rng.integers(self.vocab_size)))
        return np.asarray(out, dtype=np.int64)

    def _items(self, rng: np.random.Generator, seqs: list[dict]) -> list[_Item]:
        items = []
        for s in seqs:
            items += [_Item(s["id"], "decoy" if s["role"] == "decoy" else "exact", 0, s["tokens"])] * s["count"]
            if s["role"] != "bucket":
                continue
            items += [_Item(s["id"], "hamming", k, self._substitute(rng, s["tokens"], k)) for k in self.hamming_distances]
            items += [_Item(s["id"], "levenshtein", e, self._indels(rng, s["tokens"], e)) for e in self.levenshtein_edits]
        return items

    def generate(self) -> tuple[list[dict], list[np.ndarray], list[list[tuple[int, _Item]]]]:
        """The whole corpus: sequences, document bodies, and per document its ``(offset, item)`` list."""
        rng = np.random.default_rng(self.seed)
        seqs = self._sequences(rng)
        items = self._items(rng, seqs)
        host = rng.integers(self.n_documents, size=len(items))
        lengths = rng.integers(max(1, self.document_length // 2), self.document_length * 3 // 2 + 1, size=self.n_documents)
        ranks = np.arange(1, self.vocab_size + 1, dtype=np.float64) ** -self.zipf_exponent
        zipf = ranks / ranks.sum()
        by_doc: list[list[_Item]] = [[] for _ in range(self.n_documents)]
        for i in rng.permutation(len(items)):
            by_doc[host[i]].append(items[i])
        docs, placed = [], []
        for d in progress(range(self.n_documents), desc="draw planted corpus", unit="doc"):
            hosted = by_doc[d]
            n_background = max(int(lengths[d]), (len(hosted) + 1) * self.min_gap)
            background = rng.choice(self.vocab_size, size=n_background, p=zipf)
            # Gaps of at least min_gap between items; the rest spread at random.
            spare = n_background - (len(hosted) + 1) * self.min_gap
            gaps = self.min_gap + rng.multinomial(spare, np.full(len(hosted) + 1, 1 / (len(hosted) + 1)))
            pieces, where, cursor, used = [], [], 0, 0
            for j, (item, gap) in enumerate(zip(hosted, gaps)):
                pieces.append(self._margins(rng, background[used : used + gap], j > 0, True))
                used += gap
                cursor += gap
                where.append((cursor, item))
                pieces.append(item.tokens)
                cursor += self.length
            pieces.append(self._margins(rng, background[used:], bool(hosted), False))
            docs.append(np.concatenate(pieces).astype(np.int64))
            placed.append(where)
        return seqs, docs, placed

    # --- one part ------------------------------------------------------------

    def _margins(self, rng: np.random.Generator, gap: np.ndarray, after_item: bool, before_item: bool) -> np.ndarray:
        """Uniform tokens within ``length`` of a planted item.

        With Zipf tokens next to it, the frequent ids would sit in front of
        many copies of a sequence, and the windows shifted onto them would
        repeat tens of times: unplanned clusters in the buckets.
        """
        gap = gap.copy()
        k = min(self.length, len(gap))
        if after_item:
            gap[:k] = rng.integers(self.vocab_size, size=k)
        if before_item:
            gap[len(gap) - k :] = rng.integers(self.vocab_size, size=k)
        return gap

    def part_documents(self, part: int, n_parts: int) -> range:
        """Global ids of the documents of ``part``: a contiguous block."""
        if not 0 <= part < n_parts:
            raise UserError(f"part {part} is not one of the {n_parts} parts (0..{n_parts - 1})")
        if n_parts > self.n_documents:
            raise UserError(f"{n_parts} parts need at least as many documents, not {self.n_documents}")
        return range(part * self.n_documents // n_parts, (part + 1) * self.n_documents // n_parts)

    def write_part(self, part: int, n_parts: int, directory: Path, *, threads: int = 1) -> Part:
        """Writes part ``part`` of ``n_parts`` and its ground truth (``truth.json``).

        ``threads`` is unused: drawing the corpus is quick and must stay in one seeded stream.
        """
        seqs, docs, placed = self.generate()
        train = Path(directory) / TRAIN
        occurrences = []
        documents = self.part_documents(part, n_parts)
        with PartWriter(train, token_bytes=2) as writer:
            for d in progress(documents, desc=f"part {part}", unit="doc"):
                start = writer.add(d, docs[d])
                for offset, item in placed[d]:
                    occurrences.append(self._truth(item, d, start, offset, docs[d], seqs))
        truth = {
            "length": self.length,
            "sequences": [{k: (v.tolist() if k == "tokens" else v) for k, v in s.items()} for s in seqs],
            "occurrences": occurrences,
        }
        # Compact: the truth of a large corpus lists every planted item.
        write_text_atomic(Path(directory) / TRUTH, json.dumps(truth))
        return Part(part, train, Path(f"{train}.size"), 2, writer.n_tokens, writer.n_documents)

    def _truth(self, item: _Item, doc_id: int, start: int, offset: int, body: np.ndarray, seqs: list[dict]) -> dict:
        row = {
            "sequence": item.sequence,
            "kind": item.kind,
            "designed": item.designed,
            "doc_id": int(doc_id),
            "offset": int(offset),
            "position": int(start + offset),
        }
        if item.kind in ("exact", "decoy"):
            # Distance 0 at the copy itself; every other overlapping window
            # holds background tokens, so the copy is the unique closest.
            row["hamming"] = row["levenshtein"] = [row["offset"], row["position"], 0]
            return row
        target = seqs[item.sequence]["tokens"]
        lo, hi = max(0, offset - self.length + 1), min(len(body) - self.length, offset + self.length - 1)
        offsets = np.arange(lo, hi + 1)
        ham = hamming_windows(body, target, offsets)
        target_list = target.tolist()
        lev = np.array([Levenshtein.distance(target_list, body[o : o + self.length].tolist()) for o in offsets])
        for name, dist in (("hamming", ham), ("levenshtein", lev)):
            best = int(np.argmin(dist))  # argmin takes the first minimum: earliest on ties
            row[name] = [int(offsets[best]), int(start + offsets[best]), int(dist[best])]
        return row


def load_truth(paths: dict[int, Path]) -> dict:
    """Merges the ``truth.json`` files of parts (``{part index: path}``); sequences are the same in each."""
    merged: dict = {}
    for part, path in sorted(paths.items()):
        data = json.loads(Path(path).read_text())
        if not merged:
            merged = {"length": data["length"], "sequences": data["sequences"], "occurrences": []}
        merged["occurrences"] += [{**o, "part": part} for o in data["occurrences"]]
    return merged
