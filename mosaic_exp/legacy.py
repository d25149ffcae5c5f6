"""Reading the original scripts' pickles without letting them run code.

Those files hold only lists, dicts, ints, floats and strings (sometimes NumPy
scalars or arrays). The unpickler below resolves no class outside a short
allow-list, so a crafted pickle that names ``os.system`` or any other callable
fails with an error instead of executing.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from mosaic_exp.errors import MissingInput, UserError, existing
from mosaic_exp.fingerprint import FileDigests

# (module, name) pairs a legitimate legacy file may reference.
ALLOWED = {
    ("builtins", "list"),
    ("builtins", "dict"),
    ("builtins", "tuple"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "int"),
    ("builtins", "float"),
    ("builtins", "str"),
    ("builtins", "bool"),
    ("collections", "OrderedDict"),
    # The published AUC files are defaultdicts; a default factory is itself
    # resolved through this list, so it cannot smuggle in a callable.
    ("collections", "defaultdict"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
}


class UnsafePickleError(UserError, pickle.UnpicklingError):
    """The pickle references something outside the allow-list."""


class _AllowListUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        """Resolves only the allow-listed classes."""
        if (module, name) not in ALLOWED:
            raise UnsafePickleError(
                f"refusing to load {module}.{name}: legacy files may only contain lists, dicts, numbers, strings and NumPy arrays"
            )
        return super().find_class(module, name)


def _plain(value: Any) -> Any:
    """NumPy values become Python ones, so everything downstream is JSON-ready."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):  # also defaultdict
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def legacy_fingerprint(path: str | None, setting: str, digests: FileDigests) -> dict:
    """What identifies a legacy pickle in a stage key: where it is and its content."""
    if not path:
        raise UserError(f"import_legacy=true needs {setting} (a pickle of the original scripts)")
    file = existing(path, setting, "file")
    return {"path": str(file.resolve()), "digest": digests.file(file)}


def load_legacy_pickle(path: str | Path) -> Any:
    """Loads a legacy pickle through the allow-list; NumPy values become plain Python."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise MissingInput(f"legacy file {path} does not exist")
    with path.open("rb") as handle:
        try:
            return _plain(_AllowListUnpickler(handle).load())
        except UnsafePickleError:
            raise
        except Exception as err:
            raise UserError(f"{path} is not a readable legacy pickle: {err}") from err
