"""Grow a sweep of twin pairs side by side, recording as it goes; resume where a sweep stopped.

Runs are grown in chunks: all twins A of a chunk form one population (one plugin manager with A's
scaffolds), all twins B another. An agent's trajectory does not depend on its population, so the
chunk size changes speed and memory, never results. The agents are built by the sweep's substrate;
nothing here depends on which substrate it is.

Each window is written in one order: its parts, the index with their checksums, then both twins'
checkpoint committed together. A chunk is finished when every part of its runs matches the index; an
unfinished one resumes from its newest committed checkpoint that is valid and not ahead of the
chunk's complete windows (else from step 0), rewriting every window after it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import torch

from emergence.agents.devices import resolve_device
from emergence.host import build_agent, installed, resolve_agent_hooks
from emergence.results import FolderIndex, FolderLock, ResultsError, remove_temporaries, window_parts
from emergence.results.commits import commit, restore_pair
from emergence.results.markers import committed, remove_chunk, remove_uncommitted, removed
from emergence.results.recorder import Recorder

from .folder import open_folder, read_folder
from .plan import plan_sweep
from .seeds import run_seeds
from .settings import TwinsConfig

__all__ = ["run_sweep", "run_seeds", "check_plugins", "KEEP_CHECKPOINTS"]

Progress = Callable[[int, int], None]  # (pair-steps advanced, runs finished)
Say = Callable[[str], None]  # one line for the user: what was found and what is done about it
KEEP_CHECKPOINTS = ("last", "none")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def check_plugins(config: TwinsConfig) -> None:
    """Fail early, in one line, on an unknown substrate or metric, or a scaffold that cannot scaffold this
    agent (the config checked the scaffolds' names and settings)."""
    catalogue = installed()
    catalogue.substrates[config.substrate]
    for scaffolds in (config.a, config.b):
        resolve_agent_hooks(config.agent, scaffolds, catalogue=catalogue)
    for name in config.emotion_metrics:
        catalogue.metrics[name]


def _complete_windows(out: Path, config: TwinsConfig, runs: list[int], index: FolderIndex) -> tuple[int, str]:
    """How many leading windows every run of the chunk holds in full and valid, and why the next is not."""
    windows = config.steps // config.checkpoint_every
    config_dict = {"checkpoint_every": config.checkpoint_every, "snapshot_every": config.snapshot_every}
    for w in range(windows):
        for run in runs:
            for path in window_parts(out, config_dict, run, w):
                problem = index.problem(path)
                if problem:
                    return w, f"{path.relative_to(out)} is {problem}"
    return windows, ""


def _resume(out: Path, chunk: int, build: Callable[[], dict], complete_step: int, say: Say) -> tuple[dict, int]:
    """The chunk's twins restored from its newest usable committed checkpoint, and its step (fresh twins
    and 0 when there is none)."""
    for step, folder in committed(out, chunk):
        if step > complete_step:
            continue  # its windows' parts are not all there: they are rewritten from an earlier point
        twins = build()
        try:
            return twins, restore_pair(folder, twins)
        except ResultsError as err:
            say(f"{err}; not used: resuming from an earlier checkpoint or step 0")
    return build(), 0


def grow_chunk(config: TwinsConfig, out: Path, chunk: int, runs: list[int], index: FolderIndex, progress: Progress,
               device: torch.device, keep_checkpoints: str = "last", say: Say = _stderr) -> None:
    """Grow one chunk of pairs to ``config.steps`` on ``device``, resuming from its checkpoints if usable."""
    C = config.checkpoint_every
    complete, reason = _complete_windows(out, config, runs, index)
    if complete * C == config.steps:
        if keep_checkpoints == "none":
            remove_chunk(out, chunk)
        progress(config.steps * len(runs), len(runs))
        return
    seeds = run_seeds(config)

    def population(twin: str, scaffolds: tuple[str, ...]):
        init = [seeds[r][f"init_{twin}"] for r in runs]
        noise = [seeds[r][f"noise_{twin}"] for r in runs]
        return build_agent(config.agent, init, noise, scaffolds=scaffolds, device=device)

    def pair() -> dict:
        return {"A": population("a", config.a), "B": population("b", config.b)}

    twins, start = _resume(out, chunk, pair, complete * C, say)
    newest = committed(out, chunk)
    if newest and newest[0][0] > complete * C:
        say(f"chunk {chunk} (runs {runs[0]}-{runs[-1]}): {reason}; growing it again from step {start}")
    for step, folder in newest:
        if step > start:
            removed(folder)  # ahead of the data or unusable: the chunk regrows past it
    if start:
        progress(start * len(runs), 0)
    recorder = Recorder(runs, out, C, config.snapshot_every)
    for step in range(start, config.steps):
        if step % config.feedback_every == 0:
            for agent in twins.values():
                agent.receive_feedback(config.feedback_message, config.feedback_strength)
        for agent in twins.values():
            agent.step()
        recorder.record(step, twins)
        if (step + 1) % C == 0:
            index.record(recorder.flush(step // C))
            if step + 1 == config.steps and keep_checkpoints == "none":
                remove_chunk(out, chunk)
            else:
                commit(out, chunk, step + 1, twins, extra={"runs": runs})
            progress(C * len(runs), 0)
    progress(0, len(runs))


def _index(out: Path, say: Say) -> FolderIndex:
    try:
        return FolderIndex.load(out)
    except ResultsError as err:
        say(f"{err}; every part is rewritten")
        return FolderIndex(out)


def run_sweep(
    config: TwinsConfig,
    out: str | os.PathLike,
    *,
    device: str | torch.device = "cpu",
    progress: Progress = lambda steps, runs: None,
    command_line: list[str] | None = None,
    keep_checkpoints: str = "last",
    say: Say = _stderr,
) -> dict:
    """Grow every pair of the sweep into ``out`` on ``device`` (resuming a partial sweep, rebuilding what is
    missing or damaged); returns the manifest. Memory and disk are planned first: a sweep that does not
    fit is refused before anything is written. ``keep_checkpoints="none"`` deletes a finished chunk's
    checkpoints. The manifest records the device and engine of the run that created the folder."""
    if keep_checkpoints not in KEEP_CHECKPOINTS:
        raise ResultsError(f"keep_checkpoints must be one of {', '.join(KEEP_CHECKPOINTS)}, got {keep_checkpoints!r}")
    out = Path(out)
    device = resolve_device(device)
    check_plugins(config)
    existing = read_folder(out)["chunk_size"] if (out / "manifest.json").exists() else None
    plan = plan_sweep(config, out, device, existing, keep_checkpoints)
    if plan.refusal():
        raise ResultsError(f"{plan.refusal()} (nothing was written)")
    with FolderLock(out):
        manifest = open_folder(config, out, plan.chunk_size, command_line or [], device)
        for leftover in remove_temporaries(out) + remove_uncommitted(out):
            say(f"removed {leftover.relative_to(out)}, left by an interrupted write")
        index = _index(out, say)
        size = manifest["chunk_size"]
        for chunk, first in enumerate(range(0, config.runs, size)):
            runs = list(range(first, min(first + size, config.runs)))
            grow_chunk(config, out, chunk, runs, index, progress, device, keep_checkpoints, say)
    return manifest
