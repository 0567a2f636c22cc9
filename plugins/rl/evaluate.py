"""How well a population's policies do, exactly: policy evaluation on the known grid (no sampling).

Each agent's policy is pi(a | s) = softmax(prefs(s) / T(s)) on its noise-free trunk, T(s) its action
temperature there (``sampling_noise * (1 + RMS(main))``). Its discounted value solves the linear system

    V(s) = sum_a pi(a | s) [R(s, a) + gamma (1 - terminal(s')) V(s')],   s' = moves[s, a]

over the safe cells; a start cell is uniform over them, so ``start_value`` is V averaged over them.
The uniform-random policy and the optimal one (``value_iteration``) bound it.
"""

from __future__ import annotations

import numpy as np
import torch

from .grid import Grid, value_iteration
from .trunk import MIN_TEMPERATURE, N_ACTIONS, features, heads

__all__ = ["policies", "policy_values", "start_values", "reference_values"]


def policies(agent) -> torch.Tensor:
    """(P, S, 4) each agent's action probabilities in every cell, noise-free."""
    c = agent.config
    x = agent.env.code.unsqueeze(0).expand(agent.population, -1, -1)
    h = features(agent.W_in, agent.b_in, x)
    prefs = heads(agent.W_head, agent.b_head, h)[..., :N_ACTIONS] * agent.preference_scale
    rms = h.norm(dim=-1) / np.sqrt(c.n_main)
    T = (c.sampling_noise * (1.0 + rms)).clamp_min(MIN_TEMPERATURE)
    return torch.softmax(prefs / T.unsqueeze(-1), dim=-1)


def policy_values(grid: Grid, pi: np.ndarray, gamma: float, step_cost: float) -> np.ndarray:
    """(S,) the discounted value of the policy ``pi`` (S, 4) in every cell (0 on terminal cells)."""
    terminal = grid.lava | grid.goal
    reward = np.where(grid.lava, -1.0, np.where(grid.goal, 1.0, -step_cost))[grid.moves]  # (S, 4)
    S = grid.cells
    P = np.zeros((S, S))
    np.add.at(P, (np.repeat(np.arange(S), N_ACTIONS), grid.moves.ravel()), (pi * gamma * ~terminal[grid.moves]).ravel())
    r = (pi * reward).sum(axis=1)
    safe = ~terminal
    V = np.zeros(S)
    V[safe] = np.linalg.solve(np.eye(safe.sum()) - P[np.ix_(safe, safe)], r[safe])
    return V


def start_values(agent) -> np.ndarray:
    """(P,) each agent's expected discounted return from a uniform safe start cell, under its current policy."""
    c, grid = agent.config, agent.grid
    pis = policies(agent).double().cpu().numpy()
    return np.array([policy_values(grid, pi, c.gamma, c.step_cost)[grid.safe].mean() for pi in pis])


def reference_values(grid: Grid, gamma: float, step_cost: float) -> dict[str, float]:
    """The start value of the uniform-random and of the optimal policy."""
    uniform = np.full((grid.cells, N_ACTIONS), 1.0 / N_ACTIONS)
    V_star, _ = value_iteration(grid, gamma, step_cost)
    return {
        "random": float(policy_values(grid, uniform, gamma, step_cost)[grid.safe].mean()),
        "optimal": float(V_star[grid.safe].mean()),
    }
