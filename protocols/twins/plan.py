"""Plan a sweep before anything is allocated or written: memory per pair and the chunk size (and per
worker process on this machine), disk use of the results, and (for ``--dry-run``) the time from a
short timed probe on the device.

A sweep whose one pair (or chosen chunk, or worker processes) does not fit in memory, or whose results
will not fit on the disk, is refused in one line with the bytes needed and available.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import torch
from attrs import frozen

from emergence.agents.devices import free_memory
from emergence.host import build_agent, installed
from emergence.results.recorder import RECORDED

from .settings import TwinsConfig

__all__ = ["Plan", "plan_sweep", "measure_pair_steps", "oversubscribed", "PROCESS_BYTES"]

# Bytes of one per-step record in Parquet: the recorded float64 columns, run (int32), step (int64) and
# twin (dictionary-encoded); random floats barely compress.
ROW_BYTES = 8 * len(RECORDED) + 4 + 8 + 2
SNAPSHOT_OVERHEAD = 32  # run, twin, step and list offsets of one snapshot row
# Memory of one worker process before its chunk: Python, torch and the compiled kernels (~0.5 GB measured).
PROCESS_BYTES = 2**29


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**27 else f"{n / 2**20:.1f} MiB"


def _free_disk(out: Path) -> int:
    path = Path(out).absolute()
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def oversubscribed(workers: int, threads: int, cores: int) -> str | None:
    """A line when ``workers`` processes of ``threads`` threads each want more than this machine's cores."""
    fit = max(1, cores // threads)
    if workers <= fit:
        return None
    return (
        f"warning: {workers} workers x {threads} threads exceed the {cores} cores here: they share them and "
        f"grow no faster than {fit}; use --workers {fit}"
    )


def _used(out: Path) -> int:
    return sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file()) if Path(out).is_dir() else 0


@frozen
class Plan:
    """What a sweep needs: memory per pair and per chunk, disk by kind, and what is free."""

    runs: int
    steps: int
    chunk_size: int
    pair_bytes: int
    memory_free: int
    device: str
    disk: dict[str, int]
    disk_used: int
    disk_free: int
    processes: int = 0  # worker processes started on this machine, each with PROCESS_BYTES besides its chunk

    @property
    def processes_bytes(self) -> int:
        """The worker processes and the chunks they hold at once."""
        return self.processes * (PROCESS_BYTES + self.chunk_size * self.pair_bytes)

    @property
    def disk_needed(self) -> int:
        return max(0, sum(self.disk.values()) - self.disk_used)

    def refusal(self) -> str | None:
        """Why the sweep cannot run here (one line, with the bytes), or None."""
        chunk = self.chunk_size * self.pair_bytes
        if self.pair_bytes > self.memory_free:
            return (
                f"one twin pair needs {gib(self.pair_bytes)} of memory on {self.device}, {gib(self.memory_free)} "
                "available; use a smaller --n-main or another --device"
            )
        if chunk > self.memory_free:
            return (
                f"a chunk of {self.chunk_size} pairs needs {gib(chunk)} of memory on {self.device}, "
                f"{gib(self.memory_free)} available; use a smaller --chunk-size (0: as many as fit)"
            )
        if self.processes_bytes > self.memory_free:
            return (
                f"{self.processes} worker processes need about {gib(self.processes_bytes)} of memory (about "
                f"{gib(PROCESS_BYTES)} each besides their chunks), {gib(self.memory_free)} available; use fewer "
                "--workers"
            )
        if self.disk_needed > self.disk_free:
            return (
                f"the results need about {gib(self.disk_needed)} more on disk, {gib(self.disk_free)} free; "
                "free some space, choose another --out, or use fewer --runs or --steps"
            )
        return None

    def lines(self) -> list[str]:
        """The plan in words (what ``--dry-run`` prints)."""
        d = self.disk
        processes = f", {self.processes} worker processes ({gib(self.processes_bytes)})" if self.processes else ""
        return [
            f"sweep: {self.runs:,} pairs x {self.steps:,} steps on {self.device}",
            f"memory: {gib(self.pair_bytes)} per pair, chunks of {self.chunk_size} pairs "
            f"({gib(self.chunk_size * self.pair_bytes)}){processes}; {gib(self.memory_free)} available",
            f"disk: step parts {gib(d['steps'])}, snapshots {gib(d['snapshots'])}, checkpoints "
            f"{gib(d['checkpoints'])}; {gib(self.disk_needed)} still to write, {gib(self.disk_free)} free",
        ]


def plan_sweep(
    config: TwinsConfig,
    out: Path,
    device: torch.device,
    chunk_size: int | None = None,
    keep_checkpoints: str = "last",
    parallel: int = 1,
    processes: int = 0,
) -> Plan:
    """The plan of ``config`` into ``out`` on ``device`` with ``parallel`` chunks growing at once, in
    ``processes`` worker processes started on this machine (0: in this one, or elsewhere);
    ``chunk_size``: the folder's, else the config's, else the runs shared among the parallel chunks,
    at most as many pairs as half the memory left by the processes holds for each."""
    agent = config.agent
    agent_bytes = installed().substrates[config.substrate].agent_bytes(agent)
    window, every = config.checkpoint_every, config.snapshot_every
    snapshots_per_window = -(-window // every) + 1
    recorder = 2 * (8 * len(RECORDED) * window + 4 * agent.n_emo * snapshots_per_window)
    pair = 2 * agent_bytes + recorder
    memory = free_memory(device)
    processes = min(processes, config.runs) if device.type == "cpu" else 0  # a GPU's workers: host memory
    spare = max(0, memory - processes * PROCESS_BYTES)
    size = chunk_size or config.chunk_size or max(1, min(spare // 2 // pair // parallel, -(-config.runs // parallel)))
    size = min(size, config.runs)
    processes = min(processes, -(-config.runs // size))  # no more than there are chunks
    snapshots = -(-config.steps // every)
    # both twins of a chunk at one step; one more while the next is committed ("none": none kept after)
    one = 2 * agent_bytes * size
    kept = 1 if keep_checkpoints == "none" else -(-config.runs // size)
    disk = {
        "steps": config.runs * config.steps * 2 * ROW_BYTES,
        "snapshots": config.runs * 2 * snapshots * (4 * agent.n_emo + SNAPSHOT_OVERHEAD),
        "checkpoints": one * (kept + 1),
    }
    return Plan(
        runs=config.runs,
        steps=config.steps,
        chunk_size=size,
        pair_bytes=pair,
        memory_free=memory,
        device=str(device),
        disk=disk,
        disk_used=_used(out),
        disk_free=_free_disk(out),
        processes=processes,
    )


def measure_pair_steps(config: TwinsConfig, device: torch.device, pairs: int, seconds: float = 1.0) -> float:
    """Pair-steps per second of a population of ``pairs`` pairs on ``device``, timed over about ``seconds``
    after two warm-up steps (compilation); nothing is written."""
    twins = [
        build_agent(config.agent, list(range(pairs)), list(range(pairs)), scaffolds=s, device=device)
        for s in (config.a, config.b)
    ]
    for agent in twins:
        agent.receive_feedback(config.feedback_message, config.feedback_strength)
    for _ in range(2):
        for agent in twins:
            agent.step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds and steps < config.steps:
        for agent in twins:
            agent.step()
        steps += 1
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return pairs * steps / (time.perf_counter() - start)
