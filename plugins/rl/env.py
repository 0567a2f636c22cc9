"""``ValenceGrid``: a grid world batched over agents in torch, with the gymnasium vector-env interface.

``reset(seed=None) -> (obs, info)`` and ``step(actions) -> (obs, reward, terminated, truncated, info)``
over ``num_envs`` independent copies of one ``Grid`` (plugins/rl/grid.py), without depending on
gymnasium. Observations are the place-cell code of each copy's cell. An episode ends by entering lava
or the goal (``terminated``) or after ``max_episode_steps`` moves (``truncated``); it is reset in the
same step (gymnasium's "same-step" autoreset): ``obs`` is then the new episode's first observation and
``info["final_cell"]`` the cell the move reached. Start cells are uniform over the safe cells, drawn
from each copy's own generator, so a copy's episodes do not depend on the others.

``step(actions, active)`` moves only the copies in ``active``; the others (sleeping agents) keep their
cell and their episode clock.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .grid import Grid

__all__ = ["ValenceGrid"]

_SALT = 0x5641_4C45  # "VALE": keeps the start-cell streams apart from other uses of a seed


class ValenceGrid:
    """``num_envs`` copies of ``grid``, one generator each (seeded by ``seeds``)."""

    metadata = {"autoreset_mode": "same-step"}

    def __init__(
        self,
        grid: Grid,
        seeds: Sequence[int],
        *,
        max_episode_steps: int,
        step_cost: float = 0.01,
        place_sigma: float = 1.0,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ):
        self.grid, self.num_envs, self.device = grid, len(seeds), torch.device(device)
        self.max_episode_steps, self.step_cost = max_episode_steps, step_cost
        self.moves = torch.as_tensor(grid.moves, device=self.device)
        self.lava = torch.as_tensor(grid.lava, device=self.device)
        self.goal = torch.as_tensor(grid.goal, device=self.device)
        self.starts = torch.as_tensor(grid.safe.nonzero()[0], device=self.device)
        self.code = torch.as_tensor(grid.place_code(place_sigma), dtype=dtype, device=self.device)
        self.n_actions = self.moves.shape[1]
        self.generators = [torch.Generator(self.device) for _ in seeds]
        self._seed(seeds)
        self.cell = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        self.elapsed = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)

    def _seed(self, seeds: Sequence[int]) -> None:
        for g, seed in zip(self.generators, seeds):
            g.manual_seed((int(seed) ^ _SALT) & 0xFFFF_FFFF_FFFF)

    def _draw_starts(self, which: torch.Tensor) -> None:
        for i in which.nonzero().flatten().tolist():
            k = torch.randint(len(self.starts), (1,), generator=self.generators[i], device=self.device)
            self.cell[i] = self.starts[k[0]]
        self.elapsed[which] = 0

    def observe(self, cells: torch.Tensor) -> torch.Tensor:
        """(N, S) the place code of ``cells``."""
        return self.code[cells]

    def reset(self, *, seed: int | Sequence[int] | None = None, options: dict | None = None):
        """Start a new episode in every copy (reseeding them first when ``seed`` is given: one seed for
        all, offset by the copy's index, or one per copy)."""
        if seed is not None:
            seeds = [seed + i for i in range(self.num_envs)] if isinstance(seed, int) else list(seed)
            self._seed(seeds)
        self._draw_starts(torch.ones(self.num_envs, dtype=torch.bool, device=self.device))
        return self.observe(self.cell), {"cell": self.cell.clone()}

    def step(self, actions: torch.Tensor, active: torch.Tensor | None = None):
        """Move every active copy by its action; returns gymnasium's five values. ``reward`` is -1 into
        lava, +1 into the goal, -step_cost otherwise, and 0 for an inactive copy."""
        if active is None:
            active = torch.ones(self.num_envs, dtype=torch.bool, device=self.device)
        reached = torch.where(active, self.moves[self.cell, actions], self.cell)
        lava, goal = self.lava[reached] & active, self.goal[reached] & active
        reward = torch.where(active, torch.where(lava, -1.0, torch.where(goal, 1.0, -self.step_cost)), 0.0)
        self.elapsed += active.long()
        terminated = lava | goal
        truncated = active & ~terminated & (self.elapsed >= self.max_episode_steps)
        self.cell = reached
        info = {"final_cell": reached.clone(), "success": goal, "lava": lava}
        self._draw_starts(terminated | truncated)
        info["cell"] = self.cell.clone()
        return self.observe(self.cell), reward.to(self.code.dtype), terminated, truncated, info

    # -- state ---------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, torch.Tensor]:
        return {
            "env.cell": self.cell,
            "env.elapsed": self.elapsed,
            "env.rng": torch.stack([g.get_state() for g in self.generators]),
        }

    def load(self, tensors: dict[str, torch.Tensor]) -> None:
        self.cell = tensors["env.cell"].to(self.device).clone()
        self.elapsed = tensors["env.elapsed"].to(self.device).clone()
        for g, state in zip(self.generators, tensors["env.rng"]):
            g.set_state(state.clone())
