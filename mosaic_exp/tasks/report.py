"""What tasks print when they finish."""

from __future__ import annotations

import logging

from mosaic_exp.store import Artifact

log = logging.getLogger("mosaic_exp")


def log_artifacts(artifacts: dict[str, Artifact]) -> None:
    """One line per artifact: built or reused, and where it is."""
    for name, artifact in artifacts.items():
        log.info("%-10s %-6s %s", name, "reused" if artifact.reused else "built", artifact.path)
