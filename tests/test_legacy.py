"""The allow-listed unpickler reads the original scripts' files and nothing else."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from mosaic_exp.legacy import UnsafePickleError, load_legacy_pickle


def test_reads_the_original_formats(tmp_path: Path) -> None:
    canaries = [[1, 2, 3], [4, 5, 6]]
    variations = [{"original": [1, 2, 3], "variations": [{"tokens": [1, 9, 3]}, {"tokens": np.array([7, 2, 3])}]}]
    (tmp_path / "c.pickle").write_bytes(pickle.dumps(canaries))
    (tmp_path / "v.pickle").write_bytes(pickle.dumps(variations))
    assert load_legacy_pickle(tmp_path / "c.pickle") == canaries
    loaded = load_legacy_pickle(tmp_path / "v.pickle")
    assert loaded[0]["variations"][1]["tokens"] == [7, 2, 3]
    assert type(loaded[0]["variations"][1]["tokens"][0]) is int


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_refuses_a_malicious_pickle_without_running_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evil.pickle").write_bytes(pickle.dumps([[1, 2], _Exploit()]))
    with pytest.raises(UnsafePickleError, match="system"):
        load_legacy_pickle(tmp_path / "evil.pickle")
    assert not (tmp_path / "pwned").exists()


def test_missing_and_corrupt_files_are_explained(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_legacy_pickle(tmp_path / "nope.pickle")
    (tmp_path / "bad.pickle").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="not a readable legacy pickle"):
        load_legacy_pickle(tmp_path / "bad.pickle")


def test_defaultdicts_are_read_but_their_factories_are_checked(tmp_path: Path) -> None:
    from collections import defaultdict

    (tmp_path / "ok.pickle").write_bytes(pickle.dumps(defaultdict(list, {1: {"ratio": 0.6}})))
    assert load_legacy_pickle(tmp_path / "ok.pickle") == {1: {"ratio": 0.6}}
    (tmp_path / "evil.pickle").write_bytes(pickle.dumps(defaultdict(os.getcwd, {})))
    with pytest.raises(UnsafePickleError, match="getcwd"):
        load_legacy_pickle(tmp_path / "evil.pickle")
