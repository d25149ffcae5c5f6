"""What the study needs of a corpus: its parts, written in the interchange format, and what they read.

Every corpus (``neardup/corpus=...``, instantiated from its config's
``_target_``) satisfies :class:`CorpusSource`, so no step asks which corpus it has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.neardup.parts import Part


@runtime_checkable
class CorpusSource(Protocol):
    """A corpus cut into ``n_parts`` parts that can be written one at a time (one job per part)."""

    def fingerprint(self, part: int, n_parts: int, digests: FileDigests) -> dict[str, Any] | None:
        """Names and contents of the local files ``part`` reads; None when the config alone determines it.

        It goes into the part's cache key, so an edited input makes a new part.
        """
        ...

    def write_part(self, part: int, n_parts: int, directory: Path, *, threads: int = 1) -> Part:
        """Writes part ``part`` of ``n_parts`` into ``directory`` (plus any side files) and describes it."""
        ...

    def tokenizer_dir(self) -> Path | None:
        """The local folder of the tokenizer that made the tokens, for the index manifest; None when there is none."""
        ...
