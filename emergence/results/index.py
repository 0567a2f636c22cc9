"""The folder's index (``index.json``): the SHA-256 of every data part, so that a missing, truncated or
garbled part is found, named and rebuilt, never read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .storage import ResultsError, read_json, sha256, write_json

__all__ = ["FolderIndex", "INDEX"]

INDEX = "index.json"


class FolderIndex:
    """``parts``: a part's path relative to the folder -> the SHA-256 of its bytes when it was written."""

    def __init__(self, out: Path, parts: dict[str, str] | None = None):
        self.out, self.parts = Path(out), dict(parts or {})

    @classmethod
    def load(cls, out: Path) -> FolderIndex:
        """The folder's index; none yet is an empty one; a damaged one is a ResultsError naming it."""
        path = Path(out) / INDEX
        if not path.exists():
            return cls(out)
        data = read_json(path)
        parts = data.get("parts") if isinstance(data, dict) else None
        if not isinstance(parts, dict) or not all(isinstance(v, str) for v in parts.values()):
            raise ResultsError(f"{path}: not an index of parts; the file is damaged")
        return cls(out, parts)

    def record(self, paths: Iterable[Path]) -> None:
        """Add (or replace) the checksums of freshly written parts, then write the index."""
        for path in paths:
            self.parts[self.key(path)] = sha256(path)
        write_json(self.out / INDEX, {"parts": dict(sorted(self.parts.items()))})

    def key(self, path: Path) -> str:
        return Path(path).relative_to(self.out).as_posix()

    def problem(self, path: Path) -> str | None:
        """Why the part at ``path`` cannot be used (missing, not indexed, checksum differs), or None."""
        if not path.exists():
            return "missing"
        expected = self.parts.get(self.key(path))
        if expected is None:
            return "not in the index (its write was interrupted)"
        try:
            actual = sha256(path)
        except OSError as err:
            return f"unreadable ({err.strerror or err})"
        return None if actual == expected else "fails its checksum (truncated or garbled)"

    def verified(self, path: Path) -> Path:
        """``path``, or a ResultsError naming it and why it cannot be used."""
        problem = self.problem(path)
        if problem:
            raise ResultsError(f"{path}: {problem}; re-run the sweep's command to rebuild it")
        return path
