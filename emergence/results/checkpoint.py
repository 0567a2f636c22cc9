"""Checkpoint and restore a population of any substrate: tensors as safetensors, the rest as JSON (never
pickle)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..config import config_to_dict
from ..contract import Agent
from .storage import ResultsError, atomic_write

__all__ = ["save_checkpoint", "load_checkpoint", "restore"]


def save_checkpoint(path: str | os.PathLike, agent: Agent, extra: dict | None = None) -> Path:
    """Write ``agent`` to one safetensors file; the JSON metadata rides in the file's header."""
    tensors = {name: t.detach().contiguous().cpu() for name, t in agent.state_dict().items()}
    metadata = {
        "config": json.dumps(config_to_dict(agent.config)),
        "state": json.dumps(agent.metadata()),
        "extra": json.dumps(extra or {}),
    }
    return atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=metadata))


def load_checkpoint(path: str | os.PathLike) -> tuple[dict, dict, dict, dict]:
    """(tensors, config dict, state metadata, extra) from a checkpoint file."""
    try:
        tensors = load_file(str(path))
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
        return tensors, json.loads(header["config"]), json.loads(header["state"]), json.loads(header["extra"])
    except FileNotFoundError:
        raise ResultsError(f"{path}: checkpoint not found") from None
    except (SafetensorError, OSError, KeyError, ValueError) as err:
        raise ResultsError(f"{path}: unreadable checkpoint ({err})") from None


def restore(path: str | os.PathLike, agent: Agent) -> dict:
    """Load a checkpoint into an agent built with the same config and population; returns ``extra``."""
    tensors, config, state, extra = load_checkpoint(path)
    if config != config_to_dict(agent.config):
        raise ResultsError(f"{path}: checkpoint was written with a different agent configuration")
    agent.load_state(tensors, state)
    return extra
