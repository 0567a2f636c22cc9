"""The field substrate's learning rule: normalised Oja, plus Gaussian weight noise on the recurrent matrices."""

from __future__ import annotations

import math
from typing import Any

import torch

from ..agents.oja import oja_update
from .config import AgentConfig

__all__ = ["OjaPlasticity"]


class OjaPlasticity:
    """Oja on all four synapses; weight noise on W_rec_main and W_rec_emo (MODEL.md section 2).

    Weight noise is part of the learning update, so it too pauses while an agent cannot learn. With
    ``weight_noise_every = k`` each row of a recurrent matrix takes noise on every k-th step with SD
    ``weight_noise * sqrt(k)``, so the random walk of each weight keeps its variance over k steps; the
    rows are staggered (row i on the steps t with ``(i + t) % k == 0``), so that a k-th of the rows take
    noise on each step and its cost is spread evenly. k = 1 is the write-up's per-step noise (the
    ``exact`` mode); the numbers come from each agent's stream, held by the population's
    ``weight_noise`` (``emergence.agents.rng.WeightNoise``). The fast engines
    (``emergence.fields.engines``) fuse exactly this rule into one pass over W_rec_main.
    """

    def __init__(self, config: AgentConfig):
        c = config
        self.config = c
        self.noise_sd = c.weight_noise * math.sqrt(c.weight_noise_every)

    def synapses(self, agent: Any) -> tuple[tuple[str, torch.Tensor, torch.Tensor, float], ...]:
        """(matrix name, pre, post, learning rate) of the four rules, from a field population's current fields."""
        c, a = self.config, agent
        return (
            ("W_in_main", a.sensory, a.main, c.eta_in_main),
            ("W_main_emo", a.main, a.emotion, c.eta_main_emo),
            ("W_rec_main", a.main_prev, a.main, c.eta_rec_main),
            ("W_rec_emo", a.emotion_prev, a.emotion, c.eta_rec_emo),
        )

    def apply(self, agent: Any, learning: torch.Tensor) -> None:
        c = self.config
        on = learning.to(agent.dtype)
        for name, pre, post, eta in self.synapses(agent):
            oja_update(getattr(agent, name), pre, post, eta * on, c.oja_post)
        if self.noise_sd > 0:
            every = c.weight_noise_every
            for W in (agent.W_rec_main, agent.W_rec_emo):
                agent.weight_noise.add_(W, self.noise_sd, learning, every, agent.step_index % every)
