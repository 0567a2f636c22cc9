"""Devices: the one place a device name from a user becomes a torch device, or a clear error."""

from __future__ import annotations

import os

import torch

from ..config import ConfigError

__all__ = ["resolve_device", "free_memory", "use_threads"]


def resolve_device(name: str | torch.device) -> torch.device:
    """The torch device named ``name``; a name torch does not know, or CUDA where there is none, is a
    ConfigError naming the fix."""
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise ConfigError(f"unknown device {name!r}; use cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r}: CUDA is not available here (torch {torch.__version__}); use --device cpu")
    if device.type not in ("cpu", "cuda"):
        raise ConfigError(f"device {name!r} is not supported; use cpu, cuda or cuda:N")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ConfigError(
            f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s); "
            f"use cuda:0 to cuda:{torch.cuda.device_count() - 1}"
        )
    return device


def free_memory(device: torch.device) -> int:
    """Bytes free now on ``device``: the GPU's free memory, or the machine's available RAM."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def use_threads(threads: int) -> None:
    """Compute with ``threads`` CPU threads in this process (torch's and the fused kernels'). numba first:
    its first call starts its thread pool, which sets torch's threads back to the machine's."""
    import numba

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    torch.set_num_threads(threads)
