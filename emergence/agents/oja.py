"""Oja's rule on normalised vectors, the learning rule of every synapse of the field substrate (and of
the transformer's Hebbian option)."""

from __future__ import annotations

import torch

__all__ = ["normalised", "oja_update"]

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
