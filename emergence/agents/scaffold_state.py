"""The checkpoint of scaffolds' declared state (``STATE``): tensors beside the agent's, the rest as JSON.

A declared attribute holding a tensor is saved as ``scaffold.NAME.FIELD`` and comes back on the agent's
device; any other value must be JSON-ready (None, bools, numbers, strings, and lists, tuples, deques or
string-keyed dicts of them) and comes back from the metadata. A list, deque or dict already on the
fresh scaffold is refilled in place (a deque keeps its ``maxlen``); anything else is assigned. A
declared attribute the checkpoint lacks is an error, never a silent reset.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import torch

from ..contract import declared_state
from ..results import ResultsError

__all__ = ["scaffold_tensors", "scaffold_metadata", "restore_scaffolds"]

PREFIX = "scaffold."


def scaffold_tensors(scaffolds: dict[str, object]) -> dict[str, torch.Tensor]:
    """The declared tensors of every scaffold, keyed ``scaffold.NAME.FIELD``."""
    return {
        f"{PREFIX}{name}.{attr}": value
        for name, scaffold in scaffolds.items()
        for attr in declared_state(scaffold)
        if isinstance(value := getattr(scaffold, attr), torch.Tensor)
    }


def scaffold_metadata(scaffolds: dict[str, object]) -> dict[str, dict[str, Any]]:
    """The declared values of every scaffold that are not tensors, JSON-ready: ``{name: {field: value}}``."""
    return {
        name: {
            attr: _json_ready(value, f"scaffold {name!r} state {attr!r}")
            for attr in declared_state(scaffold)
            if not isinstance(value := getattr(scaffold, attr), torch.Tensor)
        }
        for name, scaffold in scaffolds.items()
        if declared_state(scaffold)
    }


def restore_scaffolds(
    scaffolds: dict[str, object], tensors: dict[str, torch.Tensor], metadata: dict, device: torch.device
) -> None:
    """Put back what ``scaffold_tensors`` and ``scaffold_metadata`` saved into fresh scaffolds."""
    for name, scaffold in scaffolds.items():
        values = metadata.get(name, {})
        for attr in declared_state(scaffold):
            key = f"{PREFIX}{name}.{attr}"
            if key in tensors:
                setattr(scaffold, attr, tensors[key].to(device).clone())
            elif attr in values:
                _assign(scaffold, attr, values[attr])
            else:
                raise ResultsError(
                    f"the checkpoint holds no state {attr!r} of scaffold {name!r}: "
                    "it was written by another version of the scaffold"
                )


def _assign(scaffold: object, attr: str, value: Any) -> None:
    current = getattr(scaffold, attr, None)
    if isinstance(current, (list, deque)) and isinstance(value, list):
        current.clear()
        current.extend(value)
    elif isinstance(current, dict) and isinstance(value, dict):
        current.clear()
        current.update(value)
    else:
        setattr(scaffold, attr, value)


def _json_ready(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, deque)):
        return [_json_ready(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json_ready(v, where) for k, v in value.items()}
    raise TypeError(f"{where} holds a {type(value).__name__}; declare tensors or JSON-ready values only")
