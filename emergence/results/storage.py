"""Atomic file writes: a reader sees the old file or the new one, never a torn one.

Files are created as ordinary files (the process umask decides their mode); JSON is strict (a
non-finite number is written as ``null``, and a NaN token is refused when read); a temporary file left
by an interrupted write is removed on the next run (``ResultsFolder.remove_leftovers``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "atomic_write",
    "write_json",
    "read_json",
    "ResultsError",
    "sha256",
    "TEMP_SUFFIX",
]

TEMP_SUFFIX = ".tmp"


class ResultsError(RuntimeError):
    """A results or checkpoint file is missing, unreadable or truncated; the message names it."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, fsync it, then rename it over ``path``.

    An OSError (disk full, read-only folder) is a ResultsError naming ``path``; the temporary is removed.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
        os.fchmod(fd, 0o666 & ~_umask())
        os.close(fd)
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise ResultsError(f"{path}: could not write ({err.strerror or err}); nothing was half-written") from None
        raise
    return path


def _strict(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write ``data`` as standard JSON; NaN and infinities become ``null``."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(_strict(data), handle, indent=2, sort_keys=True, allow_nan=False)
            handle.write("\n")

    return atomic_write(path, write)


def _refuse_constant(token: str) -> Any:
    raise ValueError(f"non-standard token {token}")


def read_json(path: str | os.PathLike) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle, parse_constant=_refuse_constant)
    except FileNotFoundError:
        raise ResultsError(f"{path}: file not found") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path}: not valid JSON ({err}); the file is truncated or corrupted") from None
    except OSError as err:
        raise ResultsError(f"{path}: could not read ({err.strerror or err})") from None


def sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
