"""Valence geometry: how an agent's trunk and emotion field lay out the states of its grid.

A probe pass runs every safe cell through each agent's noise-free trunk (H: P x S x n_main) and holds
``main`` there while the noise-free emotion field settles (``settle`` iterations of its leaky ODE from
rest: E, P x S x n_emo). From them (numpy; research-next.md A.6):

* ``rdm``: squared-Euclidean representational dissimilarity matrices;
* ``model_rdms``: what a representation could encode: geodesic distance, |V*(s) - V*(t)|, being on
  the other side of the lava strip (valence layout), |goal distance difference|, a different optimal
  action, and (symmetric layout) not being mirror images;
* ``rsa``: Spearman's rho between the upper triangles of two RDMs;
* ``mirror_ratio``: the mean distance of mirror pairs over that of non-mirror pairs at the same geodesic
  distance (symmetric layout): 0 for a representation invariant to the mirror, about 1 for one blind to it;
* ``wall_funnel``: L(s), the mean distance to the 4-neighbours normalised by its mean over states; wall
  sharpness = mean L one step from lava / mean L three or more steps away; funnel length = -1 / slope
  of log L against goal distance (inf when L does not fall towards the goal).
"""

from __future__ import annotations

import numpy as np
import torch

from emergence.agents.dynamics import leaky_update

from .grid import Grid, distances, geodesic, value_iteration
from .trunk import features

__all__ = ["probe", "rdm", "model_rdms", "rsa", "twin_rsa", "mirror_ratio", "wall_funnel", "agent_geometry"]


def probe(agent, settle: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """(H, E): each agent's noise-free trunk (P, S_safe, n_main) and settled emotion field (P, S_safe, n_emo)
    in every safe cell, without changing the agent."""
    c, safe = agent.config, torch.as_tensor(agent.grid.safe.nonzero()[0], device=agent.device)
    with torch.no_grad():
        x = agent.env.code[safe].unsqueeze(0).expand(agent.population, -1, -1)
        H = features(agent.W_in, agent.b_in, x)
        drive = torch.baddbmm(agent.bias_emo.unsqueeze(1), H, agent.W_main_emo.transpose(1, 2))
        v = torch.zeros(*H.shape[:2], c.n_emo, dtype=H.dtype, device=H.device)
        E = torch.tanh(v)
        for _ in range(settle):
            E = leaky_update(v, drive + torch.matmul(E, agent.W_rec_emo.transpose(1, 2)), c.dt, c.tau_emo)
    return H.double().cpu().numpy(), E.double().cpu().numpy()


def rdm(X: np.ndarray) -> np.ndarray:
    """Squared-Euclidean RDM(s) of representations ``X`` (..., S, n): (..., S, S)."""
    sq = (X * X).sum(-1)
    D = sq[..., :, None] + sq[..., None, :] - 2.0 * X @ np.swapaxes(X, -1, -2)
    return np.maximum(D, 0.0)


def model_rdms(grid: Grid, gamma: float = 0.95, step_cost: float = 0.01) -> dict[str, np.ndarray]:
    """Model RDMs over the safe cells (in cell order)."""
    safe = np.flatnonzero(grid.safe)
    V, Q = value_iteration(grid, gamma, step_cost)
    d = distances(grid)
    best = Q.argmax(axis=1)
    models = {
        "geodesic": geodesic(grid)[np.ix_(safe, safe)],
        "value": np.abs(V[safe, None] - V[None, safe]),
        "goal_distance": np.abs(d["goal"][safe, None] - d["goal"][None, safe]),
        "optimal_action": (best[safe, None] != best[None, safe]).astype(float),
    }
    if grid.layout == "valence":
        side = np.sign(grid.coords[safe, 1] - grid.size // 2)
        models["danger_side"] = (side[:, None] * side[None, :] < 0).astype(float)
    else:
        mirror = grid.mirror()[safe]
        models["mirror"] = (mirror[:, None] != safe[None, :]).astype(float) * (safe[:, None] != safe[None, :])
    return models


def rsa(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho between the upper triangles of two RDMs (NaN when one is constant)."""
    from scipy.stats import spearmanr

    i, j = np.triu_indices(a.shape[0], 1)
    x, y = a[i, j], b[i, j]
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(spearmanr(x, y).statistic)


def twin_rsa(X_a: np.ndarray, X_b: np.ndarray) -> np.ndarray:
    """(P, P): rho between the RDM of twin A of run p and that of twin B of run q; the diagonal holds the
    twins, the rest the cross-pair null (unrelated agents of the same sweep)."""
    D_a, D_b = rdm(X_a), rdm(X_b)
    return np.array([[rsa(D_a[p], D_b[q]) for q in range(len(D_b))] for p in range(len(D_a))])


def mirror_ratio(D: np.ndarray, grid: Grid) -> float:
    """Mean RDM entry of mirror pairs over that of non-mirror pairs at the same geodesic distance, each
    distance weighted by its mirror pairs (symmetric layout; ``D`` over the safe cells)."""
    safe = np.flatnonzero(grid.safe)
    index = {s: k for k, s in enumerate(safe)}
    geo = geodesic(grid)[np.ix_(safe, safe)]
    mirror = grid.mirror()
    pairs = [(index[s], index[mirror[s]]) for s in safe if s < mirror[s] and mirror[s] in index]
    i, j = np.triu_indices(len(safe), 1)
    is_mirror = np.zeros(D.shape, dtype=bool)
    for a, b in pairs:
        is_mirror[a, b] = is_mirror[b, a] = True
    num = den = 0.0
    for g in sorted({geo[a, b] for a, b in pairs}):
        at = geo[i, j] == g
        others = D[i, j][at & ~is_mirror[i, j]]
        mirrors = D[i, j][at & is_mirror[i, j]]
        if len(others) and len(mirrors):
            num += mirrors.sum()
            den += len(mirrors) * others.mean()
    return float(num / den) if den > 0 else float("nan")


def wall_funnel(X: np.ndarray, grid: Grid) -> dict[str, float]:
    """Wall sharpness and funnel length of representation ``X`` (S_safe, n) (module docstring)."""
    safe = np.flatnonzero(grid.safe)
    index = {s: k for k, s in enumerate(safe)}
    L = np.array(
        [
            np.mean([np.linalg.norm(X[k] - X[index[t]]) for t in set(grid.moves[s]) if t in index and t != s] or [0.0])
            for k, s in enumerate(safe)
        ]
    )
    L = L / L.mean() if L.mean() > 0 else L
    d = distances(grid)
    lava, goal = d["lava"][safe], d["goal"][safe]
    far = L[lava >= 3]
    sharpness = L[lava == 1].mean() / far.mean() if len(far) and far.mean() > 0 else float("nan")
    ok = L > 0
    slope = np.polyfit(goal[ok], np.log(L[ok]), 1)[0] if ok.sum() > 2 else float("nan")
    return {"wall_sharpness": float(sharpness), "funnel_length": float(-1.0 / slope) if slope < 0 else float("inf")}


def agent_geometry(agent, settle: int = 50) -> list[dict[str, float]]:
    """Per agent of a population: RSA of its trunk and emotion RDMs with every model RDM, its wall and
    funnel indices (trunk), and on the symmetric layout its mirror ratios."""
    c, grid = agent.config, agent.grid
    H, E = probe(agent, settle)
    models = model_rdms(grid, c.gamma, c.step_cost)
    rows = []
    for p in range(agent.population):
        row: dict[str, float] = {}
        for name, X in (("trunk", H[p]), ("emotion", E[p])):
            D = rdm(X)
            for model, M in models.items():
                row[f"{name}_{model}_rho"] = rsa(D, M)
            if grid.layout == "symmetric":
                row[f"{name}_mirror_ratio"] = mirror_ratio(D, grid)
        row.update(wall_funnel(H[p], grid))
        rows.append(row)
    return rows
