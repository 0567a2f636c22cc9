"""Committed checkpoint directories, read without torch: ``checkpoints/chunk-CCC/step-SSSSSSSS/`` holds
one safetensors file per twin and, written last, ``COMMIT.json`` (the step and each file's SHA-256)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from .storage import ResultsError, read_json, sha256

__all__ = ["MARKER", "chunk_dir", "committed", "verified_files", "remove_uncommitted", "remove_chunk", "removed"]

MARKER = "COMMIT.json"


def chunk_dir(out: Path, chunk: int) -> Path:
    return Path(out) / "checkpoints" / f"chunk-{chunk:03d}"


def removed(path: Path) -> None:
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise ResultsError(f"{path}: could not remove ({err.strerror or err})") from None


def committed(out: Path, chunk: int) -> list[tuple[int, Path]]:
    """The chunk's committed checkpoint directories as (step, path), newest first."""
    found = []
    for folder in chunk_dir(out, chunk).glob("step-*"):
        if (folder / MARKER).exists() and folder.name[5:].isdigit():
            found.append((int(folder.name[5:]), folder))
    return sorted(found, reverse=True)


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


def remove_uncommitted(out: Path) -> list[Path]:
    """Remove checkpoint directories whose write was interrupted (no marker); returns them."""
    found = [d for d in (Path(out) / "checkpoints").glob("chunk-*/step-*") if not (d / MARKER).exists()]
    for folder in found:
        removed(folder)
    return found


def remove_chunk(out: Path, chunk: int) -> None:
    """Remove every checkpoint of a chunk (a finished chunk under ``--keep-checkpoints none``)."""
    removed(chunk_dir(out, chunk))
