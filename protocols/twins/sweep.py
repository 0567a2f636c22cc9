"""A Twins sweep as a Python object: ``emergence.twins(...)`` builds one, the command line too."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emergence.api import Results
from emergence.host import DEFAULT_SUBSTRATE

from .settings import TwinsConfig, make_config

__all__ = ["TwinsSweep", "sweep", "default_out"]

# Options of the agent's config that the protocol passes on (each substrate takes those it has).
AGENT_OPTIONS = ("n_main", "n_emo", "engine", "weight_noise_every", "weight_dtype")


def default_out(substrate: str, preset: str) -> Path:
    """``results/twins-PRESET``; another substrate: ``results/twins-SUBSTRATE-PRESET``."""
    name = preset if substrate == DEFAULT_SUBSTRATE else f"{substrate}-{preset}"
    return Path("results") / f"twins-{name}"


class TwinsSweep:
    """The pairs of ``config`` grown into ``out`` on ``device``; re-running resumes."""

    def __init__(self, config: TwinsConfig, out: str | Path, device: str = "cpu"):
        if not isinstance(config, TwinsConfig):
            raise TypeError(f"config must be a TwinsConfig, got {type(config).__name__}")
        self.config, self.out, self.device = config, Path(out), device

    def __repr__(self) -> str:
        c = self.config
        return f"TwinsSweep({'+'.join(c.a)} vs {'+'.join(c.b)}, {c.runs} runs x {c.steps} steps, out={str(self.out)!r})"

    def run(self, progress: bool = True, command_line: list[str] | None = None) -> Results:
        """Grow every pair (resuming), analyse the folder and return its results; ``progress`` shows a
        progress bar."""
        from emergence.agents.devices import resolve_device

        from .runner import check_plugins, run_sweep

        check_plugins(self.config)  # fail before the progress display opens
        device = resolve_device(self.device)
        with _progress_bar(self.config, progress) as advance:
            run_sweep(self.config, self.out, device=device, progress=advance,
                      command_line=command_line if command_line is not None else sys.argv)
        results = Results(self.out)
        results.analyse()
        return results


def sweep(
    a: Any = "hrls", b: Any = "surge", *, substrate: str = DEFAULT_SUBSTRATE, preset: str = "small",
    out: str | Path | None = None, device: str = "cpu", **options: Any,
) -> TwinsSweep:
    """The Python entry of the protocol: the options of ``emergence protocol twins`` as keywords;
    ``settings={"emo_noise": 0.06}`` sets any field of the agent's config (``--set``)."""
    agent_options = {name: options.pop(name) for name in AGENT_OPTIONS if name in options}
    config = make_config(substrate, preset, agent_options, a=a, b=b, **options)
    return TwinsSweep(config, out or default_out(substrate, preset), device)


@contextmanager
def _progress_bar(config: TwinsConfig, show: bool):
    """A ``progress(pair_steps, runs_finished)`` callback: a rich progress bar, or nothing."""
    if not show:
        yield lambda steps, runs: None
        return
    from rich.progress import (
        BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("pair-steps · {task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())
    with Progress(*columns) as bar:
        task = bar.add_task(f"runs 0/{config.runs}", total=config.runs * config.steps, rate="")
        finished = 0

        def advance(steps: int, runs: int) -> None:
            nonlocal finished
            finished += runs
            bar.advance(task, steps)
            speed = bar.tasks[task].speed
            bar.update(task, description=f"runs {finished}/{config.runs}", rate=f"{speed:,.0f}/s" if speed else "")

        yield advance
