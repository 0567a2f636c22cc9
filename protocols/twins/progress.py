"""How far a sweep has grown, for the user: a progress bar on a terminal, plain lines elsewhere (a log
file under nohup or SLURM, a pipe to ``tee``), where a bar would show nothing until the end."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["progress_display", "PlainProgress"]

Show = Callable[[int, int], None]  # (pair-steps grown so far, runs finished so far)
EVERY_SECONDS = 30.0  # plain lines: at least this often, and at each tenth of the sweep


@contextmanager
def progress_display(runs: int, pair_steps: int, show: bool = True) -> Iterator[Show]:
    """A ``progress(pair_steps, runs_finished)`` callback (totals so far) counting the pair-steps as
    they grow: a rich bar on a terminal or in a notebook, else plain lines on stderr; nothing unless
    ``show``."""
    if not show:
        yield lambda steps, finished: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not (console.is_terminal or console.is_jupyter):
        yield PlainProgress(runs, pair_steps)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("pair-steps"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(_runs(runs, 0), total=pair_steps, rate="")

        def show_progress(steps: int, finished: int) -> None:
            bar.update(task, completed=steps)
            speed = bar.tasks[task].speed
            bar.update(task, description=_runs(runs, finished), rate=f"{speed:,.0f}/s" if speed else "")

        yield show_progress


def _runs(runs: int, finished: int) -> str:
    return f"· {runs} runs, {finished} finished ·"


class PlainProgress:
    """Plain progress lines on ``stream`` (default stderr): one at each tenth of the sweep grown and at
    least every ``EVERY_SECONDS`` while it grows; none before anything has grown or been waited for."""

    def __init__(
        self, runs: int, pair_steps: int, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic
    ):
        self.runs, self.total, self.stream, self.clock = runs, pair_steps, stream, clock
        self.start_time = self.last_time = clock()
        self.start_steps: int | None = None  # what a resumed sweep held when it started
        self.last_tenth = 0

    def __call__(self, steps: int, finished: int) -> None:
        now = self.clock()
        if self.start_steps is None:
            self.start_steps, self.last_tenth = steps, self._tenth(steps)
            return
        tenth = self._tenth(steps)
        if tenth > self.last_tenth or now - self.last_time >= EVERY_SECONDS:
            self.last_tenth, self.last_time = tenth, now
            print(self.line(steps, finished, now), file=self.stream or sys.stderr, flush=True)

    def _tenth(self, steps: int) -> int:
        return 10 * steps // max(self.total, 1)

    def line(self, steps: int, finished: int, now: float) -> str:
        elapsed = now - self.start_time
        rate = (steps - self.start_steps) / elapsed if elapsed > 0 else 0.0
        left = f", about {_clock((self.total - steps) / rate)} left" if rate > 0 and steps < self.total else ""
        return (
            f"{steps:,}/{self.total:,} pair-steps ({100 * steps // max(self.total, 1)}%), {finished}/{self.runs} "
            f"runs finished, {rate:,.0f} pair-steps/s, {_clock(elapsed)} elapsed{left}"
        )


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
