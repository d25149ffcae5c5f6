"""Labelled texts from local files: ``task=mia`` scores them instead of the canaries.

Published membership-inference benchmarks (WikiMIA, MIMIR) and a user's own
data come in a few layouts; each loader here reads one and returns the same
:class:`LabelledTexts`, so scoring, the metrics and the outputs are the
canaries' own. Nothing is downloaded: a user fetches a benchmark once
(``save_to_disk`` or JSONL) and points ``mia.dataset.path`` at it. Every
problem with the files is a :class:`~mosaic_exp.errors.UserError` naming the
file and the fields it does have.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from mosaic_exp.errors import MissingInput, UserError, existing
from mosaic_exp.mia.dataset_config import (
    HFDatasetConfig,
    JsonlDatasetConfig,
    LabelledDatasetConfig,
    MimirDatasetConfig,
    WikiMIADatasetConfig,
)

JSON_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")


@dataclass
class LabelledTexts:
    """Member and non-member texts, and where they came from (for ``results.json``)."""

    members: list[str]
    non_members: list[str]
    source: str


def load_labelled(settings: LabelledDatasetConfig | DictConfig) -> LabelledTexts:
    """The texts ``mia.dataset`` names, at most ``max_per_class`` of each label; refuses a set without both labels."""
    if isinstance(settings, DictConfig):
        try:
            settings = OmegaConf.to_object(settings)
        except MissingMandatoryValue as err:
            raise UserError(f"mia.dataset.{err.key} is required (e.g. mia.dataset.{err.key}=/data/...)") from err
    loaders = {
        JsonlDatasetConfig: _jsonl,
        HFDatasetConfig: _hf_dataset,
        WikiMIADatasetConfig: _wikimia,
        MimirDatasetConfig: _mimir,
    }
    if type(settings) not in loaders:
        raise UserError(f"mia.dataset must be chosen with mia/dataset=... ({', '.join(c.__name__ for c in loaders)}), not {settings!r}")
    texts = loaders[type(settings)](settings)
    for name, group in (("members", texts.members), ("non-members", texts.non_members)):
        if not group:
            raise UserError(f"{texts.source} holds no {name}: membership inference needs both members and non-members")
    if settings.max_per_class is not None:
        texts.members = texts.members[: settings.max_per_class]
        texts.non_members = texts.non_members[: settings.max_per_class]
    return texts


# --- reading records -----------------------------------------------------------------------------


def read_records(path: str | Path, setting: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` of a JSONL file (``.gz`` too); a ``.json`` file may also hold one array."""
    path = existing(path, setting, "file")
    if path.is_dir():
        raise UserError(f"{setting}={path} is a folder; point it at a .jsonl or .jsonl.gz file")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        text = handle.read()
    if path.name.endswith((".json", ".json.gz")) and text.lstrip().startswith("["):
        rows = enumerate(json.loads(text), 1)
    else:
        rows = ((n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip())
    for number, row in rows:
        if isinstance(row, str):
            try:
                row = json.loads(row)
            except json.JSONDecodeError as err:
                raise UserError(f"{path} line {number} is not JSON ({err.msg}); one JSON object per line is expected") from err
        if not isinstance(row, dict):
            raise UserError(f"{path} line {number} is a {type(row).__name__}, not a JSON object with named fields")
        yield number, row


def field(record: Mapping[str, Any], name: str, where: str, setting: str) -> Any:
    """``record[name]``, or an error naming the fields the record does have and the setting that chose ``name``."""
    if name not in record:
        raise UserError(f"{where} has no field {name!r} (fields: {', '.join(map(str, record)) or 'none'}); set {setting}")
    return record[name]


def as_text(value: Any, where: str) -> str:
    """A text field's value; anything but a string is refused."""
    if not isinstance(value, str):
        raise UserError(f"{where}: the text is a {type(value).__name__}, not a string")
    return value


def is_member(value: Any, where: str) -> bool:
    """A label: 1 / true / "1" / "true" is a member, 0 / false / "0" / "false" a non-member."""
    if isinstance(value, str):
        value = {"1": 1, "true": 1, "member": 1, "0": 0, "false": 0, "non_member": 0, "nonmember": 0}.get(value.strip().lower(), value)
    if isinstance(value, (bool, int, float)) and value in (0, 1):
        return bool(value)
    raise UserError(f"{where}: label {value!r} is neither 1 (member) nor 0 (non-member)")


def split_by_label(rows: Iterator[tuple[str, Mapping[str, Any]]], text: str, label: str, kind: str, source: str) -> LabelledTexts:
    """Members and non-members of ``(where, record)`` rows with a text and a label ``kind`` (field or column)."""
    members: list[str] = []
    non_members: list[str] = []
    for where, row in rows:
        value = as_text(field(row, text, where, f"mia.dataset.text_{kind}"), where)
        (members if is_member(field(row, label, where, f"mia.dataset.label_{kind}"), where) else non_members).append(value)
    return LabelledTexts(members, non_members, source)


# --- layouts -------------------------------------------------------------------------------------


def _jsonl(settings: JsonlDatasetConfig) -> LabelledTexts:
    two = settings.members is not None or settings.non_members is not None
    if two == (settings.path is not None) or two and None in (settings.members, settings.non_members):
        raise UserError(
            "mia/dataset=jsonl needs either mia.dataset.path=FILE (text and label per line) "
            "or both mia.dataset.members and mia.dataset.non_members"
        )
    if not two:
        rows = ((f"{settings.path} line {n}", r) for n, r in read_records(settings.path, "mia.dataset.path"))
        return split_by_label(rows, settings.text_field, settings.label_field, "field", str(settings.path))

    def texts(path: str, setting: str) -> list[str]:
        return [
            as_text(field(r, settings.text_field, f"{path} line {n}", "mia.dataset.text_field"), f"{path} line {n}")
            for n, r in read_records(path, setting)
        ]

    members = texts(settings.members, "mia.dataset.members")
    non_members = texts(settings.non_members, "mia.dataset.non_members")
    return LabelledTexts(members, non_members, f"{settings.members} + {settings.non_members}")


def _load_from_disk(path: Path, split: str | None, setting: str) -> Any:
    """The Dataset saved in ``path``: itself, or its DatasetDict's ``split`` (which may be left out when there is one)."""
    from datasets import Dataset, DatasetDict, load_from_disk

    try:
        saved = load_from_disk(str(path))
    except FileNotFoundError as err:
        raise UserError(f"{setting}={path} is not a folder written by save_to_disk ({err})") from err
    if isinstance(saved, DatasetDict):
        if split is None and len(saved) == 1:
            split = next(iter(saved))
        if split not in saved:
            raise UserError(f"{path} holds the splits {', '.join(saved)}; choose one with mia.dataset.split=NAME (now {split})")
        saved = saved[split]
    assert isinstance(saved, Dataset)
    return saved


def _rows_of(dataset: Any, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    return ((f"{where} row {i}", row) for i, row in enumerate(dataset))


def _check_columns(columns: Sequence[str], wanted: Sequence[str], where: str, setting: str) -> None:
    # A saved dataset's missing column is named before any row is read, with the columns it has.
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise UserError(f"{where} has no column {missing[0]!r} (columns: {', '.join(columns)}); set {setting}")


def _hf_dataset(settings: HFDatasetConfig) -> LabelledTexts:
    path = existing(settings.path, "mia.dataset.path", "folder")
    dataset = _load_from_disk(path, settings.split, "mia.dataset.path")
    where = f"{path}" + (f" [{settings.split}]" if settings.split else "")
    _check_columns(dataset.column_names, [settings.text_column, settings.label_column], where, "mia.dataset.text_column / label_column")
    return split_by_label(_rows_of(dataset, where), settings.text_column, settings.label_column, "column", where)


def _saved_or_file(path: Path, split: str | None, setting: str) -> tuple[Iterator[tuple[str, Mapping[str, Any]]], str, list[str] | None]:
    """Rows of a benchmark copy: a save_to_disk folder, a folder with ``{split}.jsonl`` (or .json), or one file.

    Also returns the columns when they are known up front (a saved dataset), for an early message.
    """
    if (path / "dataset_dict.json").is_file() or (path / "state.json").is_file():
        dataset = _load_from_disk(path, split, setting)
        where = f"{path}" + (f" [{split}]" if split else "")
        return _rows_of(dataset, where), where, list(dataset.column_names)
    if path.is_dir():
        file = _per_split(path, split)
        if file is None:
            found = sorted(p.name for p in path.iterdir() if p.name.endswith(JSON_SUFFIXES))
            raise MissingInput(
                f"{path} is no save_to_disk folder and has no file of the split {split} ({split}.jsonl or .json); "
                f"it holds {', '.join(found) or 'no JSON files'}"
            )
        path = file
    return ((f"{path} line {n}", r) for n, r in read_records(path, setting)), str(path), None


def _per_split(folder: Path, split: str | None) -> Path | None:
    if split is None:
        return None
    return next((folder / f"{split}{s}" for s in JSON_SUFFIXES if (folder / f"{split}{s}").is_file()), None)


def _wikimia(settings: WikiMIADatasetConfig) -> LabelledTexts:
    path = existing(settings.path, "mia.dataset.path")
    split = f"WikiMIA_length{settings.length}"
    rows, where, columns = _saved_or_file(path, split if path.is_dir() else None, "mia.dataset.path")
    if columns is not None:
        _check_columns(columns, [settings.text_column, settings.label_column], where, "mia.dataset.text_column / label_column")
    return split_by_label(rows, settings.text_column, settings.label_column, "column", where)


def _mimir(settings: MimirDatasetConfig) -> LabelledTexts:
    path = existing(settings.path, "mia.dataset.path")
    rows, where, columns = _saved_or_file(path, settings.split if path.is_dir() else None, "mia.dataset.path")
    wanted = [settings.member_column, settings.nonmember_column]
    if columns is not None:
        _check_columns(columns, wanted, where, "mia.dataset.member_column / nonmember_column")
    members: list[str] = []
    non_members: list[str] = []
    for row_where, row in rows:
        # Every MIMIR row pairs one member with one non-member of the same domain.
        member, non_member = (field(row, c, row_where, "mia.dataset.member_column / nonmember_column") for c in wanted)
        members.append(as_text(member, row_where))
        non_members.append(as_text(non_member, row_where))
    return LabelledTexts(members, non_members, where)
