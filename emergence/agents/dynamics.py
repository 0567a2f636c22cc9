"""Leaky field dynamics and the default state-dependent noise."""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["leaky_update", "StateDependentNoise"]


def leaky_update(v: torch.Tensor, drive: torch.Tensor, dt: float, tau: float) -> torch.Tensor:
    """In place: ``v += dt * (-v + drive) / tau``; returns ``tanh(v)``, the field's activation."""
    v.add_(drive.sub_(v), alpha=dt / tau)
    return torch.tanh(v)


class StateDependentNoise:
    """Noise SD per neuron = base amplitude * (1 + |a|): busier neurons are noisier (MODEL.md 1).

    The base amplitude of each field comes from the config's ``noise_levels`` (field name -> amplitude),
    so the fields are those of the config's substrate.
    """

    def __init__(self, config: Any):
        self.base = dict(config.noise_levels)

    def amplitude(self, field: str, activation: torch.Tensor) -> torch.Tensor:
        return activation.abs().add_(1.0).mul_(self.base[field])
