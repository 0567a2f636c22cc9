"""The trunk and its heads, batched over agents, with their gradients written out (no autograd).

For agent p and place code x (unit length)::

    main = tanh(W_in x + b_in)                    (P, L, n_main)   the trunk: the agent's cortex
    y    = W_head main + b_head                   (P, L, 5)        4 action preferences, 1 state value

Given dLoss/dy (``g_y``), the gradients of a summed loss are those of one hidden layer::

    dW_head = g_y^T main,  db_head = sum g_y,  g_u = (g_y W_head) * (1 - main^2),
    dW_in = g_u^T x,       db_in = sum g_u

The policy at temperature T is softmax(logits / T); ``policy_grad`` is the gradient of
``-advantage * log pi(a) - entropy * H(pi)`` with respect to the logits.
"""

from __future__ import annotations

import torch

__all__ = ["features", "heads", "gradients", "sgd_", "policy_grad", "entropy", "MIN_TEMPERATURE", "N_ACTIONS"]

N_ACTIONS = 4
VALUE = N_ACTIONS  # the head's row of the state value (a2c's critic)
MIN_TEMPERATURE = 1e-3  # the policy of a greedy agent (temperature 0) has no gradient: learners use this


def features(W_in: torch.Tensor, b_in: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The noise-free trunk of place codes ``x`` (P, L, n_in): (P, L, n_main)."""
    return torch.tanh(torch.baddbmm(b_in.unsqueeze(1), x, W_in.transpose(1, 2)))


def heads(W_head: torch.Tensor, b_head: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """Preferences and value (P, L, 5) of trunk activity ``h`` (P, L, n_main)."""
    return torch.baddbmm(b_head.unsqueeze(1), h, W_head.transpose(1, 2))


def gradients(
    W_head: torch.Tensor, x: torch.Tensor, h: torch.Tensor, g_y: torch.Tensor, trunk: bool = True
) -> dict[str, torch.Tensor]:
    """Per agent, the gradients of a loss summed over L with ``g_y`` = dLoss/dy (P, L, 5); the heads'
    only when ``trunk`` is False (fixed features: a linear learner)."""
    grads = {"W_head": torch.bmm(g_y.transpose(1, 2), h), "b_head": g_y.sum(dim=1)}
    if trunk:
        g_u = torch.bmm(g_y, W_head).mul_(1.0 - h * h)
        grads["W_in"] = torch.bmm(g_u.transpose(1, 2), x)
        grads["b_in"] = g_u.sum(dim=1)
    return grads


def sgd_(
    agent,
    grads: dict[str, torch.Tensor],
    rates: dict[str, float],
    max_grad_norm: float,
    mask: torch.Tensor,
    rows: torch.Tensor | None = None,
) -> None:
    """In place, for the agents in ``mask``: ``theta -= rates[theta] * g * min(1, max_grad_norm / |g|)``, |g|
    the norm of all of an agent's gradients together. ``rows``: the agents the gradients belong to (None: all).
    Each agent's norm is a dot product of its own (a batched reduction's order could depend on the
    population)."""
    n = mask.shape[0]
    flat = torch.cat([g.reshape(n, -1) for g in grads.values()], dim=1)
    norm = torch.stack([flat[i].dot(flat[i]) for i in range(n)]).sqrt()
    scale = (max_grad_norm / norm.clamp_min(1e-12)).clamp(max=1.0) * mask.to(norm.dtype)
    for name, g in grads.items():
        W = getattr(agent, name)
        step = g * (rates[name] * scale).view((-1,) + (1,) * (g.dim() - 1))
        if rows is None:
            W.sub_(step)
        else:
            W.index_add_(0, rows, step, alpha=-1.0)


def entropy(log_p: torch.Tensor) -> torch.Tensor:
    """Entropy (nats) of the distributions with log-probabilities ``log_p`` (..., A)."""
    return -(log_p.exp() * log_p).sum(dim=-1)


def policy_grad(
    logits: torch.Tensor,
    temperature: torch.Tensor,
    action: torch.Tensor,
    advantage: torch.Tensor,
    entropy_weight: float,
) -> torch.Tensor:
    """d/d logits of ``-advantage * log pi(action) - entropy_weight * H(pi)``, pi = softmax(logits / T)::

        (advantage * (pi - onehot(action)) + entropy_weight * pi * (log pi + H)) / T

    ``logits`` (..., A), ``temperature``, ``action`` and ``advantage`` (...)."""
    T = temperature.clamp_min(MIN_TEMPERATURE).unsqueeze(-1)
    log_p = torch.log_softmax(logits / T, dim=-1)
    p = log_p.exp()
    onehot = torch.nn.functional.one_hot(action, logits.shape[-1]).to(logits.dtype)
    H = entropy(log_p).unsqueeze(-1)
    return (advantage.unsqueeze(-1) * (p - onehot) + entropy_weight * p * (log_p + H)) / T
