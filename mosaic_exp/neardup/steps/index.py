"""``neardup.step=index``, per part: tokenize, suffix array, self-similar sequences.

Each part depends only on its own inputs, so the parts are the jobs of an array.
"""

from __future__ import annotations

from pathlib import Path

from mosaic_exp import _rust_sa
from mosaic_exp.atomic import write_json_atomic
from mosaic_exp.neardup.artifacts import CLUSTER_COUNTS, CLUSTER_POSITIONS, PART, SUFFIX_ARRAY, ArtifactKey, Stage
from mosaic_exp.neardup.config import NeardupStep
from mosaic_exp.neardup.steps.base import Artifacts, Step, read_part
from mosaic_exp.store import Artifact

# Bump when a stage's files change; the old artifacts then get new keys.
VERSION = 1


class IndexStep(Step):
    """Tokenizes a part into the interchange format, builds its suffix array, finds its repeated sequences."""

    name = NeardupStep.index
    inputs = ()
    outputs = (Stage.TOKENIZE, Stage.MAKE, Stage.SELFSIM)
    per_part = True

    def _run(self, inputs: Artifacts, parts: list[int], build: bool) -> Artifacts:
        out: Artifacts = {}
        for i in parts:
            tokenized = self.tokenize(i, build)
            suffix_array = self.suffix_array(i, tokenized, build)
            out[ArtifactKey(Stage.TOKENIZE, i)] = tokenized
            out[ArtifactKey(Stage.MAKE, i)] = suffix_array
            out[ArtifactKey(Stage.SELFSIM, i)] = self.self_similar(i, tokenized, suffix_array, build)
        return out

    def tokenize(self, i: int, build: bool) -> Artifact:
        """Part ``i`` written by the corpus (``part.train``, ``part.train.size``, ``part.json``, side files)."""
        corpus, n_parts = self.context.corpus, self.settings.n_parts
        spec = {
            "version": VERSION,
            "corpus": self.context.corpus_spec,
            "n_parts": n_parts,
            "part": i,
            "inputs": corpus.fingerprint(i, n_parts, self.context.store.digests),
        }

        def builder(d: Path) -> None:
            part = corpus.write_part(i, n_parts, d, threads=self.settings.threads)
            # The build runs in a temporary directory renamed afterwards: paths inside it are kept relative.
            write_json_atomic(d / PART, part.to_json(relative_to=d))

        return self.artifact(ArtifactKey(Stage.TOKENIZE, i), spec, builder, build)

    def suffix_array(self, i: int, tokenized: Artifact, build: bool) -> Artifact:
        """The suffix array of part ``i`` (rust_sa's ``make``, which draws no progress bar)."""

        def builder(d: Path) -> None:
            part = read_part(tokenized)
            _rust_sa.make(
                str(part.train),
                size=str(part.size),
                out=str(d / SUFFIX_ARRAY),
                token_bytes=part.token_bytes,
                threads=self.settings.threads,
            )

        spec = {"version": VERSION, "tokenize": tokenized.key}
        return self.artifact(ArtifactKey(Stage.MAKE, i), spec, builder, build)

    def self_similar(self, i: int, tokenized: Artifact, suffix_array: Artifact, build: bool) -> Artifact:
        """Every sequence of ``length`` tokens occurring at least twice in part ``i``: one position and the count."""
        length = self.settings.length

        def builder(d: Path) -> None:
            part = read_part(tokenized)
            # Written as found: a part's clusters never need to fit in memory.
            _rust_sa.write_self_similar(
                str(part.train),
                str(d / CLUSTER_POSITIONS),
                str(d / CLUSTER_COUNTS),
                length=length,
                size=str(part.size),
                sa=str(suffix_array.path / SUFFIX_ARRAY),
                token_bytes=part.token_bytes,
                progress=True,
            )

        spec = {"version": VERSION, "tokenize": tokenized.key, "make": suffix_array.key, "length": length}
        return self.artifact(ArtifactKey(Stage.SELFSIM, i), spec, builder, build)
