"""Grow a sweep of twin pairs side by side, recording as it goes; resume where a sweep stopped.

Runs are grown in chunks: all twins A of a chunk form one population (one plugin manager with A's
scaffolds), all twins B another. An agent's trajectory does not depend on its population, so the
chunk size changes speed and memory, never results. The agents are built by the sweep's substrate;
nothing here depends on which substrate it is.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from emergence.agents.devices import free_memory, resolve_device
from emergence.host import build_agent, installed
from emergence.results import ResultsError, read_json, write_json
from emergence.results.checkpoint import load_checkpoint, restore, save_checkpoint
from emergence.results.recorder import Recorder

from .settings import TwinsConfig

__all__ = ["run_sweep", "run_seeds", "plan_chunk_size", "check_plugins"]

Progress = Callable[[int, int], None]  # (pair-steps advanced, runs finished)


def run_seeds(config: TwinsConfig) -> list[dict[str, int]]:
    """Per run: the init and noise seeds of both twins, derived from the sweep seed by SeedSequence."""

    def derive(*key: int) -> int:
        return int(np.random.SeedSequence([config.seed, *key]).generate_state(1, np.uint64)[0] >> 1)

    seeds = []
    for run in range(config.runs):
        init_a = derive(run, 0)
        init_b = init_a if config.init == "same" else derive(run, 1)
        seeds.append(dict(run=run, init_a=init_a, init_b=init_b, noise_a=derive(run, 2), noise_b=derive(run, 3)))
    return seeds


def plan_chunk_size(config: TwinsConfig, budget: int | None = None, device: str | torch.device = "cpu") -> int:
    """Pairs per chunk: the config's ``chunk_size``, else as many as half the device's free memory holds."""
    if config.chunk_size:
        return min(config.chunk_size, config.runs)
    if budget is None:
        budget = free_memory(resolve_device(device)) // 2
    per_pair = 2 * installed().substrates[config.substrate].agent_bytes(config.agent)
    return max(1, min(config.runs, budget // per_pair))


def check_plugins(config: TwinsConfig) -> None:
    """Fail early, in one line, on an unknown substrate or metric (the config checked its scaffolds)."""
    catalogue = installed()
    catalogue.substrates[config.substrate]
    for name in config.emotion_metrics:
        catalogue.metrics[name]


def manifest_for(config: TwinsConfig, chunk_size: int, command_line: list[str], device: torch.device) -> dict:
    catalogue = installed()
    substrate = catalogue.substrates[config.substrate]
    return {
        "protocol": "twins",
        "substrate": config.substrate,
        "device": str(device),
        "engine": substrate.engine(config.agent, device),
        "config": config.to_dict(),
        "scaffold_settings": config.scaffold_settings(),
        "seeds": run_seeds(config),
        "chunk_size": chunk_size,
        "weight_noise_mode": substrate.weight_noise_mode(config.agent),
        "versions": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "plugins": [dict(name=n, package=p, version=v) for n, p, v in catalogue.sources()],
        },
        "command_line": command_line,
    }


def open_folder(config: TwinsConfig, out: Path, command_line: list[str], device: torch.device) -> dict:
    """Create the results folder, or accept an existing one only if it holds the same config and was
    grown on the same kind of device (a checkpoint's generator states belong to their device)."""
    path = out / "manifest.json"
    if path.exists():
        manifest = read_json(path)
        if manifest.get("config") != config.to_dict():
            raise ResultsError(
                f"{out} holds a sweep with a different configuration; choose another --out "
                "(nothing was overwritten)"
            )
        grown_on = manifest.get("device", "cpu")
        if torch.device(grown_on).type != device.type:
            raise ResultsError(f"{out} was grown on {grown_on}; resume it with --device {grown_on}")
        return manifest
    manifest = manifest_for(config, plan_chunk_size(config, device=device), command_line, device)
    write_json(path, manifest)
    return manifest


def _checkpoint_paths(out: Path, chunk: int) -> dict[str, Path]:
    return {twin: out / "checkpoints" / f"chunk-{chunk:03d}-{twin}.safetensors" for twin in "AB"}


def _checkpoint_step(paths: dict[str, Path]) -> int:
    """The step both twins' checkpoints agree on (0 when there is none yet)."""
    if not all(p.exists() for p in paths.values()):
        return 0
    steps = {twin: load_checkpoint(p)[3]["step"] for twin, p in paths.items()}
    return min(steps.values())


def grow_chunk(
    config: TwinsConfig, out: Path, chunk: int, runs: list[int], progress: Progress, device: torch.device
) -> None:
    """Grow one chunk of pairs to ``config.steps`` on ``device``, resuming from its checkpoints if present."""
    seeds = run_seeds(config)

    def population(twin: str, scaffolds: tuple[str, ...]):
        init = [seeds[r][f"init_{twin}"] for r in runs]
        noise = [seeds[r][f"noise_{twin}"] for r in runs]
        return build_agent(config.agent, init, noise, scaffolds=scaffolds, device=device)

    twins = {"A": population("a", config.a), "B": population("b", config.b)}
    paths = _checkpoint_paths(out, chunk)
    start = _checkpoint_step(paths)
    if start:
        for twin, agent in twins.items():
            restore(paths[twin], agent)
            if agent.step_index != start:
                raise ResultsError(f"{paths[twin]}: checkpoint at step {agent.step_index}, its twin at {start}")
        progress(start * len(runs), 0)
    recorder = Recorder(runs, out, config.checkpoint_every, config.snapshot_every)
    C = config.checkpoint_every
    for step in range(start, config.steps):
        if step % config.feedback_every == 0:
            for agent in twins.values():
                agent.receive_feedback(config.feedback_message, config.feedback_strength)
        for agent in twins.values():
            agent.step()
        recorder.record(step, twins)
        if (step + 1) % C == 0:
            recorder.flush(step // C)
            for twin, agent in twins.items():
                save_checkpoint(paths[twin], agent, extra={"step": step + 1, "runs": runs})
            progress(C * len(runs), 0)
    progress(0, len(runs))


def run_sweep(
    config: TwinsConfig,
    out: str | os.PathLike,
    *,
    device: str | torch.device = "cpu",
    progress: Progress = lambda steps, runs: None,
    command_line: list[str] | None = None,
) -> dict:
    """Grow every pair of the sweep into ``out`` on ``device`` (resuming a partial sweep); returns the
    manifest. The manifest records the device and engine of the run that created the folder."""
    out = Path(out)
    device = resolve_device(device)
    check_plugins(config)
    manifest = open_folder(config, out, command_line or [], device)
    size = manifest["chunk_size"]
    for chunk, first in enumerate(range(0, config.runs, size)):
        runs = list(range(first, min(first + size, config.runs)))
        paths = _checkpoint_paths(out, chunk)
        if _checkpoint_step(paths) >= config.steps:
            progress(config.steps * len(runs), len(runs))
            continue
        grow_chunk(config, out, chunk, runs, progress, device)
    return manifest
