"""The ``slurm`` executor: one SLURM job per chunk, through submitit (``emergence[slurm]``).

Jobs are checkpointable: on a time-out or a preemption submitit requeues the job, which resumes its
chunk from the chunk's last checkpoint. ``cluster="local"`` runs the jobs as processes on this machine
(submitit's local executor): for trying a set-up, and for the tests.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from attrs import field, frozen, validators

from emergence.config import ConfigError
from emergence.contract import Resources, TaskFailed, hookimpl

_positive = [validators.instance_of(int), validators.ge(1)]
_optional_text = validators.optional(validators.instance_of(str))


@frozen
class SlurmSettings:
    """Where and how long a chunk's job runs. ``time``: minutes before SLURM stops it (it is requeued and
    resumes); ``signal_delay``: seconds before that when the job is told to stop; ``requeues``: how many
    times; ``sbatch``: more options as ``KEY=VALUE;KEY=VALUE``;
    ``folder``: submitit's job files and logs (on the shared file system)."""

    partition: str | None = field(default=None, validator=_optional_text)
    time: int = field(default=240, validator=_positive)
    signal_delay: int = field(default=120, validator=_positive)
    gpus_per_task: int | None = field(default=None, validator=validators.optional(_positive))
    mem_gb: int | None = field(default=None, validator=validators.optional(_positive))
    account: str | None = field(default=None, validator=_optional_text)
    qos: str | None = field(default=None, validator=_optional_text)
    constraint: str | None = field(default=None, validator=_optional_text)
    sbatch: str = field(default="", validator=validators.instance_of(str))
    requeues: int = field(default=3, validator=[validators.instance_of(int), validators.ge(0)])
    folder: str = field(default="slurm-jobs", validator=validators.instance_of(str))
    cluster: str = field(default="slurm", validator=validators.in_(("slurm", "local")))

    def sbatch_options(self) -> dict[str, str]:
        options = {}
        for item in filter(None, (part.strip() for part in self.sbatch.split(";"))):
            key, equals, value = item.partition("=")
            if not (equals and key.strip()):
                raise ConfigError(f"slurm: sbatch options are KEY=VALUE;KEY=VALUE, got {item!r}")
            options[key.strip().removeprefix("--")] = value.strip()
        return options


class _Resumable:
    """The job's callable: run as itself again after a time-out or a preemption (the chunk resumes from
    its last checkpoint)."""

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn

    def __call__(self, arg: Any) -> Any:
        return self.fn(arg)

    def checkpoint(self, arg: Any):
        from submitit.helpers import DelayedSubmission

        return DelayedSubmission(self, arg)


class SlurmExecutor:
    """Chunks as SLURM jobs, each ``threads`` CPUs and its GPUs."""

    SETTINGS = SlurmSettings

    def __init__(self, resources: Resources, settings: SlurmSettings):
        try:
            import submitit
        except ImportError:
            raise ConfigError("the slurm executor needs submitit: pip install 'emergence[slurm]'") from None
        if settings.cluster == "slurm" and shutil.which("sbatch") is None:
            raise ConfigError(
                "slurm: no sbatch on this machine; run from a SLURM login node, or try the set-up "
                "here with --executor slurm:cluster=local"
            )
        self.submitit, self.workers, self.jobs = submitit, resources.workers, []
        self.executor = submitit.AutoExecutor(
            folder=settings.folder,
            cluster=settings.cluster,
            **{f"{settings.cluster}_max_num_timeout": settings.requeues},
        )
        gpus = resources.gpus if settings.gpus_per_task is None else settings.gpus_per_task
        slurm = {
            "partition": settings.partition,
            "account": settings.account,
            "qos": settings.qos,
            "constraint": settings.constraint,
        }
        self.executor.update_parameters(
            timeout_min=settings.time,
            cpus_per_task=resources.threads,
            gpus_per_node=gpus,
            tasks_per_node=1,
            nodes=1,
            name="emergence-chunk",
            **({"mem_gb": settings.mem_gb} if settings.mem_gb else {}),
            **{f"slurm_{k}": v for k, v in slurm.items() if v is not None},
            slurm_additional_parameters=settings.sbatch_options(),
            slurm_signal_delay_s=settings.signal_delay,
        )

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Future:
        job = self.executor.submit(_Resumable(fn), arg)
        self.jobs.append(job)
        future: Future = Future()
        threading.Thread(target=self._watch, args=(job, future), daemon=True).start()
        return future

    def _watch(self, job, future: Future) -> None:
        try:
            future.set_result(job.result())
        except self.submitit.core.utils.FailedJobError as err:
            last = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
            future.set_exception(TaskFailed(f"its job {job.job_id} failed: {last} (log: {job.paths.stderr})"))
        except self.submitit.core.utils.UncompletedJobError:
            future.set_exception(
                TaskFailed(
                    f"its job {job.job_id} ended without a result (cancelled, killed or out "
                    f"of requeues; log: {job.paths.stderr})"
                )
            )

    def shutdown(self, wait: bool = True) -> None:
        if not wait:
            for job in self.jobs:
                if not job.done():
                    job.cancel(check=False)


@hookimpl
def register_executors(register):
    register("slurm", SlurmExecutor)
