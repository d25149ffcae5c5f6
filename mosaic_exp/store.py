"""Content-addressed cache of stage outputs.

Every stage writes to ``<cache_dir>/<stage>/<key>/``, where ``key`` hashes the
part of the config that determines the output (plus the keys of the stages it
reads). A build happens in a temporary sibling directory; the completion
marker is written last and the directory is then renamed into place, so a
crashed or half-written build is never mistaken for a finished one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from mosaic_exp.atomic import jsonable, write_json_atomic
from mosaic_exp.fingerprint import FileDigests

log = logging.getLogger(__name__)

MARKER = "COMPLETE.json"
SPEC = "spec.json"


def _spec_value(value: Any) -> Any:
    try:
        return jsonable(value)
    except TypeError:
        raise TypeError(f"cannot hash a {type(value).__name__} in a stage spec: {value!r}") from None


def canonical_json(spec: Mapping[str, Any]) -> str:
    """The one serialization that keys are computed from."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), default=_spec_value)


def spec_key(spec: Mapping[str, Any]) -> str:
    """A short, stable hash of a stage spec."""
    return hashlib.sha256(canonical_json(spec).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Artifact:
    """A finished stage output."""

    stage: str
    key: str
    path: Path
    reused: bool


class ArtifactStore:
    """Builds stage outputs once and hands back the cached directory afterwards."""

    def __init__(self, root: str | Path, force: bool = False) -> None:
        self.root = Path(root).expanduser().resolve()
        self.force = force
        # Content hashes of the local inputs that stage keys fingerprint.
        self.digests = FileDigests(self.root / "digests")

    def path(self, stage: str, spec: Mapping[str, Any]) -> Path:
        return self.root / stage / spec_key(spec)

    @staticmethod
    def is_complete(path: Path) -> bool:
        return (path / MARKER).is_file()

    def build(
        self,
        stage: str,
        spec: Mapping[str, Any],
        builder: Callable[[Path], None],
    ) -> Artifact:
        """Returns the output of ``stage`` for ``spec``, building it if needed.

        ``builder(directory)`` fills an empty directory. With ``force`` the
        output is rebuilt even when a complete one exists. Concurrent callers
        (jobs of one sweep) wait on a lock instead of building twice.
        """
        key = spec_key(spec)
        final = self.root / stage / key
        final.parent.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned(final.parent)
        with FileLock(str(final.parent / f".{key}.lock")):
            if self.is_complete(final) and not self.force:
                log.info("%s: reusing %s", stage, final)
                return Artifact(stage, key, final, reused=True)
            self._remove_leftovers(final)
            tmp = final.parent / f".{key}.tmp-{uuid.uuid4().hex}"
            tmp.mkdir()
            log.info("%s: building %s", stage, final)
            start = time.time()
            try:
                builder(tmp)
                write_json_atomic(tmp / SPEC, dict(spec))
                write_json_atomic(
                    tmp / MARKER,
                    {"stage": stage, "key": key, "seconds": round(time.time() - start, 3)},
                )
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            self._replace(tmp, final)
            log.info("%s: built in %.1f s", stage, time.time() - start)
            return Artifact(stage, key, final, reused=False)

    @staticmethod
    def _remove_leftovers(final: Path) -> None:
        """Drops temporary directories of crashed builds; we hold the lock."""
        for stale in final.parent.glob(f".{final.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        for stale in final.parent.glob(f".{final.name}.old-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def _remove_abandoned(self, stage_dir: Path) -> None:
        """Drops the temporaries of killed builds of any key of this stage.

        A build holds its key's lock while its temporary exists, so a
        temporary whose lock we can take at once belongs to a dead builder.
        """
        keys = {p.name[1:].split(".", 1)[0] for p in stage_dir.glob(".*.tmp-*")} | {
            p.name[1:].split(".", 1)[0] for p in stage_dir.glob(".*.old-*")
        }
        for key in keys:
            lock = FileLock(str(stage_dir / f".{key}.lock"))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                continue  # a live build of that key
            try:
                log.info("%s: removing what a killed build of %s left", stage_dir.name, key)
                self._remove_leftovers(stage_dir / key)
            finally:
                lock.release()

    @staticmethod
    def _replace(tmp: Path, final: Path) -> None:
        if final.exists():
            # An incomplete or forced-out directory: move it aside first so the
            # new one appears in a single rename.
            old = final.parent / f".{final.name}.old-{uuid.uuid4().hex}"
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
