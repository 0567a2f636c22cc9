"""Executors: where the independent tasks of a sweep run (this machine's processes, a Ray cluster,
SLURM jobs).

An executor is registered through ``register_executors`` as a factory, usually its class, called as
``factory(resources, settings)`` (``factory(resources)`` without ``SETTINGS``, a frozen attrs class of
its parameters, given as ``--executor NAME:FIELD=VALUE``). The object it returns says how many tasks
it runs at once (``workers``, None when it cannot know: a sweep then makes a chunk of every pair
unless told its ``--chunk-size``; a factory may say it before starting, for a dry run, as
``factory.planned_workers(resources, settings)``, else it is ``resources.workers``), and runs picklable calls
``fn(arg)``: ``submit`` returns a ``concurrent.futures.Future`` whose result is what ``fn`` returned
(a small summary: the data travels through the shared results folder) or whose exception says why it
failed; a task that did not return is a ``TaskFailed``. ``shutdown()`` waits for the running tasks and
releases the workers; ``shutdown(wait=False)`` stops now (an interrupt), cancelling what has not started and
stopping what runs where it can (a chunk resumes from its last checkpoint).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

from attrs import frozen

__all__ = ["Executor", "Resources", "TaskFailed"]


class TaskFailed(RuntimeError):
    """A task did not return: its worker died (killed, out of memory, its node lost) or its job failed;
    the message says which, in one line."""


@frozen
class Resources:
    """What each task takes and how many run at once: ``workers`` tasks at a time (None: as many as the
    executor's machines allow), each with ``threads`` CPU threads and ``gpus`` GPUs."""

    workers: int | None = None
    threads: int = 1
    gpus: int = 0


class Executor(Protocol):
    workers: int | None  # tasks it runs at once (None: unknown, as many as a cluster takes)

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Future: ...

    def shutdown(self, wait: bool = True) -> None: ...
