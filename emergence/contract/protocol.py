"""What a protocol (an experiment such as ``twins``) registers: its command and its Python entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import frozen

__all__ = ["ProtocolEntry"]


@frozen
class ProtocolEntry:
    """One protocol.

    :param name: its registered name (``emergence protocol NAME``, ``emergence.protocol(NAME, ...)``).
    :param command: its click command, added under ``emergence protocol`` (None: it adds its own command,
        as ``emergence study`` does, with ``register_commands``).
    :param sweep: ``sweep(**options) -> sweep``: the same experiment from Python; the sweep's
        ``run(progress=True)`` grows it into its results folder (resuming) and returns the results
        (``emergence.Results``).
    """

    name: str
    command: Any
    sweep: Callable[..., Any]
