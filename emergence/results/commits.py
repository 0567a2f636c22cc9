"""Pair-consistent checkpoints: a chunk's twins at one step, committed together.

A directory per chunk and step holds one checkpoint per twin and, written last, the commit marker
(``markers``). A directory without its marker is an interrupted write and is never read; the previous
committed directory is removed only once the new one is committed, so an interruption at any instant
leaves a complete pair to resume from.
"""

from __future__ import annotations

from pathlib import Path

from ..contract import Agent
from .checkpoint import restore, save_checkpoint
from .folder import ChunkFolder
from .markers import MARKER, removed, verified_files
from .storage import ResultsError, sha256, write_json

__all__ = ["commit", "restore_pair"]


def commit(chunk: ChunkFolder, step: int, twins: dict[str, Agent], extra: dict) -> Path:
    """Write every twin of the chunk at ``step``, then the marker; then drop the chunk's older ones."""
    folder = chunk.step_dir(step)
    removed(folder)  # an uncommitted leftover of an interrupted run
    files = {}
    for twin, agent in twins.items():
        path = save_checkpoint(folder / f"{twin}.safetensors", agent, extra={"step": step, **extra})
        files[path.name] = sha256(path)
    write_json(folder / MARKER, {"step": step, "files": files})
    for older_step, older in chunk.committed():
        if older_step < step:
            removed(older)
    return folder


def restore_pair(folder: Path, twins: dict[str, Agent], runs: list[int]) -> int:
    """Load a committed directory into the twins of the chunk of ``runs`` (every file verified first, and
    written for those runs); returns its step."""
    paths = verified_files(folder, twins)
    extras = {twin: restore(paths[twin], agent) for twin, agent in twins.items()}
    steps = {twin: extra["step"] for twin, extra in extras.items()}
    held = {tuple(extra.get("runs", runs)) for extra in extras.values()}
    if held != {tuple(runs)}:
        raise ResultsError(
            f"{folder}: holds runs {sorted(held)[0]}, not this chunk's {tuple(runs)} (the chunk size changed)"
        )
    if len(set(steps.values())) != 1 or any(agent.step_index != steps[t] for t, agent in twins.items()):
        raise ResultsError(f"{folder}: its twins are at different steps {steps}")
    return next(iter(steps.values()))
