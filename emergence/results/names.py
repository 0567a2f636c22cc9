"""The names a results folder's layout writes: the temporaries interrupted writes leave among them, and
what else a folder holds (a folder without a manifest that holds anything else is not a results folder).

Only these names are ever cleaned: a user's files beside or below them are never touched.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .storage import TEMP_SUFFIX

__all__ = ["remove_temporaries", "foreign_entries"]

# The files and folders a results folder holds at its top (a sweep's and its analysis').
TOP_FILES = ("manifest.json", "index.json", "summary.json", "runs.parquet", "controls.parquet", "report.md",
             "report.html")
TOP_FOLDERS = ("steps", "snapshots", "checkpoints", "index", "figures")
# The folders whose every file the layout writes (relative to the folder; * as in glob).
WRITTEN_FOLDERS = ("steps", "snapshots", "index", "figures", "checkpoints/chunk-*/step-*")
LOCK = re.compile(r"\.(lock|chunk-\d+\.lock)")


def _top_temporary(name: str) -> bool:
    """Whether ``name`` is the temporary of an atomic write of one of the top files."""
    return name.endswith(TEMP_SUFFIX) and any(name.startswith(f".{target}.") for target in TOP_FILES)


def _written(name: str) -> bool:
    """Whether a results folder writes ``name`` at its top."""
    return name in TOP_FILES + TOP_FOLDERS or bool(LOCK.fullmatch(name)) or _top_temporary(name)


def remove_temporaries(out: str | os.PathLike) -> list[Path]:
    """Remove the temporary files interrupted writes left in the places the layout writes; returns them."""
    out = Path(out)
    found = [p for p in out.iterdir() if p.is_file() and _top_temporary(p.name)] if out.is_dir() else []
    for pattern in WRITTEN_FOLDERS:
        for folder in out.glob(pattern):
            found += [p for p in folder.glob(f".*{TEMP_SUFFIX}") if p.is_file()]
    for path in found:
        path.unlink(missing_ok=True)
    return found


def foreign_entries(out: str | os.PathLike) -> list[str]:
    """The names at the top of ``out`` that no results folder writes (none: ``out`` is missing, empty,
    or holds only what a sweep interrupted before its manifest wrote)."""
    out = Path(out)
    if not out.is_dir():
        return []
    return sorted(p.name for p in out.iterdir() if not _written(p.name))
