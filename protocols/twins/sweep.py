"""A Twins sweep as a Python object: ``emergence.twins(...)`` builds one, the command line too."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from emergence.api import Results
from emergence.contract import PluginSpec, resolve_spec
from emergence.host import DEFAULT_SUBSTRATE, installed
from emergence.results import ResultsFolder

from .progress import progress_display
from .settings import TwinsConfig, make_config

__all__ = ["TwinsSweep", "sweep", "default_out"]

# Options of the agent's config that the protocol passes on (each substrate takes those it has).
AGENT_OPTIONS = ("n_main", "n_emo", "engine", "weight_noise_every", "weight_dtype")
# Options of how the sweep is grown, never of what it grows.
RUNNING_OPTIONS = ("keep_checkpoints", "executor", "workers", "threads")


def default_out(substrate: str, preset: str) -> Path:
    """``results/twins-PRESET``; another substrate: ``results/twins-SUBSTRATE-PRESET``."""
    name = preset if substrate == DEFAULT_SUBSTRATE else f"{substrate}-{preset}"
    return Path("results") / f"twins-{name}"


class TwinsSweep:
    """The pairs of ``config`` grown into ``out`` on ``device``; re-running resumes.
    ``keep_checkpoints``: "last" keeps each chunk's last checkpoint, "none" deletes a finished chunk's.
    ``executor`` (``"local"``, ``"ray"``, ``"slurm:partition=gpu"``...) grows the chunks, ``workers`` at
    once (None: as many as its machines allow), ``threads`` CPU threads each (None: 2); its spec is
    resolved here, once."""

    def __init__(
        self,
        config: TwinsConfig,
        out: str | Path,
        device: str = "cpu",
        keep_checkpoints: str = "last",
        executor: str | PluginSpec = "local",
        workers: int | None = None,
        threads: int | None = None,
    ):
        if not isinstance(config, TwinsConfig):
            raise TypeError(f"config must be a TwinsConfig, got {type(config).__name__}")
        if not isinstance(out, (str, Path)):
            raise TypeError(f"out must be a path, got {type(out).__name__}")
        self.config, self.out, self.device, self.keep_checkpoints = config, Path(out), device, keep_checkpoints
        self.executor = resolve_spec("executor", executor, installed().executors)
        self.workers, self.threads = workers, threads

    def __repr__(self) -> str:
        c = self.config
        return f"TwinsSweep({'+'.join(map(str, c.a))} vs {'+'.join(map(str, c.b))}, {c.runs} runs x {c.steps} steps, out={str(self.out)!r})"

    def run(self, progress: bool = True, command_line: list[str] | None = None) -> Results:
        """Grow every pair (resuming), analyse the folder, write its report.md and figures, and return its
        results; ``progress`` shows how far it has grown (a bar on a terminal, a plain line every tenth or
        30 s in a log file or pipe)."""
        grow_together([self], progress, command_line)
        return self.analyse()

    def analyse(self) -> Results:
        """The results of the grown folder, analysed (summary, tables, report.md and figures written)."""
        with ResultsFolder(self.out).lock():
            results = Results(self.out)
            results.analyse(windows=self.config.windows, burn_in=self.config.burn_in)
            results.write_report()
        return results

    def plan(self, measure: bool = False) -> tuple[list[str], str | None]:
        """The plan of the sweep in words (memory, chunks, disk; with ``measure``, the time from a short
        timed probe on the device), and why it would be refused here (None: it fits; a refused sweep gets
        no probe); nothing is written."""
        from emergence.agents.devices import resolve_device
        from emergence.executors import cores, processes_here
        from emergence.host import executor_workers

        from .folder import folder_chunk_size
        from .plan import gib, measure_pair_steps, oversubscribed, plan_sweep
        from .runner import DEFAULT_THREADS, check_plugins, resources_for

        check_plugins(self.config)
        device = resolve_device(self.device)
        existing = folder_chunk_size(ResultsFolder(self.out))
        parallel = executor_workers(self.executor, resources_for(device, self.workers, self.threads))  # not started
        here = processes_here(installed().executors[self.executor.name], parallel)
        plan = plan_sweep(
            self.config, self.out, device, existing, self.keep_checkpoints, parallel or self.config.runs, here
        )
        lines, refusal = plan.lines(), plan.refusal()
        chunks = -(-self.config.runs // plan.chunk_size)
        at_once = min(chunks, parallel or chunks)
        lines.append(f"executor: {self.executor}, {chunks} chunk(s), {at_once} growing at once")
        threads = self.threads or DEFAULT_THREADS
        crowded = oversubscribed(plan.processes, threads, cores())
        lines += [crowded] if crowded else []
        growing = min(at_once, max(1, cores() // threads)) if crowded else at_once  # sharing cores: no faster
        if refusal and self.keep_checkpoints == "last" and plan.disk_needed > plan.disk_free:
            lean = plan_sweep(self.config, self.out, device, existing, "none", parallel or self.config.runs, here)
            if lean.refusal() is None:
                refusal += (
                    f"; --keep-checkpoints none (a chunk's checkpoints deleted once it is finished) needs "
                    f"about {gib(lean.disk_needed)}"
                )
        if measure and not refusal:
            pairs = min(plan.chunk_size, 4)
            rate = measure_pair_steps(self.config, device, pairs)
            seconds = -(-chunks // growing) * plan.chunk_size * self.config.steps / rate
            lines.append(
                f"time: about {_duration(seconds)} at {rate:,.0f} pair-steps/s per worker, {growing} at once "
                f"(a {pairs}-pair probe on {device} in this process; larger chunks run faster, workers "
                "sharing cores slower)"
            )
        return lines, refusal


def grow_together(sweeps: list[TwinsSweep], progress: bool = True, command_line: list[str] | None = None) -> None:
    """Grow the chunks of every sweep on the first one's executor, device and resources (a study's
    conditions), resuming each; ``progress`` shows how far they have grown, all together."""
    from emergence.agents.devices import resolve_device

    from .runner import check_plugins, grow_sweeps

    for s in sweeps:
        check_plugins(s.config)  # fail before the progress display opens
    first = sweeps[0]
    device = resolve_device(first.device)
    total = sum(s.config.runs for s in sweeps), sum(s.config.runs * s.config.steps for s in sweeps)
    with progress_display(*total, progress) as show:
        grow_sweeps(
            [(s.config, s.out) for s in sweeps],
            device=device,
            executor=first.executor,
            workers=first.workers,
            threads=first.threads,
            progress=show,
            keep_checkpoints=first.keep_checkpoints,
            command_line=command_line if command_line is not None else sys.argv,
        )


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def sweep(
    a: Any = "hrls",
    b: Any = "surge",
    *,
    substrate: str = DEFAULT_SUBSTRATE,
    preset: str = "small",
    out: str | Path | None = None,
    device: str = "cpu",
    **options: Any,
) -> TwinsSweep:
    """The Python entry of the protocol: the options of ``emergence protocol twins`` as keywords;
    ``settings={"emo_noise": 0.06}`` sets any field of the agent's config (``--set``)."""
    agent_options = {name: options.pop(name) for name in AGENT_OPTIONS if name in options}
    running = {name: options.pop(name) for name in RUNNING_OPTIONS if name in options}
    config = make_config(substrate, preset, agent_options, a=a, b=b, **options)
    return TwinsSweep(config, out or default_out(substrate, preset), device, **running)
