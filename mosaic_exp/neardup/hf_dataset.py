"""A local Hugging Face dataset (``neardup/corpus=hf_dataset``), never fetched from the hub.

A ``save_to_disk`` folder is memory-mapped: its row count is known and a part
reads its rows a batch at a time. Any other folder goes to
``datasets.load_dataset(path, split=..., streaming=True)`` (data files it
recognizes, or a dataset script where the installed ``datasets`` still runs
them); a stream is counted in one pass, and a part skips to its first row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.neardup.config import HFDatasetNeardupCorpusConfig
from mosaic_exp.neardup.documents import Doc, RecordCorpus, visible_files
from mosaic_exp.neardup.progress import progress

_DEFAULTS = HFDatasetNeardupCorpusConfig


def is_saved(path: Path) -> bool:
    """Whether ``path`` is a folder that ``save_to_disk`` wrote (a Dataset or a DatasetDict)."""
    return (path / "state.json").is_file() or (path / "dataset_dict.json").is_file()


class HFDatasetCorpus(RecordCorpus):
    """The rows of one split of a local dataset; the text in ``text_field``."""

    kind = "hf_dataset"

    def __init__(self, path: str, split: str | None = _DEFAULTS.split, **fields: Any) -> None:
        """The fields of :class:`HFDatasetNeardupCorpusConfig` (the others as :class:`RecordCorpus` takes them)."""
        super().__init__(path, **fields)
        self.folder = Path(path).expanduser()
        self.split = split
        self._dataset: Any = None
        self._count: int | None = None

    def inputs(self) -> tuple[Path, list[Path]]:
        """The dataset's folder (a script's folder) and every visible file in it."""
        if not self.folder.exists():
            raise MissingInput(f"neardup.corpus.path={self.folder}: no such dataset folder")
        root = (self.folder if self.folder.is_dir() else self.folder.parent).resolve()
        return root, visible_files(root)

    def settings(self) -> dict[str, Any]:
        """The split and the columns that a row's text and id are read from."""
        return {**super().settings(), "split": self.split}

    def dataset(self) -> Any:
        """The split, with only the columns read: a memory-mapped ``Dataset`` or a streamed ``IterableDataset``."""
        if self._dataset is None:
            self.inputs()  # a missing folder is named before datasets is asked
            dataset = self._load_saved() if is_saved(self.folder) else self._load_streamed()
            columns = dataset.column_names
            wanted = [c for c in (self.text_field, self.id_field) if c is not None]
            if columns is not None and (missing := [c for c in wanted if c not in columns]):
                raise UserError(
                    f"{self.folder} [{self.split}] has no column {missing[0]!r} (columns: {', '.join(columns)}); "
                    "set neardup.corpus.text_field / id_field"
                )
            self._dataset = dataset.select_columns(wanted)
        return self._dataset

    def _load_saved(self) -> Any:
        from datasets import DatasetDict, load_from_disk

        saved = load_from_disk(str(self.folder))
        if isinstance(saved, DatasetDict):
            split = self.split if self.split is not None or len(saved) != 1 else next(iter(saved))
            if split not in saved:
                raise UserError(
                    f"{self.folder} holds the splits {', '.join(saved)}; choose one with neardup.corpus.split=NAME (now {split})"
                )
            saved = saved[split]
        return saved

    def _load_streamed(self) -> Any:
        from datasets import load_dataset

        split = self.split or "train"
        try:
            return load_dataset(str(self.folder), split=split, streaming=True)
        except (OSError, ValueError) as e:
            raise UserError(f"neardup.corpus.path={self.folder} [{split}]: datasets.load_dataset cannot read it locally ({e})") from e

    def count(self) -> int:
        """Rows of the split (a stream is read once to count them)."""
        if self._count is None:
            dataset = self.dataset()
            if is_saved(self.folder):
                self._count = len(dataset)
            else:
                self._count = sum(1 for _ in progress(dataset, desc="count documents", unit="doc"))
        return self._count

    def _rows(self, start: int, stop: int) -> Iterator[tuple[Any, Any]]:
        """``(text, id)`` of rows ``start`` … ``stop - 1``."""
        dataset = self.dataset()
        if not is_saved(self.folder):
            for row in dataset.skip(start).take(stop - start):
                yield row[self.text_field], row.get(self.id_field)
            return
        for i in range(start, stop, self.batch_size):
            batch = dataset[i : min(i + self.batch_size, stop)]
            texts = batch[self.text_field]
            yield from zip(texts, batch[self.id_field] if self.id_field else [None] * len(texts))

    def read(self, start: int, stop: int) -> Iterator[Doc]:
        """Rows ``start`` … ``stop - 1``, a batch at a time."""
        for k, (text, id_) in enumerate(self._rows(start, stop), start):
            if not isinstance(text, str):
                raise UserError(f"{self.folder} [{self.split}], row {k}: {self.text_field!r} holds {type(text).__name__}, not text")
            yield Doc(text, None, None if id_ is None else str(id_))
