"""A committed checkpoint directory, read without torch: ``checkpoints/chunk-CCC/step-SSSSSSSS/`` holds
one safetensors file per twin and, written last, ``COMMIT.json`` (the step and each file's SHA-256)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from .storage import ResultsError, read_json, sha256

__all__ = ["MARKER", "verified_files", "removed"]

MARKER = "COMMIT.json"


def removed(path: Path) -> None:
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise ResultsError(f"{path}: could not remove ({err.strerror or err})") from None


def verified_files(folder: Path, twins: Iterable[str]) -> dict[str, Path]:
    """The twins' files of a committed directory, each matching the marker's checksum, or a ResultsError."""
    marker = read_json(folder / MARKER)
    files = marker.get("files") if isinstance(marker, dict) else None
    if not isinstance(files, dict):
        raise ResultsError(f"{folder / MARKER}: not a commit marker; the file is damaged")
    paths = {}
    for twin in twins:
        path = folder / f"{twin}.safetensors"
        if not path.exists():
            raise ResultsError(f"{path}: missing")
        if files.get(path.name) != sha256(path):
            raise ResultsError(f"{path}: fails its checksum (truncated or garbled)")
        paths[twin] = path
    return paths
