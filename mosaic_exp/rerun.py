"""Skipping runs that already finished, so a re-submitted sweep only does what is missing.

A run is finished when its output folder holds ``results.json``, which tasks
write last and atomically (a killed job never leaves a partial one). The file
records the full resolved config; a rerun of the *same* config into the same
folder returns it instead of training again. A *different* config pointed at a
folder with results is refused rather than overwritten.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from mosaic_exp.errors import UserError

log = logging.getLogger(__name__)

RESULTS = "results.json"


class ResultsConflict(UserError):
    """The output folder holds results of another configuration."""


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(tree, dict):
        return {prefix: tree}
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def config_differences(old: Any, new: Any, limit: int = 5) -> list[str]:
    """Dotted keys whose values differ between two resolved configs (at most ``limit``)."""
    a, b = _flatten(old), _flatten(new)
    keys = sorted(k for k in a.keys() | b.keys() if a.get(k, "<missing>") != b.get(k, "<missing>"))
    return [f"{k}: {a.get(k, '<missing>')!r} -> {b.get(k, '<missing>')!r}" for k in keys[:limit]]


def finished_results(cfg: DictConfig) -> dict[str, Any] | None:
    """The results a finished run of this exact config left in ``paths.output_dir``, if any.

    Returns None when there are none or when ``force=true`` asks for a rerun.
    Raises :class:`ResultsConflict` when the folder holds results of another config.
    """
    path = Path(cfg.paths.output_dir) / RESULTS
    if cfg.get("force", False) or not path.is_file():
        return None
    try:
        results = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ResultsConflict(f"{path} is not valid JSON ({err}); move it away or rerun with force=true") from err
    current = OmegaConf.to_container(cfg, resolve=True)
    # JSON turns tuples into lists and keeps only string keys: compare like with like.
    current = json.loads(json.dumps(current))
    if results.get("config") != current:
        changes = config_differences(results.get("config", {}), current)
        raise ResultsConflict(
            f"{path} holds results of a different configuration ({'; '.join(changes)}). "
            "Point the run elsewhere (hydra.run.dir / hydra.sweep.dir) or rerun with force=true to overwrite them."
        )
    return results
