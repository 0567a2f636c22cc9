"""Checkpoint and restore a population of any substrate: tensors as safetensors, the rest as JSON (never
pickle). The header holds a SHA-256 of the tensors; a checkpoint that fails it, or holds a non-finite
value, is refused, never restored."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from ..config import config_to_dict
from ..contract import Agent
from .storage import ResultsError, atomic_write

__all__ = ["save_checkpoint", "load_checkpoint", "restore", "tensors_digest"]


def tensors_digest(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of ``tensors`` (in name order)."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].detach().contiguous().cpu()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_checkpoint(path: str | os.PathLike, agent: Agent, extra: dict | None = None) -> Path:
    """Write ``agent`` to one safetensors file; the JSON metadata and the tensors' digest ride in its header."""
    tensors = {name: t.detach().contiguous().cpu() for name, t in agent.state_dict().items()}
    metadata = {
        "config": json.dumps(config_to_dict(agent.config)),
        "state": json.dumps(agent.metadata()),
        "extra": json.dumps(extra or {}),
        "sha256": tensors_digest(tensors),
    }

    def write(tmp: str) -> None:
        try:
            save_file(tensors, tmp, metadata=metadata)
        except SafetensorError as err:
            raise OSError(str(err)) from None

    return atomic_write(path, write)


def _check(path, tensors: dict[str, torch.Tensor], header: dict) -> None:
    if "sha256" in header and tensors_digest(tensors) != header["sha256"]:
        raise ResultsError(f"{path}: checkpoint fails its checksum (garbled bytes)")
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ResultsError(f"{path}: checkpoint holds non-finite values in {name}")


def load_checkpoint(path: str | os.PathLike) -> tuple[dict, dict, dict, dict]:
    """(tensors, config dict, state metadata, extra) from a checkpoint file, verified."""
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
        loaded = tensors, json.loads(header["config"]), json.loads(header["state"]), json.loads(header["extra"])
    except FileNotFoundError:
        raise ResultsError(f"{path}: checkpoint not found") from None
    except (SafetensorError, OSError, KeyError, ValueError) as err:
        raise ResultsError(f"{path}: unreadable checkpoint ({err})") from None
    _check(path, tensors, header)
    return loaded


def restore(path: str | os.PathLike, agent: Agent) -> dict:
    """Load a checkpoint into an agent built with the same config and population; returns ``extra``.
    A checkpoint of another population (another size) is a ResultsError."""
    tensors, config, state, extra = load_checkpoint(path)
    if config != config_to_dict(agent.config):
        raise ResultsError(f"{path}: checkpoint was written with a different agent configuration")
    try:
        agent.load_state(tensors, state)
    except (ValueError, KeyError) as err:
        raise ResultsError(f"{path}: checkpoint does not fit this population ({err})") from None
    return extra
