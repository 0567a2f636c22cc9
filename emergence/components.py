"""The interfaces that the ``plasticity``, ``energy`` and ``noise`` hooks provide.

An agent resolves each once, when it is built, and calls it directly in the step loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import torch

    from .base import ContinuousEmergeBase

__all__ = ["PlasticityRule", "EnergyModel", "NoiseModel"]


class PlasticityRule(Protocol):
    def apply(self, agent: ContinuousEmergeBase, learning: torch.Tensor) -> None:
        """Update the agent's weights in place; ``learning[i]`` false leaves agent i's weights untouched."""


class EnergyModel(Protocol):
    def update(
        self, energy: torch.Tensor, awake: torch.Tensor, main: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Next (energy, awake) per agent from this step's main-field activation ``main`` (P, n_main)."""


class NoiseModel(Protocol):
    def amplitude(self, field: str, activation: torch.Tensor) -> torch.Tensor:
        """Noise standard deviation per neuron for ``field`` ("sensory", "main", "emotion")."""
