"""The exceptions for problems the user can fix.

A :class:`UserError` is a bad setting, a missing input or an impossible
request. ``run.py`` prints its message on one line and exits non-zero,
without a traceback (``HYDRA_FULL_ERROR=1`` shows it). Any other exception
is a bug and keeps its traceback. Messages name what is wrong and how to fix it.

They subclass the built-in types code would otherwise raise (``ValueError``,
``FileNotFoundError``), so callers that catch those keep working.
"""

from __future__ import annotations

from pathlib import Path


class UserError(ValueError):
    """An input or setting the user can fix; its message says how."""


class MissingInput(UserError, FileNotFoundError):
    """A file or folder the configuration names does not exist."""


def existing(path: str | Path, setting: str, kind: str = "file or folder") -> Path:
    """``path`` expanded, or a :class:`MissingInput` naming the setting it came from."""
    resolved = Path(path).expanduser()
    if not resolved.exists():
        raise MissingInput(f"{setting}={path}: no such {kind} ({resolved.resolve()})")
    return resolved
