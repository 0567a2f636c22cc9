"""The default energy model: depletion by activity, homeostasis, sleep/wake hysteresis."""

from __future__ import annotations

import math
from typing import Any

import torch

__all__ = ["HomeostaticEnergy"]


class HomeostaticEnergy:
    """Per agent, with ``r`` the RMS of the main activation (in [0, 1])::

        E <- clip(E + h * (setpoint - E) - c * r * (1 if awake else sleep_cost), 0, 1)
        awake <- (E >= sleep_below) if awake else (E > wake_above)

    An awake agent falls asleep once E drops below ``sleep_below`` and stays asleep until E passes
    ``wake_above``: hysteresis gives work/rest cycles.
    """

    def __init__(self, config: Any):
        self.config = config
        self.rms_scale = 1.0 / math.sqrt(config.n_main)

    def update(self, energy: torch.Tensor, awake: torch.Tensor, main: torch.Tensor):
        c = self.config
        activity = main.norm(dim=-1).mul_(self.rms_scale)
        cost_factor = torch.where(awake, 1.0, c.energy_sleep_cost).to(energy.dtype)
        energy = energy + c.energy_homeostasis * (c.energy_setpoint - energy) - c.energy_cost * activity * cost_factor
        energy = energy.clamp_(0.0, 1.0)
        awake = torch.where(awake, energy >= c.sleep_below, energy > c.wake_above)
        return energy, awake
