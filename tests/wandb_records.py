"""Reading an offline W&B run file (``run-<id>.wandb``) the way ``wandb sync`` does.

The file is a LevelDB-style log of ``wandb.proto`` ``Record`` messages: a
7-byte header (``:W&B``, magic, version), then 32 KiB blocks of chunks, each
with a 7-byte header (CRC-32, length, type: full, first, middle or last);
a block's tail shorter than a chunk header is zero padding.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wandb.proto import wandb_internal_pb2 as pb

_HEADER = struct.Struct("<4sHB")
_CHUNK = struct.Struct("<IHB")
_BLOCK = 32768
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def records(path: Path) -> list[pb.Record]:
    """Every record of the run file, in order; fails on a damaged chunk."""
    data = path.read_bytes()
    ident, _, _ = _HEADER.unpack_from(data, 0)
    assert ident == b":W&B", f"{path} is not a W&B run file"
    out, pending, pos = [], b"", _HEADER.size
    while pos < len(data):
        if _BLOCK - pos % _BLOCK < _CHUNK.size:
            pos += _BLOCK - pos % _BLOCK
            continue
        checksum, length, kind = _CHUNK.unpack_from(data, pos)
        if kind == 0 and length == 0:
            # Zero padding up to the end of the block, or of a file still being written.
            pos += _BLOCK - pos % _BLOCK
            continue
        chunk = data[pos + _CHUNK.size : pos + _CHUNK.size + length]
        assert zlib.crc32(bytes([kind]) + chunk) & 0xFFFFFFFF == checksum, f"damaged chunk at byte {pos} of {path}"
        pos += _CHUNK.size + length
        pending = chunk if kind in (_FULL, _FIRST) else pending + chunk
        if kind in (_FULL, _LAST):
            record = pb.Record()
            record.ParseFromString(pending)
            out.append(record)
    return out


def _key(item: Any) -> str:
    return item.key or item.nested_key[0]


def _items(items: Any) -> dict[str, Any]:
    """Items as a dict; a nested value (a media file's fields) comes as one item per
    field, named by ``nested_key`` (key, field), and is put back together."""
    out: dict[str, Any] = {}
    for item in items:
        value = json.loads(item.value_json)
        if item.key or len(item.nested_key) == 1:
            out[_key(item)] = value
        else:
            node = out.setdefault(item.nested_key[0], {})
            for part in item.nested_key[1:-1]:
                node = node.setdefault(part, {})
            node[item.nested_key[-1]] = value
    return out


@dataclass
class OfflineRun:
    """What a run file holds: the run's fields, its config, its history series and its summary."""

    run: pb.RunRecord
    config: dict[str, Any] = field(default_factory=dict)
    history: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    steps: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    summary: dict[str, Any] = field(default_factory=dict)


def read_run(path: Path) -> OfflineRun:
    """The run of ``path``: config updates merged, each history key's values (and the
    ``trainer/global_step`` logged with them) in the order they were logged."""
    found = records(path)
    (run,) = [r.run for r in found if r.WhichOneof("record_type") == "run"][:1]
    result = OfflineRun(run=run)
    result.config.update(_items(run.config.update))
    for record in found:
        kind = record.WhichOneof("record_type")
        if kind == "config":
            result.config.update(_items(record.config.update))
        elif kind == "history":
            row = _items(record.history.item)
            for key, value in row.items():
                result.history[key].append(value)
                result.steps[key].append(row.get("trainer/global_step"))
        elif kind == "summary":
            result.summary.update(_items(record.summary.update))
    return result
