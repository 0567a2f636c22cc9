"""The grid worlds of the ``rl`` substrate: layouts, moves, rewards, place-cell code and ground truth.

A square field of ``size`` x ``size`` cells (``size`` odd), cell ``s = row * size + col``, four actions
(0 up, 1 down, 2 left, 3 right); a move off the field leaves the agent where it is. Entering lava ends
the episode with reward -1, entering the goal ends it with +1, any other move costs ``step_cost``.

* ``valence``: the goal in the top-left corner; a lava strip down the centre column from row 1 to the
  bottom, with one gap. The gap row is the one that makes the geodesic distance to the goal and the
  distance to lava least correlated over the safe cells (|r| < 0.06 for every odd size >= 5; 7e-4 at 9),
  so the two can be told apart in the geometry.
* ``symmetric``: the goal at the top of the centre column, two lava strips two columns either side of it
  (rows 2 .. size-2): every state has a mirror image with the same optimal value and mirrored actions.

Everything here is numpy (the ground truth) or a small torch table (moves, code); no torch randomness.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from attrs import frozen

__all__ = ["Grid", "make_grid", "LAYOUTS", "ACTIONS", "MIRROR_ACTION", "value_iteration", "distances", "geodesic"]

LAYOUTS = ("valence", "symmetric")
ACTIONS = ("up", "down", "left", "right")
_MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1))
MIRROR_ACTION = np.array([0, 1, 3, 2])  # left <-> right under the mirror about the centre column


@frozen(eq=False)
class Grid:
    """One layout: ``lava`` and ``goal`` masks (S,), ``moves`` (S, 4) the next cell of each action,
    ``coords`` (S, 2) row and column, and the reward scale."""

    size: int
    layout: str
    lava: np.ndarray
    goal: np.ndarray
    moves: np.ndarray
    coords: np.ndarray

    @property
    def cells(self) -> int:
        return self.size * self.size

    @property
    def safe(self) -> np.ndarray:
        """Cells an episode can be in: neither lava nor goal (episodes start uniformly among them)."""
        return ~(self.lava | self.goal)

    def mirror(self) -> np.ndarray:
        """(S,) the mirror image of each cell about the centre column."""
        cells = np.arange(self.cells)
        return cells // self.size * self.size + (self.size - 1 - cells % self.size)

    def place_code(self, sigma: float) -> np.ndarray:
        """(S, S) the place-cell code: row s is Gaussian bumps exp(-|x_i - x_s|^2 / 2 sigma^2) over every
        cell i, scaled to unit length (so edge cells drive the trunk as strongly as central ones)."""
        d2 = ((self.coords[:, None, :] - self.coords[None, :, :]) ** 2).sum(-1)
        code = np.exp(-d2 / (2.0 * sigma * sigma))
        return code / np.linalg.norm(code, axis=1, keepdims=True)


def _moves(size: int) -> np.ndarray:
    moves = np.empty((size * size, 4), dtype=np.int64)
    for s in range(size * size):
        r, c = divmod(s, size)
        for a, (dr, dc) in enumerate(_MOVES):
            rr, cc = r + dr, c + dc
            moves[s, a] = rr * size + cc if 0 <= rr < size and 0 <= cc < size else s
    return moves


def _bfs(moves: np.ndarray, blocked: np.ndarray, sources) -> np.ndarray:
    """Steps from the nearest of ``sources`` to every cell, not passing through ``blocked`` (inf: unreachable)."""
    d = np.full(len(moves), np.inf)
    queue = deque()
    for s in sources:
        d[s] = 0
        queue.append(s)
    while queue:
        s = queue.popleft()
        for t in moves[s]:
            if not blocked[t] and d[t] == np.inf:
                d[t] = d[s] + 1
                queue.append(t)
    return d


def distances(grid: Grid) -> dict[str, np.ndarray]:
    """(S,) per cell: ``goal`` the geodesic distance to the goal avoiding lava, ``lava`` the steps to the
    nearest lava cell (lava may be crossed: a distance, not a route)."""
    nowhere = np.zeros(grid.cells, dtype=bool)
    return {
        "goal": _bfs(grid.moves, grid.lava, np.flatnonzero(grid.goal)),
        "lava": _bfs(grid.moves, nowhere, np.flatnonzero(grid.lava)),
    }


def geodesic(grid: Grid) -> np.ndarray:
    """(S, S) steps between every two cells avoiding lava (inf where one is lava)."""
    return np.stack([_bfs(grid.moves, grid.lava, [] if grid.lava[s] else [s]) for s in range(grid.cells)])


def _valence(size: int) -> tuple[np.ndarray, np.ndarray]:
    m, moves = size // 2, _moves(size)
    goal = np.zeros(size * size, dtype=bool)
    goal[0] = True
    best = None
    for gap in range(1, size):
        lava = np.zeros(size * size, dtype=bool)
        lava[[r * size + m for r in range(1, size) if r != gap]] = True
        d_goal = _bfs(moves, lava, [0])
        d_lava = _bfs(moves, np.zeros_like(lava), np.flatnonzero(lava))
        safe = ~(lava | goal)
        rho = abs(np.corrcoef(d_goal[safe], d_lava[safe])[0, 1])
        if best is None or rho < best[0]:
            best = (rho, lava)
    return best[1], goal


def _symmetric(size: int) -> tuple[np.ndarray, np.ndarray]:
    m = size // 2
    goal = np.zeros(size * size, dtype=bool)
    goal[m] = True
    lava = np.zeros(size * size, dtype=bool)
    for r in range(2, size - 1):
        lava[[r * size + m - 2, r * size + m + 2]] = True
    return lava, goal


def make_grid(size: int, layout: str) -> Grid:
    """The ``layout`` (``valence`` or ``symmetric``) on a ``size`` x ``size`` field (odd, >= 5)."""
    if layout not in LAYOUTS:
        raise ValueError(f"'layout' must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    if not isinstance(size, int) or size < 5 or size % 2 == 0:
        raise ValueError(f"'grid' must be an odd integer >= 5, got {size!r}")
    lava, goal = (_valence if layout == "valence" else _symmetric)(size)
    cells = np.arange(size * size)
    coords = np.stack([cells // size, cells % size], axis=1).astype(np.float64)
    return Grid(size, layout, lava, goal, _moves(size), coords)


def value_iteration(grid: Grid, gamma: float, step_cost: float, tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Optimal values and action values of the grid (the ground truth), by value iteration.

    ``Q*(s, a) = R(s') + gamma * (1 - terminal(s')) * V*(s')`` with ``s' = moves[s, a]``, ``R`` = -1 into
    lava, +1 into the goal, -step_cost otherwise; ``V* = max_a Q*``. Returns (V* (S,), Q* (S, 4)); V* is 0
    on terminal cells (no episode is ever in one).
    """
    terminal = grid.lava | grid.goal
    reward = np.where(grid.lava, -1.0, np.where(grid.goal, 1.0, -step_cost))
    V = np.zeros(grid.cells)
    for _ in range(100_000):
        Q = reward[grid.moves] + gamma * np.where(terminal[grid.moves], 0.0, V[grid.moves])
        new = np.where(terminal, 0.0, Q.max(axis=1))
        if np.abs(new - V).max() < tol:
            V = new
            break
        V = new
    Q = reward[grid.moves] + gamma * np.where(terminal[grid.moves], 0.0, V[grid.moves])
    return V, Q
