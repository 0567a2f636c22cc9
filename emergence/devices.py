"""Devices: the one place a device name from a user becomes a torch device, or a clear error."""

from __future__ import annotations

import torch

from .config import ConfigError

__all__ = ["resolve_device"]


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
    return device
