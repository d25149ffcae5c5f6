"""Numeric ranges stated beside the schema fields, checked before any work starts.

OmegaConf checks types when a config is composed but not ranges, so a value
such as ``lr=-1`` or ``temperature=0`` would otherwise surface minutes later
as a torch or transformers error that names none of our settings. A field
declared with :func:`bounded` carries its range in the dataclass metadata;
:func:`check_ranges` walks the composed config and reports every value out
of range at once, by its dotted name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig, OmegaConf

from mosaic_exp.errors import UserError


@dataclass(frozen=True)
class Bounds:
    """``gt < x``, ``ge <= x``, ``x < lt``, ``x <= le``, whichever are set; ``None`` is always allowed."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    hint: str = ""

    def contains(self, x: float) -> bool:
        return (
            (self.gt is None or x > self.gt)
            and (self.ge is None or x >= self.ge)
            and (self.lt is None or x < self.lt)
            and (self.le is None or x <= self.le)
        )

    def describe(self) -> str:
        parts = [f"{op} {v:g}" for op, v in ((">", self.gt), (">=", self.ge), ("<", self.lt), ("<=", self.le)) if v is not None]
        return " and ".join(parts)


def bounded(default: Any = dataclasses.MISSING, *, hint: str = "", **limits: float) -> Any:
    """A dataclass field whose value must satisfy ``limits`` (``gt``, ``ge``, ``lt``, ``le``)."""
    return field(default=default, metadata={"bounds": Bounds(hint=hint, **limits)})


def range_errors(cfg: DictConfig, prefix: str = "") -> list[str]:
    """One line per value of ``cfg`` outside the range its schema field states."""
    errors = []
    schema = OmegaConf.get_type(cfg)
    fields = dataclasses.fields(schema) if dataclasses.is_dataclass(schema) else ()
    bounds = {f.name: f.metadata["bounds"] for f in fields if "bounds" in f.metadata}
    for key in cfg:
        name = f"{prefix}{key}"
        if OmegaConf.is_missing(cfg, key):
            continue
        if key in bounds:
            value, b = cfg[key], bounds[key]
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not b.contains(value):
                errors.append(f"{name}={value} must be {b.describe()}" + (f" ({b.hint})" if b.hint else ""))
        # Interpolations are checked where they point; reading them here could need Hydra's runtime.
        elif not OmegaConf.is_interpolation(cfg, key) and isinstance(cfg[key], DictConfig):
            errors.extend(range_errors(cfg[key], f"{name}."))
    return errors


def check_ranges(cfg: DictConfig) -> None:
    """Raises one :class:`UserError` listing every out-of-range value of the composed config."""
    errors = range_errors(cfg)
    if errors:
        raise UserError("settings out of range:\n  " + "\n  ".join(errors))
