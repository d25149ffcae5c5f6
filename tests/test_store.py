"""The artifact store builds once, reuses, rebuilds on force, and never trusts a half-written directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mosaic_exp.store import MARKER, ArtifactStore, spec_key


def _writer(calls: list[int], content: str = "data"):
    def build(directory: Path) -> None:
        calls.append(1)
        (directory / "out.txt").write_text(content)

    return build


def test_builds_once_then_reuses(tmp_path: Path) -> None:
    store, calls = ArtifactStore(tmp_path), []
    first = store.build("stage", {"a": 1}, _writer(calls))
    second = store.build("stage", {"a": 1}, _writer(calls))
    assert len(calls) == 1
    assert (first.reused, second.reused) == (False, True)
    assert first.path == second.path == tmp_path / "stage" / spec_key({"a": 1})
    assert json.loads((first.path / "spec.json").read_text()) == {"a": 1}
    assert (first.path / MARKER).is_file()


def test_key_depends_on_spec_content_not_order() -> None:
    assert spec_key({"a": 1, "b": [1, 2]}) == spec_key({"b": [1, 2], "a": 1})
    assert spec_key({"a": 1}) != spec_key({"a": 2})


def test_force_rebuilds(tmp_path: Path) -> None:
    calls: list[int] = []
    ArtifactStore(tmp_path).build("stage", {"a": 1}, _writer(calls, "old"))
    art = ArtifactStore(tmp_path, force=True).build("stage", {"a": 1}, _writer(calls, "new"))
    assert len(calls) == 2 and not art.reused
    assert (art.path / "out.txt").read_text() == "new"


def test_directory_without_marker_is_rebuilt(tmp_path: Path) -> None:
    store, calls = ArtifactStore(tmp_path), []
    art = store.build("stage", {"a": 1}, _writer(calls, "first"))
    (art.path / MARKER).unlink()
    (art.path / "junk").write_text("half-written")
    again = store.build("stage", {"a": 1}, _writer(calls, "second"))
    assert len(calls) == 2 and not again.reused
    assert (again.path / "out.txt").read_text() == "second"
    assert not (again.path / "junk").exists()


def test_failed_build_leaves_nothing_behind(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)

    def crash(directory: Path) -> None:
        (directory / "partial").write_text("x")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        store.build("stage", {"a": 1}, crash)
    leftovers = [p.name for p in (tmp_path / "stage").iterdir() if not p.name.endswith(".lock")]
    assert leftovers == []
    assert not store.build("stage", {"a": 1}, _writer([])).reused


def test_unhashable_spec_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="cannot hash"):
        ArtifactStore(tmp_path).build("stage", {"a": object()}, _writer([]))
