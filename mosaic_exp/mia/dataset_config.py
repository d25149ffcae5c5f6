"""Config of a labelled dataset scored by ``task=mia`` instead of the canaries (``conf/mia/dataset/``).

Each layout has its own schema so that a misspelt field fails while the
config is composed; :func:`mosaic_exp.mia.datasets.load_labelled` picks the
loader from the schema's type.
"""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import MISSING

from mosaic_exp.config.ranges import bounded


@dataclass
class LabelledDatasetConfig:
    """What every layout shares: how much of each text and how many texts are scored."""

    # Tokens of each text the target scores; None = model.max_length or the model's context.
    # Longer texts are cut (and their text decoded again, so every attack sees the same words).
    max_tokens: int | None = bounded(None, ge=2)
    # The first this many members and non-members; None = all.
    max_per_class: int | None = bounded(None, ge=1)


@dataclass
class JsonlDatasetConfig(LabelledDatasetConfig):
    """One JSONL file with a text and a label per line, or two files of members and non-members (.jsonl, .jsonl.gz)."""

    # One file: `text_field` and `label_field` (1/true = member, 0/false = non-member).
    path: str | None = None
    # Or two files, every line a member / a non-member (`text_field` only).
    members: str | None = None
    non_members: str | None = None
    text_field: str = "text"
    label_field: str = "label"


@dataclass
class HFDatasetConfig(LabelledDatasetConfig):
    """A folder written by ``datasets``' ``save_to_disk`` (a Dataset, or a DatasetDict and its ``split``)."""

    path: str = MISSING
    split: str | None = None
    text_column: str = "text"
    label_column: str = "label"


@dataclass
class WikiMIADatasetConfig(LabelledDatasetConfig):
    """A local copy of ``swj0419/WikiMIA``: splits ``WikiMIA_length{32,64,128,256}``, columns ``input`` and ``label``.

    ``path`` is a ``save_to_disk`` folder (the DatasetDict or one split), a
    folder of per-split files (``WikiMIA_length32.jsonl`` / ``.json``) or one such file.
    """

    path: str = MISSING
    length: int = bounded(32, ge=1, hint="WikiMIA's splits have 32, 64, 128 or 256 words")
    text_column: str = "input"
    label_column: str = "label"


@dataclass
class MimirDatasetConfig(LabelledDatasetConfig):
    """A local copy of ``iamgroot42/mimir`` for one domain: each row one ``member`` and one ``nonmember`` text.

    ``path`` is a ``save_to_disk`` folder (the DatasetDict of the n-gram
    splits, or one split) or a JSONL file (or a folder holding ``{split}.jsonl``).
    """

    path: str = MISSING
    split: str | None = "ngram_13_0.8"
    member_column: str = "member"
    nonmember_column: str = "nonmember"
