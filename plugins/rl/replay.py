"""Each agent's replay buffer: its last ``size`` transitions and their priorities, as (P, size) tensors.

Sleep is the RL form of the dream loop: an agent that sleeps does not act, and replays transitions
drawn with probability proportional to ``(|TD error| + 1e-3) ** alpha`` (prioritised replay; alpha 0:
uniform). Each agent draws from its own generator (seeded from its noise seed), so what it replays
depends on nothing but its own history.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["Replay"]

_SALT = 0x5245_504C  # "REPL": keeps the replay streams apart from the agent's noise stream
FIELDS = ("cell", "action", "reward", "next_cell", "terminated", "priority")


class Replay:
    """The buffers of ``len(seeds)`` agents; tensors named ``replay.FIELD`` in a checkpoint."""

    def __init__(self, size: int, seeds: Sequence[int], dtype: torch.dtype, device: torch.device):
        P = len(seeds)
        self.size = size
        long = dict(dtype=torch.long, device=device)
        self.cell, self.action, self.next_cell = (torch.zeros(P, size, **long) for _ in range(3))
        self.reward = torch.zeros(P, size, dtype=dtype, device=device)
        self.priority = torch.zeros(P, size, dtype=dtype, device=device)
        self.terminated = torch.zeros(P, size, dtype=torch.bool, device=device)
        self.count = torch.zeros(P, **long)  # transitions stored (at most size)
        self.position = torch.zeros(P, **long)  # where the next one goes
        self.generators = [torch.Generator(device).manual_seed((int(s) ^ _SALT) & 0xFFFF_FFFF_FFFF) for s in seeds]

    def push(self, mask: torch.Tensor, priority: torch.Tensor, cell, action, reward, next_cell, terminated) -> None:
        """Store each masked agent's transition (tensors (P,)) with its priority."""
        rows = mask.nonzero().flatten()
        if not len(rows):
            return
        at = self.position[rows]
        for name, value in zip(FIELDS, (cell, action, reward, next_cell, terminated, priority)):
            getattr(self, name)[rows, at] = value[rows].to(getattr(self, name).dtype)
        self.position[rows] = (at + 1) % self.size
        self.count[rows] = (self.count[rows] + 1).clamp(max=self.size)

    def sample(self, mask: torch.Tensor, k: int, alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
        """For each masked agent with a stored transition, ``k`` indices drawn by priority (with
        replacement, by inverting the cumulative weights at uniforms from the agent's own generator);
        returns (agents (n,), indices (n, k))."""
        rows = (mask & (self.count > 0)).nonzero().flatten()
        u = torch.empty(len(rows), k, dtype=self.priority.dtype, device=self.priority.device)
        for i, p in enumerate(rows.tolist()):
            torch.rand(k, generator=self.generators[p], out=u[i])
        count = self.count[rows]
        stored = torch.arange(self.size, device=count.device) < count.unsqueeze(1)
        weights = (self.priority[rows].abs() + 1e-3).pow(alpha) * stored
        cdf = weights.double().cumsum(dim=1)
        index = torch.searchsorted(cdf, u.double() * cdf[:, -1:], right=True)
        return rows, torch.minimum(index, count.unsqueeze(1) - 1)

    def gather(self, rows: torch.Tensor, index: torch.Tensor) -> dict[str, torch.Tensor]:
        """The sampled transitions, each (n, k)."""
        return {name: getattr(self, name)[rows.unsqueeze(1), index] for name in FIELDS[:-1]}

    def reprioritise(self, rows: torch.Tensor, index: torch.Tensor, priority: torch.Tensor) -> None:
        self.priority[rows.unsqueeze(1), index] = priority.to(self.priority.dtype)

    # -- state ---------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, torch.Tensor]:
        tensors = {f"replay.{name}": getattr(self, name) for name in (*FIELDS, "count", "position")}
        tensors["replay.rng"] = torch.stack([g.get_state() for g in self.generators])
        return tensors

    def load(self, tensors: dict[str, torch.Tensor]) -> None:
        for name in (*FIELDS, "count", "position"):
            getattr(self, name).copy_(tensors[f"replay.{name}"])
        for g, state in zip(self.generators, tensors["replay.rng"]):
            g.set_state(state.clone())
