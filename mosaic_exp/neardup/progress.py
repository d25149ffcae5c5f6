"""Progress bars of the study's long loops (count, rate, ETA) on a terminal, silence in logs.

rust_sa draws its own bars (``progress=True``) under the same rule: only when
stderr is a terminal, so SLURM logs and captured output stay quiet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], *, desc: str, unit: str, total: int | None = None) -> Iterator[T]:
    """``items`` with a progress bar while a terminal watches; the bar is gone once done."""
    # disable=None: tqdm draws only when its stream is a terminal.
    yield from tqdm(items, desc=desc, unit=unit, total=total, disable=None, leave=False, dynamic_ncols=True)
