"""Content fingerprints of input files and folders.

A cached artifact may be reused only when its inputs hold the same bytes, so
every local input (a corpus folder, a model folder, a legacy pickle, a part)
enters a stage key through the hash of its content, never its name or size
alone: a book edited from "God" to "Dog" is a new corpus.

Hashing a large folder on every run would be slow, so the digest of each file
is remembered in ``<cache>/digests/`` under its resolved path. Invariant: a
remembered digest is used only while the file's size, mtime, ctime and inode
are all unchanged; any write to the file changes its ctime (which no user
tool can set back), so an edited file is always hashed again. Each record is
one small JSON file written atomically, which stays safe on the network file
systems of clusters where SQLite locking is not.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

import xxhash

from mosaic_exp.atomic import write_text_atomic

_CHUNK = 1 << 22


def _stamp(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def _hash_file(path: Path) -> str:
    digest = xxhash.xxh3_128()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FileDigests:
    """Content hashes of files, remembered while a file is provably unchanged.

    ``FileDigests(None)`` remembers nothing and hashes every time.
    """

    def __init__(self, directory: str | Path | None) -> None:
        self.directory = None if directory is None else Path(directory)

    def _record(self, path: Path) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{hashlib.sha256(str(path).encode()).hexdigest()[:32]}.json"

    def file(self, path: str | Path) -> str:
        """The xxh3-128 hex digest of the file's bytes."""
        path = Path(path).expanduser().resolve()
        stamp = _stamp(path.stat())
        record = self._record(path)
        if record is not None and record.is_file():
            try:
                known = json.loads(record.read_text())
                if known["path"] == str(path) and known["stamp"] == stamp:
                    return known["digest"]
            except (OSError, ValueError, KeyError):
                pass  # an unreadable record is only a lost shortcut
        digest = _hash_file(path)
        # A file written to while we hashed it would pair a new stamp with old bytes.
        if record is not None and _stamp(path.stat()) == stamp:
            record.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(record, json.dumps({"path": str(path), "stamp": stamp, "digest": digest}))
        return digest

    def files(self, root: str | Path, files: Iterable[str | Path]) -> dict:
        """One fingerprint for a set of files below ``root``: their relative names and contents.

        Renaming, adding, removing or editing any file changes ``digest``.
        """
        root = Path(root).expanduser().resolve()
        combined = xxhash.xxh3_128()
        count = size = 0
        for file in sorted(Path(f).expanduser().resolve() for f in files):
            name = file.relative_to(root).as_posix() if file.is_relative_to(root) else str(file)
            combined.update(f"{name}\0{self.file(file)}\0".encode())
            count += 1
            size += file.stat().st_size
        return {"files": count, "bytes": size, "digest": combined.hexdigest()}

    def tree(self, root: str | Path) -> dict:
        """The fingerprint of every file below the folder ``root``.

        Hidden files and folders (``.cache/``, ``.git/``, lock files) are
        bookkeeping of the tools that wrote the folder, not its content.
        """
        root = Path(root).expanduser().resolve()
        visible = (p for p in root.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))
        return self.files(root, visible)
