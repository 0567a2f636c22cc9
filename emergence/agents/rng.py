"""The weight-noise stream: counter-based Gaussians, one stream per agent (SplitMix64 + Box-Muller).

Exact weight noise needs a fresh standard normal for every element of W_rec_main on every learning
step: 10^8 numbers a step at n_main = 10,000. A sequential generator (torch's Mersenne Twister) cannot be
split across threads or fused into the pass over the matrix, so the weight noise comes from a
*counter-based* stream instead: the k-th number of an agent's stream is a pure function of
``(key, k)``. The fast engine computes it inside its kernels; the plain engine computes the same numbers
here with torch ops. Both consume the stream in the same order, so the two engines see the same noise.

The stream, exactly (all integer arithmetic modulo 2^64; ``mix`` is SplitMix64's finaliser)::

    h_k    = mix(key + k * 0x9E3779B97F4A7C15)                 # SplitMix64 output number k
    a, t   = h_k >> 32, h_k & 0xFFFFFFFF                       # two 32-bit uniforms
    r      = sqrt(-2 ln((a + 1/2) / 2^32)),  theta = 2 pi t / 2^32
    (z0, z1) = (r cos theta, r sin theta)                      # two independent N(0, 1) (Box-Muller)

The same construction as cuRAND's ``curand_normal2`` (Box-Muller over 32-bit uniforms); the largest
|z| it can give is sqrt(2 ln 2^33) = 6.8. A matrix of ``cols`` columns uses ``ceil(cols / 2)`` numbers
of the stream per row: number ``k = counter + i * ceil(cols / 2) + j`` gives ``z0`` to element
``(i, j)`` and ``z1`` to element ``(i, j + ceil(cols / 2))`` when that column exists. After a matrix
the agent's counter moves on by ``rows * ceil(cols / 2)``, whether or not the agent learns, so its
stream never depends on its sleep schedule. The state of an agent's stream is its ``(key, counter)``
pair; ``WeightNoise`` holds a population's pairs, saved with the agent (``weight_rng`` in ``state_dict``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = ["GOLDEN", "stream_key", "pairs_per_row", "draws", "gaussian_rows", "add_gaussian_", "WeightNoise"]

_MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
M1 = 0xBF58476D1CE4E5B9
M2 = 0x94D049BB133111EB
_KEY_SALT = 0x5745494748544E5A  # "WEIGHTNZ": keeps the weight stream apart from other uses of the seed


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * M1) & _MASK64
    z = ((z ^ (z >> 27)) * M2) & _MASK64
    return z ^ (z >> 31)


def stream_key(noise_seed: int) -> int:
    """The key of an agent's weight-noise stream, from its noise seed, as a signed 64-bit int."""
    key = _mix((int(noise_seed) ^ _KEY_SALT) & _MASK64)
    return key - (1 << 64) if key >= 1 << 63 else key


def pairs_per_row(cols: int) -> int:
    return cols - cols // 2


def draws(rows: int, cols: int) -> int:
    """How far a ``rows x cols`` matrix moves an agent's counter."""
    return rows * pairs_per_row(cols)


def _signed(x: int) -> int:
    x &= _MASK64
    return x - (1 << 64) if x >= 1 << 63 else x


def _shr(z: torch.Tensor, s: int) -> torch.Tensor:
    """Logical right shift of int64 tensors holding uint64 bit patterns."""
    return (z >> s) & ((1 << (64 - s)) - 1)


def _mix_tensor(z: torch.Tensor) -> torch.Tensor:
    z = (z ^ _shr(z, 30)) * _signed(M1)
    z = (z ^ _shr(z, 27)) * _signed(M2)
    return z ^ _shr(z, 31)


def gaussian_rows(key: int, counter: int, row0, rows: int, cols: int, device=None) -> torch.Tensor:
    """Rows ``row0 .. row0 + rows - 1`` (or the rows of the index tensor ``row0``) of a ``cols``-column
    matrix of the stream, as float64.

    The reference implementation (torch ops, any device); the fast engine's kernels compute the same
    numbers in float32 arithmetic (within a few units in the last place of float32).
    """
    half = pairs_per_row(cols)
    k = torch.arange(half, dtype=torch.int64, device=device)
    if isinstance(row0, torch.Tensor):
        rows = row0.numel()
        base = row0.to(device=device, dtype=torch.int64) * half + counter
    else:
        base = torch.arange(row0, row0 + rows, dtype=torch.int64, device=device) * half + counter
    z = (base[:, None] + k[None, :]) * _signed(GOLDEN) + key
    h = _mix_tensor(z)
    a = _shr(h, 32).to(torch.float64)
    t = (h & 0xFFFFFFFF).to(torch.float64)
    r = torch.sqrt(-2.0 * torch.log((a + 0.5) * 2.0**-32))
    theta = t * (2 * math.pi / 2.0**32)
    out = torch.empty(rows, cols, dtype=torch.float64, device=device)
    out[:, :half] = r * torch.cos(theta)
    out[:, half:] = (r * torch.sin(theta))[:, : cols - half]
    return out


def add_gaussian_(
    W: torch.Tensor, sd: float, key: int, counter: int, every: int = 1, phase: int = 0, chunk: int = 1 << 20
) -> None:
    """In place ``W[i] += sd * Z[i]`` for the rows i of one agent's matrix ``W`` (rows x cols) with
    ``(i + phase) % every == 0`` (all rows when ``every`` is 1); Z from the stream at ``counter``.

    Works in blocks of rows so that no temporary is larger than about ``chunk`` elements.
    """
    rows, cols = W.shape
    step = max(every, chunk // max(cols, 1) * every)
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        if every == 1:
            block = gaussian_rows(key, counter, r0, r1 - r0, cols, W.device)
            W[r0:r1].add_(block.to(W.dtype), alpha=sd)
        else:
            first = r0 + (-(r0 + phase)) % every
            if first < r1:  # a block (or a matrix) with fewer rows than ``every`` may hold none of them
                index = torch.arange(first, r1, every, device=W.device)
                W.index_add_(0, index, gaussian_rows(key, counter, index, 0, cols, W.device).to(W.dtype), alpha=sd)


class WeightNoise:
    """A population's weight-noise streams: ``state`` holds each agent's ``(key, counter)``, an int64
    tensor (P, 2) on the CPU, keyed by its noise seed. The learning rule draws from it (``add_``); a fused
    engine draws the same numbers in its kernels and moves the counters on (``skip``)."""

    def __init__(self, noise_seeds: Sequence[int]):
        self.state = torch.tensor([[stream_key(s), 0] for s in noise_seeds], dtype=torch.int64)

    def add_(self, W: torch.Tensor, sd: float, learning: torch.Tensor, every: int = 1, phase: int = 0) -> None:
        """``W[p, i] += sd * N(0, 1)`` for each learning agent p, from p's own stream, on the rows i with
        ``(i + phase) % every == 0`` (every row by default).

        Each call moves every agent's stream on by one number per element pair of W, whether or not the
        agent learns and whichever rows take noise, so an agent's noise depends neither on its sleep
        schedule nor on the schedule of rows.
        """
        rows, cols = W.shape[1], W.shape[2]
        for p in range(len(self.state)):
            key, counter = (int(x) for x in self.state[p])
            if learning[p]:
                add_gaussian_(W[p], sd, key, counter, every, phase)
            self.state[p, 1] += draws(rows, cols)

    def skip(self, n: int) -> None:
        """Move every agent's counter on by ``n`` numbers (what a fused engine drew)."""
        self.state[:, 1] += n

    def load(self, state: torch.Tensor) -> None:
        """Continue from a saved ``state`` (of this population's shape)."""
        if tuple(state.shape) != tuple(self.state.shape):
            raise ValueError(
                f"checkpoint tensor weight_rng has shape {tuple(state.shape)}, expected {tuple(self.state.shape)}"
            )
        self.state = state.to(device="cpu", dtype=torch.int64).clone()
