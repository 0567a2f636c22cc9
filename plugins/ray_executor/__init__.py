"""The ``ray`` executor: one Ray task per chunk, on a local Ray instance or a cluster (``emergence[ray]``).

A task takes ``threads`` CPUs and ``gpus`` GPUs; its worker exits after it (GPU memory is released); a
task whose worker or node dies is run again (``max_retries``) and resumes its chunk from the chunk's
last checkpoint. Tasks return small summaries: the data travels through the shared results folder.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from attrs import field, frozen, validators

from emergence.config import ConfigError
from emergence.contract import Resources, TaskFailed, hookimpl
from emergence.executors import translated
from emergence.options import add_executor_option


@frozen
class RaySettings:
    """``address``: None starts a local Ray instance for the sweep; ``auto`` joins the cluster this machine
    belongs to; ``HOST:PORT`` a cluster's head. ``max_retries``: runs of a task whose worker died."""

    address: str | None = None
    max_retries: int = field(default=3, validator=[validators.instance_of(int), validators.ge(0)])


CONNECT_SECONDS = 10  # how long a cluster's head may take to answer before the sweep is refused


def _call(fn: Callable[[Any], Any], arg: Any) -> Any:
    return fn(arg)


def _check_reachable(address: str | None) -> None:
    """A ConfigError, within seconds, when nothing answers at a cluster's ``HOST:PORT`` (``ray.init``
    would retry for minutes); ``None`` and ``auto`` are left to Ray."""
    if address in (None, "auto", "local"):
        return
    host, _, port = address.split("://")[-1].rpartition(":")
    if not port.isdigit():
        return
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as err:
        raise ConfigError(
            f"ray: nothing answers at {address!r} ({err.strerror or err}); check the "
            "address and that the cluster's head runs (`ray start --head`)"
        ) from None


class RayExecutor:
    """Chunks as Ray tasks on a local Ray instance or a cluster."""

    SETTINGS = RaySettings

    def __init__(self, resources: Resources, settings: RaySettings):
        try:
            import ray
        except ImportError:
            raise ConfigError("the ray executor needs Ray: pip install 'emergence[ray]'") from None
        self.ray, self.started = ray, not ray.is_initialized()
        if self.started:
            _check_reachable(settings.address)
            try:
                ray.init(address=settings.address, include_dashboard=False, log_to_driver=False)
            except ConnectionError as err:
                raise ConfigError(f"ray: could not join the cluster at {settings.address!r} ({err})") from None
        cluster = ray.cluster_resources()
        per_task = (
            cluster.get("GPU", 0) // resources.gpus if resources.gpus else cluster.get("CPU", 1) // resources.threads
        )
        self.workers = resources.workers or max(1, int(per_task))
        task = ray.remote(max_calls=1, max_retries=settings.max_retries, retry_exceptions=False)(_call)
        self.remote = task.options(num_cpus=resources.threads, num_gpus=resources.gpus)
        self.running: list = []

    def _translate(self, error: BaseException) -> BaseException:
        if isinstance(error, self.ray.exceptions.RayTaskError):
            return error.cause  # what the task raised
        return TaskFailed(f"its Ray worker or node died and no retry was left ({type(error).__name__})")

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Future:
        ref = self.remote.remote(fn, arg)
        self.running.append(ref)
        return translated(ref.future(), self._translate)

    def shutdown(self, wait: bool = True) -> None:
        if not wait:
            for ref in self.running:
                self.ray.cancel(ref, force=True)
        if self.started:
            self.ray.shutdown()


@hookimpl
def register_executors(register):
    register("ray", RayExecutor)


@hookimpl(trylast=True)  # after the commands that take --executor are added
def register_commands(cli):
    add_executor_option(
        cli,
        "--ray-address",
        "ray",
        "address",
        metavar="auto|HOST:PORT",
        help="The Ray cluster to join (same as --executor ray:address=...).",
    )
