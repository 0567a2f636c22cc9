"""Triton kernel of the CUDA fast engine (``emergence.fields.engines.cuda``): the fused pass over W_rec_main.

The same pass as ``emergence.fields.engines.kernels.oja_pass`` (numba, CPU), for float32 CUDA tensors: one sweep of
memory applies Oja's rule and the weight noise to every row of W and computes, from the updated
rows, the product with a vector (for W_rec_main: the next step's recurrent input). The weight noise
is generated inside the sweep from each agent's counter-based stream (``emergence.agents.rng``), in float32
with the same polynomial ``log``/``sin``/``cos`` as the numba kernels, so the numbers do not depend on
the GPU's approximate intrinsics.

Verified with Triton's interpreter (``TRITON_INTERPRET=1``) on CPU tensors against the numba kernel
and the torch reference (``tests/fields/test_triton.py``), and compiled for sm_90 without a GPU; not yet run
on a GPU, and the tile sizes are not tuned by timing.
"""

from __future__ import annotations

import contextlib

import math

import torch
import triton
import triton.language as tl

from ...agents import rng

__all__ = ["oja_pass"]

GOLDEN = tl.constexpr(rng.GOLDEN)
M1 = tl.constexpr(rng.M1)
M2 = tl.constexpr(rng.M2)
TWO_PI_2_32 = tl.constexpr(2 * math.pi / 2.0**32)
# A tile: 16 rows x (128 columns + their 128 partners), 8 warps. Chosen statically (ptxas for sm_90 at
# n_main 10,000: 80 registers with noise, 48 without, 128-bit loads and stores), not by timing.
BLOCK_ROWS, BLOCK_PAIRS, WARPS = 16, 128, 8


@triton.jit
def _log_uniform(a):
    """``ln((a + 1/2) / 2^32)`` for 0 <= a < 2^32 (int64), float32, by Cephes' ``logf`` polynomial
    (as ``kernels._log_uniform``); near 1 the argument's offset from 1 is taken exactly from ``a``."""
    u = (a.to(tl.float32) + 0.5) * 2.3283064365386963e-10
    bits = u.to(tl.int32, bitcast=True)
    e = ((bits >> 23) & 0xFF) - 127
    f = ((bits & 0x7FFFFF) | 0x3F800000).to(tl.float32, bitcast=True)
    big = f > 1.4142135
    f = tl.where(big, f * 0.5, f)
    e = tl.where(big, e + 1, e)
    f = f - 1.0
    near_one = a > 3037000499  # u > sqrt(1/2): e == 0 there
    f = tl.where(near_one, -((4294967295 - a).to(tl.float32) + 0.5) * 2.3283064365386963e-10, f)
    e = tl.where(near_one, 0, e)
    z = f * f
    y = 7.0376836292e-2 * f - 1.1514610310e-1
    y = y * f + 1.1676998740e-1
    y = y * f - 1.2420140846e-1
    y = y * f + 1.4249322787e-1
    y = y * f - 1.6668057665e-1
    y = y * f + 2.0000714765e-1
    y = y * f - 2.4999993993e-1
    y = y * f + 3.3333331174e-1
    y = y * f * z
    ef = e.to(tl.float32)
    y = y + -2.12194440e-4 * ef - 0.5 * z
    return f + y + 0.693359375 * ef


@triton.jit
def _normal_pair(key, k):
    """The two standard normals of numbers ``k`` (uint64) of the stream ``key`` (``emergence.agents.rng``):
    SplitMix64 (wrapping uint64 arithmetic, logical shifts), then Box-Muller in float32."""
    z = key + k * GOLDEN
    z = (z ^ (z >> 30)) * M1
    z = (z ^ (z >> 27)) * M2
    z = z ^ (z >> 31)
    a = (z >> 32).to(tl.int64)
    t = (z & 0xFFFFFFFF).to(tl.int64)
    r = tl.sqrt(-2.0 * _log_uniform(a))
    # theta = 2 pi t / 2^32 = q pi/2 + phi, phi in [-pi/4, pi/4): the quadrant from the top bits.
    s = (t + (1 << 29)) & 0xFFFFFFFF
    q = s >> 30
    phi = ((s & ((1 << 30) - 1)) - (1 << 29)).to(tl.int32).to(tl.float32) * TWO_PI_2_32
    p2 = phi * phi
    sn = phi + phi * p2 * (-1.6666654611e-1 + p2 * (8.3321608736e-3 + p2 * -1.9515295891e-4))
    cs = 1.0 - 0.5 * p2 + p2 * p2 * (4.166664568298827e-2 + p2 * (-1.388731625493765e-3 + p2 * 2.443315711809948e-5))
    odd = (q & 1) != 0
    sign = tl.where((q & 2) != 0, -1.0, 1.0)
    return r * tl.where(odd, -sn, cs) * sign, r * tl.where(odd, cs, sn) * sign


@triton.jit
def _oja_pass_kernel(
    W,
    x,
    y,
    learn,
    keys,
    counters,
    v,
    out,
    rate,
    noise_sd,
    every,
    phase,
    n,
    per_class,
    m: tl.constexpr,
    half: tl.constexpr,
    NOISE: tl.constexpr,
    DOT: tl.constexpr,
    BLOCK_R: tl.constexpr,
    BLOCK_C: tl.constexpr,
):
    """Program (p, b): agent p, a block of ``BLOCK_R`` rows of one residue class mod ``every`` (rows
    ``c, c + every, ...``), so that the block's rows all take noise this step or none does.

    The column count ``m`` and ``half = ceil(m / 2)`` are compile-time constants (one compile per
    width; the loop's trip count is known, and Triton's interpreter needs a Python loop bound)."""
    p = tl.program_id(0)
    b = tl.program_id(1)
    residue = b // per_class
    rows = residue + every * ((b % per_class) * BLOCK_R + tl.arange(0, BLOCK_R))
    in_rows = rows < n
    learning = tl.load(learn + p) != 0
    post = tl.load(y + p * n + rows, mask=in_rows & learning, other=0.0)  # 0 for a non-learner: a = 1, b = 0
    scale = (1.0 - rate * post * post)[:, None]
    shift = (rate * post)[:, None]
    live = in_rows[:, None] & (learning | DOT)  # a non-learner's rows are read only for the product
    W_p = W + p.to(tl.int64) * n * m + rows.to(tl.int64)[:, None] * m
    if NOISE:
        noisy = learning & ((residue + phase) % every == 0)
        key = tl.load(keys + p).to(tl.uint64, bitcast=True)
        k_row = tl.load(counters + p).to(tl.uint64, bitcast=True) + rows.to(tl.uint64)[:, None] * half
    acc = tl.zeros((BLOCK_R,), tl.float32)
    for c0 in range(0, half, BLOCK_C):
        j = c0 + tl.arange(0, BLOCK_C)  # column j and its partner j + half take number k_row + j
        left, right = j < half, j + half < m
        w0 = tl.load(W_p + j[None, :], mask=live & left[None, :], other=0.0)
        w1 = tl.load(W_p + half + j[None, :], mask=live & right[None, :], other=0.0)
        x0 = tl.load(x + p * m + j, mask=left & learning, other=0.0)
        x1 = tl.load(x + p * m + half + j, mask=right & learning, other=0.0)
        w0 = scale * w0 + shift * x0[None, :]
        w1 = scale * w1 + shift * x1[None, :]
        if NOISE:
            if noisy:
                z0, z1 = _normal_pair(key, k_row + j.to(tl.uint64)[None, :])
                w0 += noise_sd * z0
                w1 += noise_sd * z1
        tl.store(W_p + j[None, :], w0, mask=live & left[None, :] & learning)
        tl.store(W_p + half + j[None, :], w1, mask=live & right[None, :] & learning)
        if DOT:
            v0 = tl.load(v + p * m + j, mask=left, other=0.0)
            v1 = tl.load(v + p * m + half + j, mask=right, other=0.0)
            acc += tl.sum(w0 * v0[None, :], axis=1) + tl.sum(w1 * v1[None, :], axis=1)
    if DOT:
        tl.store(out + p * n + rows, acc, mask=in_rows)


def oja_pass(
    W: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    rate: float,
    learn: torch.Tensor,
    noise_sd: float,
    every: int,
    phase: int,
    keys: torch.Tensor,
    counters: torch.Tensor,
    v: torch.Tensor | None,
    out: torch.Tensor | None,
    dot: bool,
    block: tuple[int, int] = (BLOCK_ROWS, BLOCK_PAIRS),
) -> None:
    """One pass over W (P, n, m), float32, contiguous, in place; the semantics of ``kernels.oja_pass``.

    For each learning agent p (``learn[p]``), row i: ``w_i <- (1 - rate y_i^2) w_i + rate y_i x + noise_sd Z``
    with x = ``x[p]``, y = ``y[p]``; Z only on the rows with ``every > 0`` and ``(i + phase) % every == 0``,
    from the stream ``keys[p]`` at ``counters[p] + i * ceil(m / 2)`` (int64 tensors holding uint64 bit
    patterns; the counters are not advanced here). Non-learners' rows are not written. With ``dot``,
    ``out[p, i] = w_i . v[p]`` of the updated row. ``block``: (rows, column pairs) per tile, powers of 2.
    """
    P, n, m = W.shape
    rows, pairs = block
    stride = every if every > 0 else 1
    per_class = triton.cdiv(triton.cdiv(n, stride), rows)
    with torch.cuda.device(W.device) if W.is_cuda else contextlib.nullcontext():  # launch on W's GPU
        _oja_pass_kernel[(P, stride * per_class)](
            W,
            x,
            y,
            learn.to(torch.int32),
            keys.contiguous(),
            counters.contiguous(),
            v if dot else W,
            out if dot else W,
            float(rate),
            float(noise_sd),
            stride,
            phase % stride,
            n,
            per_class,
            m=m,
            half=m - m // 2,
            NOISE=every > 0,
            DOT=dot,
            BLOCK_R=rows,
            BLOCK_C=pairs,
            num_warps=WARPS,
        )
