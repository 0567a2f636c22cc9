"""The ``local`` executor (the default): a pool of worker processes on this machine; and what every
executor shares: running a call in this process, and a future whose failure is translated."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from .config import ConfigError
from .contract import Resources, TaskFailed, hookimpl

__all__ = [
    "LocalPool",
    "cores",
    "processes_here",
    "run_here",
    "translated",
    "stopped_by_signals",
    "register_executors",
]

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends
WATCH_SECONDS = 1.0  # how often a worker looks for its driver where that signal is not available


def cores() -> int:
    """The CPU cores this process may use."""
    return len(os.sched_getaffinity(0))


def run_here(fn: Callable[[Any], Any], arg: Any) -> Future:
    """``fn(arg)`` run now in this process, as a finished future (an interrupt is not caught)."""
    future: Future = Future()
    try:
        future.set_result(fn(arg))
    except Exception as err:
        future.set_exception(err)
    return future


def translated(source: Future, translate: Callable[[BaseException], BaseException]) -> Future:
    """A future with ``source``'s result, or its exception passed through ``translate``."""
    future: Future = Future()

    def done(finished: Future) -> None:
        error = finished.exception()
        if error is None:
            future.set_result(finished.result())
        else:
            future.set_exception(translate(error))

    source.add_done_callback(done)
    return future


def _lost(error: BaseException) -> BaseException:
    if isinstance(error, BrokenProcessPool):
        return TaskFailed("its worker process died (killed, or out of memory)")
    return error


def _gpus() -> int:
    import torch

    return max(1, torch.cuda.device_count())


def _importing_main() -> bool:
    """Whether this is a new process importing the script that started it (``__mp_main__`` is then
    another module than ``__main__``; the same one everywhere else)."""
    return sys.modules.get("__mp_main__", sys.modules["__main__"]) is not sys.modules["__main__"]


def _die_with(driver: int) -> None:
    """End this worker when the ``driver`` process ends, however it ends (a SIGKILL too): a worker left
    behind would hold its chunk's lock and never exit. Linux signals it at once (PR_SET_PDEATHSIG);
    everywhere, a thread polls the parent's pid."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != driver:  # it ended before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == driver:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="watch-driver", daemon=True).start()


def _start_worker(driver: int, gpus) -> None:
    """In a fresh worker: end with the ``driver``; see only the GPU it takes from ``gpus`` (None: CPU workers)."""
    _die_with(driver)
    if gpus is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpus.get())


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP stop this process as Ctrl-C does (a KeyboardInterrupt: its
    executor's workers are stopped, what is committed stays); outside the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    before = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


class LocalPool:
    """Worker processes on this machine: ``resources.workers`` of them (default: as many as the cores
    allow at ``resources.threads`` threads each), each started fresh and ending with this process; with
    GPUs, worker i sees only GPU i. One worker grows in this process. A worker that dies fails its tasks
    (``TaskFailed``); the pool starts new workers for the tasks submitted after."""

    def __init__(self, resources: Resources):
        self.resources = resources
        self.workers = self.planned_workers(resources)
        if self.workers > 1 and _importing_main():
            raise ConfigError(
                "a worker process, importing the script that started it, was asked to grow a sweep: "
                'put the script\'s sweep under `if __name__ == "__main__":`'
            )
        self.pool = self._new_pool() if self.workers > 1 else None

    @staticmethod
    def planned_workers(resources: Resources, settings: None = None) -> int:
        """The workers a pool for ``resources`` has, said before it starts (a dry run)."""
        return resources.workers or (_gpus() if resources.gpus else max(1, cores() // resources.threads))

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        gpus = None
        if self.resources.gpus:
            gpus = context.Queue()
            for device in range(self.workers):
                gpus.put(device)
        return ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(), gpus)
        )

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Future:
        if self.pool is None:
            return run_here(fn, arg)
        try:
            return translated(self.pool.submit(fn, arg), _lost)
        except BrokenProcessPool:
            self.pool = self._new_pool()
            return translated(self.pool.submit(fn, arg), _lost)

    def shutdown(self, wait: bool = True) -> None:
        if self.pool is None:
            return
        self.pool.shutdown(wait=wait, cancel_futures=True)
        if not wait:
            for worker in multiprocessing.active_children():
                worker.terminate()


def processes_here(kind: Any, workers: int | None) -> int:
    """The worker processes an executor of ``kind`` (its class or factory) with ``workers`` starts on this
    machine: a local pool's (0: it grows in this process); other executors' workers run elsewhere, or
    under their own scheduler."""
    return workers if isinstance(kind, type) and issubclass(kind, LocalPool) and workers and workers > 1 else 0


@hookimpl
def register_executors(register):
    register("local", LocalPool)
