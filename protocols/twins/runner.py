"""Grow a sweep of twin pairs side by side, recording as it goes; resume where a sweep stopped.

Runs are grown in chunks: all twins A of a chunk form one population (one plugin manager with A's
scaffolds), all twins B another. An agent's trajectory does not depend on its population, so the
chunk size changes speed and memory, never results. The agents are built by the sweep's substrate;
nothing here depends on which substrate it is.

A chunk is the unit of work of an executor (``ChunkTask``, grown by ``grow_task`` in a worker that
holds the chunk's lock and writes its own index); the driver holds the folder's lock, hands out the
chunks and learns how far each has grown from its committed checkpoints alone.

Each window is written in one order: its parts, the index with their checksums, then both twins'
checkpoint committed together. A chunk is finished when every part of its runs matches the index; an
unfinished one resumes from its newest committed checkpoint that is valid and not ahead of the
chunk's complete windows (else from step 0), rewriting every window after it.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from contextlib import ExitStack, contextmanager

import torch
from attrs import frozen

from emergence.agents.devices import resolve_device, use_threads
from emergence.config import ConfigError
from emergence.contract import Executor, PluginError, PluginSpec, Resources, TaskFailed
from emergence.executors import cores, processes_here, stopped_by_signals
from emergence.host import build_agent, check_scaffolds, installed, open_executor
from emergence.results import TWINS, ChunkFolder, FolderIndex, ResultsError, ResultsFolder
from emergence.results.commits import commit, restore_pair
from emergence.results.markers import removed, verified_files
from emergence.results.provenance import machine
from emergence.results.recorder import NotFinite, Recorder

from .folder import folder_chunk_size, open_folder
from .plan import oversubscribed, plan_sweep
from .seeds import run_seeds
from .settings import TwinsConfig

__all__ = [
    "run_sweep",
    "run_seeds",
    "check_plugins",
    "KEEP_CHECKPOINTS",
    "ChunkTask",
    "grow_task",
    "prepare_sweep",
    "grow_tasks",
    "executor_for",
    "resources_for",
    "run_sweeps",
    "grow_sweeps",
    "DEFAULT_THREADS",
]

Progress = Callable[[int, int], None]  # (pair-steps grown so far, runs finished so far)
Say = Callable[[str], None]  # one line for the user: what was found and what is done about it
KEEP_CHECKPOINTS = ("last", "none")
DEFAULT_THREADS = 2  # CPU threads per worker unless told
POLL_SECONDS = 0.5  # how often the driver reads how far the chunks have grown


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def check_plugins(config: TwinsConfig) -> None:
    """Fail early, in one line, on an unknown substrate or metric, or a scaffold that cannot scaffold this
    agent (its name and settings were resolved with the config: each is built once here, on no manager
    that loads plugins)."""
    catalogue = installed()
    catalogue.substrates[config.substrate]
    for scaffolds in (config.a, config.b):
        check_scaffolds(config.agent, scaffolds, catalogue)
    for name in config.emotion_metrics:
        catalogue.metrics[name]


def _complete_windows(
    folder: ResultsFolder, config: TwinsConfig, runs: list[int], index: FolderIndex
) -> tuple[int, str]:
    """How many leading windows every run of the chunk holds in full and valid, and why the next is not."""
    windows = config.steps // config.checkpoint_every
    config_dict = {"checkpoint_every": config.checkpoint_every, "snapshot_every": config.snapshot_every}
    for w in range(windows):
        for run in runs:
            for path in folder.window_parts(config_dict, run, w):
                problem = index.problem(path)
                if problem:
                    return w, f"{folder.relative(path)} is {problem}"
    return windows, ""


def _resume(
    chunk: ChunkFolder, runs: list[int], build: Callable[[], dict], complete_step: int, say: Say
) -> tuple[dict, int]:
    """The chunk's twins restored from its newest usable committed checkpoint (one of these runs and this
    population), and its step (fresh twins and 0 when there is none)."""
    for step, folder in chunk.committed():
        if step > complete_step:
            continue  # its windows' parts are not all there: they are rewritten from an earlier point
        twins = build()
        try:
            return twins, restore_pair(folder, twins, runs)
        except ResultsError as err:
            say(f"{err}; not used: resuming from an earlier checkpoint or step 0")
    return build(), 0


def _remove_damaged(chunk: ChunkFolder, say: Say) -> None:
    """Remove a finished chunk's checkpoints that fail their checksums, saying so: its data are complete,
    so they could only grow it further, and left there they would fail ``emergence check`` forever."""
    for _, folder in chunk.committed():
        try:
            verified_files(folder, TWINS)
        except ResultsError as err:
            removed(folder)
            say(
                f"{err}; removed {chunk.folder.relative(folder)} (chunk {chunk.number} is finished and its data "
                "are intact)"
            )


def _described(device: torch.device) -> str:
    """The device type, and for a GPU its model and CUDA version (what decides how its kernels round)."""
    if device.type != "cuda":
        return device.type
    return f"cuda ({torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda})"


def grow_chunk(
    config: TwinsConfig,
    chunk: ChunkFolder,
    runs: list[int],
    index: FolderIndex,
    device: torch.device,
    keep_checkpoints: str = "last",
    say: Say = _stderr,
) -> int:
    """Grow one chunk of pairs to ``config.steps`` on ``device``, resuming from its checkpoints if usable;
    returns the steps it grew (0: it was finished)."""
    C = config.checkpoint_every
    complete, reason = _complete_windows(chunk.folder, config, runs, index)
    if complete * C == config.steps:
        if keep_checkpoints == "none":
            chunk.remove()
        else:
            _remove_damaged(chunk, say)
        return 0
    seeds = run_seeds(config)

    def population(twin: str, scaffolds: tuple[str, ...]):
        init = [seeds[r][f"init_{twin}"] for r in runs]
        noise = [seeds[r][f"noise_{twin}"] for r in runs]
        shared = [seeds[r]["input"] for r in runs] if config.input == "shared" else None
        return build_agent(config.agent, init, noise, scaffolds=scaffolds, device=device, input_seeds=shared)

    def pair() -> dict:
        return {"A": population("a", config.a), "B": population("b", config.b)}

    twins, start = _resume(chunk, runs, pair, complete * C, say)
    newest = chunk.committed()
    if newest and newest[0][0] > complete * C:
        say(f"chunk {chunk.number} (runs {runs[0]}-{runs[-1]}): {reason}; growing it again from step {start}")
    for step, folder in newest:
        if step > start:
            removed(folder)  # ahead of the data or unusable: the chunk regrows past it
    recorder = Recorder(runs, chunk.folder, C, config.snapshot_every)
    grower = machine(_described(device))
    for step in range(start, config.steps):
        if step % config.feedback_every == 0:
            for agent in twins.values():
                agent.receive_feedback(config.feedback_message, config.feedback_strength)
        for agent in twins.values():
            agent.step()
        recorder.record(step, twins)
        if (step + 1) % C == 0:
            index.record(recorder.flush(step // C), grew=(start, step + 1, grower))
            if step + 1 == config.steps and keep_checkpoints == "none":
                chunk.remove()
            else:
                commit(chunk, step + 1, twins, extra={"runs": runs})
    return config.steps - start


@frozen
class ChunkTask:
    """One chunk of one sweep: all a worker needs to grow it (it pickles small)."""

    config: TwinsConfig
    out: str
    chunk: int
    runs: tuple[int, ...]
    device: str
    keep_checkpoints: str = "last"
    threads: int = DEFAULT_THREADS

    def __str__(self) -> str:
        return f"{self.out}: chunk {self.chunk} (runs {self.runs[0]}-{self.runs[-1]})"

    def grown(self) -> int:
        """The pair-steps its committed checkpoints hold (what a driver sees of a growing chunk)."""
        return ResultsFolder(self.out).chunk(self.chunk).grown() * len(self.runs)


def grow_task(task: ChunkTask) -> dict:
    """A worker's whole job: grow one chunk here, holding its lock, with the task's threads; returns a
    small summary (what was said, the steps grown, the time, where)."""
    use_threads(task.threads)
    notes: list[str] = []
    chunk, started = ResultsFolder(task.out).chunk(task.chunk), time.perf_counter()
    with chunk.lock():
        steps = grow_chunk(
            task.config,
            chunk,
            list(task.runs),
            chunk.index(notes.append),
            resolve_device(task.device),
            task.keep_checkpoints,
            notes.append,
        )
    return {
        "chunk": task.chunk,
        "steps": steps,
        "seconds": time.perf_counter() - started,
        "notes": notes,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }


def prepare_sweep(
    config: TwinsConfig,
    out: ResultsFolder,
    device: torch.device,
    keep_checkpoints: str,
    parallel: int | None,
    threads: int | None,
    command_line: list[str],
    say: Say,
    stack: ExitStack,
    processes: int = 0,
) -> tuple[dict, list[ChunkTask]]:
    """Plan the sweep for ``parallel`` chunks at once (None: a chunk per pair) in ``processes`` worker
    processes on this machine, and refuse it before anything is written if it does not fit; take the
    folder's lock (held until ``stack`` closes), open the folder, remove what interrupted writes left;
    return its manifest and its chunks."""
    plan = plan_sweep(config, out, device, folder_chunk_size(out), keep_checkpoints, parallel or config.runs, processes)
    if plan.refusal():
        raise ResultsError(f"{plan.refusal()} (nothing was written)")
    stack.enter_context(out.lock())
    manifest = open_folder(config, out, plan.chunk_size, command_line, device)
    for leftover in out.remove_leftovers():
        say(f"removed {out.relative(leftover)}, left by an interrupted write")
    size = manifest["chunk_size"]
    return manifest, [
        ChunkTask(
            config,
            str(out),
            chunk,
            tuple(range(first, min(first + size, config.runs))),
            str(device),
            keep_checkpoints,
            threads or DEFAULT_THREADS,
        )
        for chunk, first in enumerate(range(0, config.runs, size))
    ]


def grow_tasks(
    tasks: Sequence[ChunkTask],
    executor: Executor,
    workers: int | None = None,
    progress: Progress = lambda steps, runs: None,
    say: Say = _stderr,
) -> None:
    """Grow every chunk on ``executor``, at most ``workers`` at once (None: all handed out). A chunk that
    fails is said in a line (a sweep of one chunk: in the error alone) and the others grow on; then one
    ResultsError says what to re-run (once the plugin is fixed, where a plugin's fault stopped a chunk),
    or, where the agents left the range of floating point, that a re-run would stop the same way."""
    finished: set[int] = set()
    failures: list[str] = []
    failed: list[ChunkTask] = []
    plugin_faults = 0
    out_of_range: list[str] = []  # failures a re-run would repeat: the agents left the range of floats
    stop = threading.Event()

    def report() -> None:
        steps = sum(t.config.steps * len(t.runs) if i in finished else t.grown() for i, t in enumerate(tasks))
        progress(steps, sum(len(tasks[i].runs) for i in finished))

    def poll() -> None:
        while not stop.wait(POLL_SECONDS):
            report()

    report()  # where a resumed sweep starts, before anything grows
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    waiting, pending = list(enumerate(tasks)), {}
    try:
        while waiting or pending:
            while waiting and len(pending) < (workers or len(tasks)):
                i, task = waiting.pop(0)
                pending[executor.submit(grow_task, task)] = i
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                try:
                    summary = future.result()
                except (ResultsError, ConfigError, TaskFailed, PluginError) as err:
                    failures.append(f"{tasks[i]}: {err}")
                    failed.append(tasks[i])
                    plugin_faults += isinstance(err, PluginError)
                    out_of_range += [failures[-1]] if isinstance(err, NotFinite) else []
                    if len(tasks) > 1:  # at once, while the others grow on (one chunk's error says it)
                        say(f"failed: {failures[-1]}")
                    continue
                for note in summary["notes"]:
                    say(note)
                finished.add(i)
    finally:
        stop.set()
        poller.join()
        report()
    if out_of_range:
        raise ResultsError(f"{out_of_range[0]}; a re-run would stop the same way: use gentler settings in a new --out")
    if len(tasks) == 1 and failures:
        then = "then " if plugin_faults else ""
        raise ResultsError(f"{failures[0]}; {then}re-run the same command to resume it (finished chunks are kept)")
    if len(failures) == 1:
        then = "once the plugin is fixed, " if plugin_faults else ""
        raise ResultsError(
            f"1 of {len(tasks)} chunks did not finish ({failed[0]}, said above); {then}re-run the same "
            "command to resume it (finished chunks are kept)"
        )
    if failures:
        then = "once the plugin is fixed, " if plugin_faults else ""
        raise ResultsError(
            f"{len(failures)} of {len(tasks)} chunks did not finish (each said above; the first: "
            f"{failures[0]}); {then}re-run the same command to resume them (finished chunks are kept)"
        )


def resources_for(device: torch.device, workers: int | None, threads: int | None) -> Resources:
    """What each chunk takes on ``device``'s kind: ``threads`` CPU threads (None: 2), a GPU on CUDA."""
    return Resources(workers, threads or DEFAULT_THREADS, 1 if device.type == "cuda" else 0)


@contextmanager
def executor_for(
    spec: str | PluginSpec, device: torch.device, workers: int | None, threads: int | None
) -> Iterator[Executor]:
    """The executor named by ``spec`` for chunks on ``device``'s kind, ``threads`` CPU threads each; shut
    down on leaving (at once, stopping its workers, when leaving on an error or an interrupt)."""
    executor = open_executor(spec, resources_for(device, workers, threads))
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=False)
        raise
    executor.shutdown()


def grow_sweeps(
    sweeps: Sequence[tuple[TwinsConfig, str | os.PathLike]],
    *,
    device: str | torch.device = "cpu",
    executor: str | PluginSpec = "local",
    workers: int | None = 1,
    threads: int | None = None,
    progress: Progress = lambda steps, runs: None,
    command_line: list[str] | None = None,
    keep_checkpoints: str = "last",
    say: Say = _stderr,
) -> list[dict]:
    """Grow every pair of each ``(config, out)`` sweep whose plugins are checked (``check_plugins``),
    resuming a partial sweep and rebuilding what is missing or damaged; returns their manifests. Memory
    and disk are planned first: a sweep that does not fit is refused before anything is written. The
    chunks of all of them grow on ``executor`` (``"local"``, ``"ray:address=auto"``, ...), ``workers`` at
    once (local, 1: in this process; None: as many as the machines allow), with ``threads`` CPU threads
    each (None: 2). ``keep_checkpoints="none"`` deletes a finished chunk's checkpoints. A manifest
    records the device and engine of the run that created its folder."""
    if keep_checkpoints not in KEEP_CHECKPOINTS:
        raise ResultsError(f"keep_checkpoints must be one of {', '.join(KEEP_CHECKPOINTS)}, got {keep_checkpoints!r}")
    device = resolve_device(device)
    with ExitStack() as stack:
        stack.enter_context(stopped_by_signals())  # SIGTERM, SIGHUP: stopped as by Ctrl-C
        pool = stack.enter_context(executor_for(executor, device, workers, threads))
        here = processes_here(type(pool), pool.workers)
        manifests, tasks = [], []
        for config, out in sweeps:
            manifest, chunks = prepare_sweep(
                config,
                ResultsFolder(out),
                device,
                keep_checkpoints,
                pool.workers,
                threads,
                command_line or [],
                say,
                stack,
                here,
            )
            manifests.append(manifest)
            tasks += chunks
        crowded = oversubscribed(min(here, len(tasks)), threads or DEFAULT_THREADS, cores())
        if crowded:
            say(crowded)
        grow_tasks(tasks, pool, workers, progress, say)
        return manifests


def run_sweeps(sweeps: Sequence[tuple[TwinsConfig, str | os.PathLike]], **options) -> list[dict]:
    """``grow_sweeps`` (its options) after checking each sweep's plugins; returns their manifests."""
    for config, _ in sweeps:
        check_plugins(config)
    return grow_sweeps(sweeps, **options)


def run_sweep(config: TwinsConfig, out: str | os.PathLike, **options) -> dict:
    """Grow one sweep (``run_sweeps``' options); returns its manifest."""
    return run_sweeps([(config, out)], **options)[0]
