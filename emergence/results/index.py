"""The folder's index: the SHA-256 of every data part, so that a missing, truncated or garbled part is
found, named and rebuilt, never read.

Each chunk of runs keeps its own index (``index/chunk-CCC.json``), written only by the process growing
that chunk, so workers on several machines never write one file. It also keeps where the chunk grew:
``grown_on``, spans of steps with the ``provenance.machine`` that grew them, so that a chunk resumed on
another machine says so. A folder made before chunks had their
own index holds one ``index.json`` for every part; it is still read, and a chunk's own index overrides it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .storage import ResultsError, read_json, sha256, write_json

__all__ = ["FolderIndex", "INDEX", "INDEX_DIR", "chunk_index_path", "grown_on", "spans_after"]

INDEX = "index.json"
INDEX_DIR = "index"


def chunk_index_path(out: Path, chunk: int) -> Path:
    return Path(out) / INDEX_DIR / f"chunk-{chunk:03d}.json"


def _read(path: Path) -> dict[str, str]:
    """The parts an index file holds (none when it does not exist); a damaged one is a ResultsError."""
    return _read_file(path)[0]


def _read_file(path: Path) -> tuple[dict[str, str], list[dict]]:
    """(parts, grown_on) of an index file (empty when it does not exist); damaged parts are a
    ResultsError, a damaged ``grown_on`` counts as unrecorded (the parts it sits beside stay valid)."""
    if not path.exists():
        return {}, []
    data = read_json(path)
    parts = data.get("parts") if isinstance(data, dict) else None
    if not isinstance(parts, dict) or not all(isinstance(v, str) for v in parts.values()):
        raise ResultsError(f"{path}: not an index of parts; the file is damaged")
    spans = data.get("grown_on", [])
    return parts, spans if isinstance(spans, list) and all(map(_is_span, spans)) else []


def _is_span(span) -> bool:
    return (
        isinstance(span, dict)
        and all(isinstance(span.get(k), int) for k in ("from", "to"))
        and isinstance(span.get("machine"), dict)
    )


def spans_after(spans: list[dict], start: int, stop: int, machine: dict) -> list[dict]:
    """``spans`` (``{"from", "to", "machine"}``, in order) once steps ``start``..``stop`` have grown on
    ``machine``: what lay past ``start`` was regrown, and a span on the same machine ending at ``start``
    extends."""
    kept = [dict(s, to=min(s["to"], start)) for s in spans if s["from"] < start]
    if kept and kept[-1]["to"] == start and kept[-1]["machine"] == machine:
        kept[-1]["to"] = stop
    else:
        kept.append({"from": start, "to": stop, "machine": machine})
    return kept


def grown_on(out: Path) -> dict[int, list[dict]]:
    """Chunk number -> the spans of steps its index records with the machine that grew them (a chunk
    grown before chunks recorded them, or whose record is damaged, has none)."""
    found = {}
    for path in sorted((Path(out) / INDEX_DIR).glob("chunk-*.json")):
        try:
            found[int(path.stem.split("-")[1])] = _read_file(path)[1]
        except (ResultsError, ValueError):
            continue
    return found


class FolderIndex:
    """``parts``: a part's path relative to the folder -> the SHA-256 of its bytes when it was written.
    An index ``for_chunk`` also records: into its chunk's file, which holds only that chunk's parts."""

    def __init__(
        self,
        out: Path,
        parts: dict[str, str] | None = None,
        own: Path | None = None,
        own_parts: dict[str, str] | None = None,
        spans: list[dict] | None = None,
    ):
        self.out, self.parts = Path(out), dict(parts or {})
        self.own, self.own_parts, self.spans = own, dict(own_parts or {}), list(spans or [])

    @classmethod
    def load(cls, out: Path) -> FolderIndex:
        """Every index of the folder merged (none yet: empty); a damaged one is a ResultsError naming it."""
        out = Path(out)
        parts = _read(out / INDEX)
        for path in sorted((out / INDEX_DIR).glob("chunk-*.json")):
            parts.update(_read(path))
        return cls(out, parts)

    @classmethod
    def for_chunk(cls, out: Path, chunk: int, say: Callable[[str], None]) -> FolderIndex:
        """The index a chunk's grower checks its parts against and records into; a damaged index file
        is said and ignored (the parts it vouched for are rewritten)."""
        out = Path(out)
        own = chunk_index_path(out, chunk)
        found = {}
        for path in (out / INDEX, own):
            try:
                found[path] = _read_file(path)
            except ResultsError as err:
                say(f"{err}; the parts it indexed are rewritten")
                found[path] = ({}, [])
        parts, spans = found[own]
        return cls(out, {**found[out / INDEX][0], **parts}, own, parts, spans)

    def record(self, paths: Iterable[Path], grew: tuple[int, int, dict] | None = None) -> None:
        """Add (or replace) the checksums of freshly written parts, and where ``grew`` (start, stop,
        machine) says the steps they hold grew, then write the chunk's index."""
        if self.own is None:
            raise ResultsError(f"{self.out}: this index is read-only (FolderIndex.for_chunk records)")
        for path in paths:
            self.own_parts[self.key(path)] = self.parts[self.key(path)] = sha256(path)
        if grew:
            self.spans = spans_after(self.spans, *grew)
        data = {"parts": dict(sorted(self.own_parts.items()))}
        write_json(self.own, {**data, "grown_on": self.spans} if self.spans else data)

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
