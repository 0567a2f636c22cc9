"""The default learning rule: normalised Oja, plus Gaussian weight noise on the recurrent matrices."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from .config import AgentConfig

if TYPE_CHECKING:
    from .base import ContinuousEmergeBase

__all__ = ["normalised", "oja_update", "OjaPlasticity"]

_EPS = 1e-12


def _unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(_EPS)


def normalised(pre: torch.Tensor, post: torch.Tensor, post_norm: str = "rms") -> tuple[torch.Tensor, torch.Tensor]:
    """The vectors of Oja's rule: x = pre / |pre| and y = post / rms(post) (``"rms"``) or post / |post|."""
    x, y = _unit(pre), _unit(post)
    if post_norm == "rms":
        y = y * post.shape[-1] ** 0.5
    return x, y


def oja_update(
    W: torch.Tensor, pre: torch.Tensor, post: torch.Tensor, rate: torch.Tensor, post_norm: str = "rms"
) -> None:
    """In place, per agent p: ``W += rate_p * (y x^T - diag(y^2) W)`` on normalised vectors.

    Row i moves by ``rate * y_i * (x - y_i * w_i)`` (Oja's rule). x = pre / |pre| (unit length);
    y = post / rms(post) (``post_norm="rms"``: each y_i is O(1), so rows settle near unit norm at any
    field size) or post / |post| (``"unit"``: the decay term is O(1/n_post) and rows may drift to norm
    sqrt(n_post)). ``W`` is (P, n_post, n_pre), ``pre`` (P, n_pre), ``post`` (P, n_post), ``rate`` (P,).
    Two passes over W, no temporary of W's size.
    """
    x, y = normalised(pre, post, post_norm)
    W.mul_(1.0 - rate[:, None, None] * (y * y)[:, :, None])
    W.baddbmm_((rate[:, None] * y)[:, :, None].to(W.dtype), x[:, None, :].to(W.dtype))


class OjaPlasticity:
    """Oja on all four synapses; weight noise on W_rec_main and W_rec_emo (MODEL.md section 2).

    Weight noise is part of the learning update, so it too pauses while an agent cannot learn. With
    ``weight_noise_every = k`` each row of a recurrent matrix takes noise on every k-th step with SD
    ``weight_noise * sqrt(k)``, so the random walk of each weight keeps its variance over k steps; the
    rows are staggered (row i on the steps t with ``(i + t) % k == 0``), so that a k-th of the rows take
    noise on each step and its cost is spread evenly. k = 1 is the write-up's per-step noise (the
    ``exact`` mode); the numbers come from each agent's stream (``emergence.rng``). The fast engine
    (``emergence.cpu_engine``) fuses exactly this rule into one pass over W_rec_main.
    """

    def __init__(self, config: AgentConfig):
        c = config
        self.config = c
        self.noise_sd = c.weight_noise * math.sqrt(c.weight_noise_every)

    def synapses(self, agent: ContinuousEmergeBase) -> tuple[tuple[str, torch.Tensor, torch.Tensor, float], ...]:
        """(matrix name, pre, post, learning rate) of the four rules, from the agent's current fields."""
        c, a = self.config, agent
        return (
            ("W_in_main", a.sensory, a.main, c.eta_in_main),
            ("W_main_emo", a.main, a.emotion, c.eta_main_emo),
            ("W_rec_main", a.main_prev, a.main, c.eta_rec_main),
            ("W_rec_emo", a.emotion_prev, a.emotion, c.eta_rec_emo),
        )

    def apply(self, agent: ContinuousEmergeBase, learning: torch.Tensor) -> None:
        c = self.config
        on = learning.to(agent.dtype)
        for name, pre, post, eta in self.synapses(agent):
            oja_update(getattr(agent, name), pre, post, eta * on, c.oja_post)
        if self.noise_sd > 0:
            every = c.weight_noise_every
            for W in (agent.W_rec_main, agent.W_rec_emo):
                agent.add_weight_noise(W, self.noise_sd, learning, every, agent.step_index % every)
