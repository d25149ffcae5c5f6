"""The `mosaic` console command: help that lists the user's config groups, and the same run as `python run.py`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from mosaic_exp.cli import GROUPS, help_text
from mosaic_exp.config.compose import CONF_DIR

REPO = Path(__file__).resolve().parents[1]
# Groups that hold Hydra's own settings, not choices a user makes.
INTERNAL = {"hydra"}


def _mosaic() -> str:
    """The console script installed beside this interpreter (the README's install puts it there)."""
    found = shutil.which("mosaic", path=str(Path(sys.executable).parent))
    assert found, "the `mosaic` command is not installed: pip install -e '.[dev]'"
    return found


def _user_groups() -> set[str]:
    groups = set()
    for path in CONF_DIR.rglob("*.yaml"):
        group = path.parent.relative_to(CONF_DIR).as_posix()
        if group != "." and group.split("/")[0] not in INTERNAL:
            groups.add(group)
    return groups | {"hydra/launcher"}


def test_every_config_group_has_one_help_line():
    assert set(GROUPS) == _user_groups()
    text = help_text()
    for group in GROUPS:
        (line,) = [line for line in text.splitlines() if line.split() and line.split()[0] == group]
        for option in sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml")):
            assert option in line
    assert "schema" not in text


def test_mosaic_help_works_from_any_folder(tmp_path):
    out = subprocess.run([_mosaic(), "--help"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert out == help_text()
    assert "perturbation" in out and "replace" in out


def test_mosaic_composes_like_run_py_from_any_folder(tmp_path):
    env = {**os.environ, "MOSAIC_ROOT": str(tmp_path)}
    args = ["experiment=fuzzy_mlm", "topk=5", "--cfg", "job"]
    mosaic = subprocess.run([_mosaic(), *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    run_py = subprocess.run(
        [sys.executable, str(REPO / "run.py"), *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert mosaic == run_py
    assert "topk: 5" in mosaic and "name: replace" in mosaic
