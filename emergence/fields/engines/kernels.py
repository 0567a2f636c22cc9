"""Numba kernels of the fast CPU engine (``emergence.fields.engines.cpu``): fused, in place, one pass over W_rec_main.

Every kernel works on numpy views of the agent's torch tensors (shared memory, no copies) with a
leading agent axis, and is generic over float32 / float64 (constants are cast to the arrays' dtype).
Rows are distributed over threads with ``prange``; each row's arithmetic is fixed by the code, never
by the thread schedule, so results are deterministic.

The weight-noise Gaussians are those of ``emergence.agents.rng`` (SplitMix64 + Box-Muller), computed here in
float32 with polynomial ``log``/``sin``/``cos`` that the compiler can vectorise.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ...agents.rng import GOLDEN as _GOLDEN
from ...agents.rng import M1 as _M1
from ...agents.rng import M2 as _M2

__all__ = ["fields_step", "homeostatic_energy", "normalise", "oja_pass", "gaussian_fill"]

# Reassociation lets reductions vectorise; no nnan/ninf, so NaN and inf propagate as usual.
_FM = {"reassoc", "contract", "nsz", "arcp"}
_OPTS = dict(fastmath=_FM, cache=True, nogil=True)

_U = np.uint64
_G, _K1, _K2 = _U(_GOLDEN), _U(_M1), _U(_M2)
_S27, _S30, _S31, _S32 = _U(27), _U(30), _U(31), _U(32)
_LOW32 = _U(0xFFFFFFFF)
_BLOCK = 16  # rows per parallel work item (one noise scratch each)
_CHUNK = 1024  # noise pairs per chunk of a row: 2 x 4 KiB of the row, in L1 while it is updated
_SUB, _LINES, _LINE = 64, 32, 16  # per 64 noise pairs drawn, prefetch 32 cache lines (16 floats each)


# -- float32 bit casts (for a vectorisable log) --------------------------------------------------------
@intrinsic
def _f32_bits(typingctx, x):
    sig = types.int32(types.float32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return sig, codegen


@intrinsic
def _bits_f32(typingctx, x):
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return sig, codegen


@intrinsic
def _prefetch(typingctx, arr, index):
    """A hint to bring ``arr[index]`` into the L2 cache (``llvm.prefetch``; a no-op where unsupported)."""
    sig = types.void(arr, types.intp)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]])
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 2), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", **_OPTS)
def _log_uniform(a):
    """``ln((a + 1/2) / 2^32)`` for an integer 0 <= a < 2^32, in float32 (Cephes ``logf``, about 1 ulp).

    ``x = m * 2^e`` with m in [sqrt(1/2), sqrt(2)) and ``ln x = e ln 2 + ln(1 + f)``, f = m - 1, by
    Cephes' polynomial. Near x = 1 the float32 value of x has lost the low bits of a, so there
    f = x - 1 is taken exactly from the integer instead: -(2^32 - 1/2 - a) / 2^32.
    """
    x = (np.float32(np.uint32(a)) + np.float32(0.5)) * np.float32(2.0**-32)
    bits = _f32_bits(x)
    e = ((bits >> np.int32(23)) & np.int32(0xFF)) - np.int32(127)
    m = _bits_f32((bits & np.int32(0x7FFFFF)) | np.int32(0x3F800000))
    big = m > np.float32(1.4142135)
    m = m * np.float32(0.5) if big else m
    e = e + np.int32(1) if big else e
    f = m - np.float32(1.0)
    near_one = a > np.int64(3037000499)  # x > sqrt(1/2): e == 0 there
    f = -(np.float32(np.uint32(np.int64(4294967295) - a)) + np.float32(0.5)) * np.float32(2.0**-32) if near_one else f
    e = np.int32(0) if near_one else e
    z = f * f
    y = np.float32(7.0376836292e-2) * f - np.float32(1.1514610310e-1)
    y = y * f + np.float32(1.1676998740e-1)
    y = y * f - np.float32(1.2420140846e-1)
    y = y * f + np.float32(1.4249322787e-1)
    y = y * f - np.float32(1.6668057665e-1)
    y = y * f + np.float32(2.0000714765e-1)
    y = y * f - np.float32(2.4999993993e-1)
    y = y * f + np.float32(3.3333331174e-1)
    y = y * f * z
    ef = np.float32(e)
    y = y + np.float32(-2.12194440e-4) * ef - np.float32(0.5) * z
    return f + y + np.float32(0.693359375) * ef


@njit(inline="always", **_OPTS)
def _normal_pair(key, k):
    """The two standard normals of number ``k`` of the stream ``key`` (see ``emergence.agents.rng``)."""
    z = key + k * _G
    z = (z ^ (z >> _S30)) * _K1
    z = (z ^ (z >> _S27)) * _K2
    z = z ^ (z >> _S31)
    a = np.int64(z >> _S32)
    t = np.int64(z & _LOW32)
    r = math.sqrt(np.float32(-2.0) * _log_uniform(a))
    # theta = 2 pi t / 2^32 = q pi/2 + phi, phi in [-pi/4, pi/4): quadrant from the top bits.
    s = (t + np.int64(1 << 29)) & np.int64(0xFFFFFFFF)
    q = s >> np.int64(30)
    phi = np.float32(np.int32((s & np.int64((1 << 30) - 1)) - np.int64(1 << 29))) * np.float32(2 * math.pi / 2.0**32)
    p2 = phi * phi
    sn = phi + phi * p2 * (
        np.float32(-1.6666654611e-1) + p2 * (np.float32(8.3321608736e-3) + p2 * np.float32(-1.9515295891e-4))
    )
    cs = (
        np.float32(1.0)
        - np.float32(0.5) * p2
        + p2
        * p2
        * (
            np.float32(4.166664568298827e-2)
            + p2 * (np.float32(-1.388731625493765e-3) + p2 * np.float32(2.443315711809948e-5))
        )
    )
    odd = (q & np.int64(1)) != 0
    c1 = -sn if odd else cs
    s1 = cs if odd else sn
    sign = np.float32(-1.0) if (q & np.int64(2)) != 0 else np.float32(1.0)
    return r * c1 * sign, r * s1 * sign


@njit(inline="always", **_OPTS)
def _fill_row(g0, g1, key, k0, count, sd):
    """``g0[j], g1[j] = sd * normal_pair(key, k0 + j)`` for j < count (cast to the buffers' dtype)."""
    T = g0.dtype.type
    for j in range(count):
        z0, z1 = _normal_pair(key, k0 + _U(j))
        g0[j] = T(z0) * sd
        g1[j] = T(z1) * sd


@njit(**_OPTS)
def gaussian_fill(out, key, counter):
    """``out`` (rows, cols) = the stream ``key`` from ``counter`` (for tests and the benchmark)."""
    rows, cols = out.shape
    half = cols - cols // 2
    T = out.dtype.type
    g0 = np.empty(half, out.dtype)
    g1 = np.empty(half, out.dtype)
    for i in range(rows):
        _fill_row(g0, g1, key, counter + _U(i) * _U(half), half, T(1.0))
        for j in range(half):
            out[i, j] = g0[j]
        for j in range(cols - half):
            out[i, half + j] = g1[j]


# -- the fields --------------------------------------------------------------------------------------
@njit(inline="always", **_OPTS)
def _dot(a, b):
    acc = a.dtype.type(0.0)
    for j in range(a.shape[0]):
        acc += a[j] * b[j]
    return acc


@njit(parallel=True, **_OPTS)
def fields_step(
    code,
    xi,
    default_noise,
    base_noise,
    amp_s,
    amp_m,
    amp_e,
    rates,
    text_noise,
    v_s,
    s_old,
    s_new,
    W_in,
    v_m,
    m_old,
    rec,
    b_m,
    m_new,
    W_me,
    W_re,
    v_e,
    e_old,
    e_new,
    b_e,
    tr_s,
    tr_m,
    tr_e,
):
    """One step of the three fields of every agent (MODEL.md section 1) and their traces.

    ``rec`` holds W_rec_main @ m_old (computed by the previous step's fused pass). ``xi`` is this
    step's field noise, (P, 2 n_in + n_main + n_emo): text, sensory, main, emotion. With
    ``default_noise`` the amplitudes are ``base_noise[f] * (1 + |a|)``, else ``amp_*``. ``rates`` holds
    dt/tau of sensory, main, emotion and the trace rate.
    """
    T = v_m.dtype.type
    one = T(1.0)
    P, n_in = s_old.shape
    n_main, n_emo = m_old.shape[1], e_old.shape[1]
    o_s, o_m, o_e = n_in, 2 * n_in, 2 * n_in + n_main
    k_s, k_m, k_e, k_tr = rates[0], rates[1], rates[2], rates[3]
    for p in range(P):
        for j in range(n_in):
            amp = base_noise[0] * (one + abs(s_old[p, j])) if default_noise else amp_s[p, j]
            drive = code[j] + text_noise * xi[p, j] + amp * xi[p, o_s + j]
            v = v_s[p, j]
            v = v + k_s * (drive - v)
            v_s[p, j] = v
            s_new[p, j] = math.tanh(v)
    for r in prange(P * n_main):
        p = r // n_main
        i = r - p * n_main
        amp = base_noise[1] * (one + abs(m_old[p, i])) if default_noise else amp_m[p, i]
        drive = _dot(W_in[p, i], s_new[p]) + rec[p, i] + b_m[p, i] + amp * xi[p, o_m + i]
        v = v_m[p, i]
        v = v + k_m * (drive - v)
        v_m[p, i] = v
        m_new[p, i] = math.tanh(v)
    for r in prange(P * n_emo):
        p = r // n_emo
        i = r - p * n_emo
        amp = base_noise[2] * (one + abs(e_old[p, i])) if default_noise else amp_e[p, i]
        drive = _dot(W_me[p, i], m_new[p]) + _dot(W_re[p, i], e_old[p]) + b_e[p, i] + amp * xi[p, o_e + i]
        v = v_e[p, i]
        v = v + k_e * (drive - v)
        v_e[p, i] = v
        e_new[p, i] = math.tanh(v)
    for p in range(P):
        for j in range(n_in):
            tr_s[p, j] += k_tr * (s_new[p, j] - tr_s[p, j])
        for j in range(n_main):
            tr_m[p, j] += k_tr * (m_new[p, j] - tr_m[p, j])
        for j in range(n_emo):
            tr_e[p, j] += k_tr * (e_new[p, j] - tr_e[p, j])


@njit(**_OPTS)
def homeostatic_energy(main, energy, awake, new_energy, new_awake, params):
    """``emergence.agents.energy.HomeostaticEnergy`` for every agent; params = (rms_scale, setpoint,
    homeostasis, cost, sleep_cost, sleep_below, wake_above)."""
    T = main.dtype.type
    P, n = main.shape
    for p in range(P):
        ss = T(0.0)
        for j in range(n):
            ss += main[p, j] * main[p, j]
        activity = math.sqrt(ss) * params[0]
        factor = T(1.0) if awake[p] else params[4]
        e = energy[p] + params[2] * (params[1] - energy[p]) - params[3] * activity * factor
        e = min(max(e, T(0.0)), T(1.0))
        new_energy[p] = e
        new_awake[p] = (e >= params[5]) if awake[p] else (e > params[6])


# -- plasticity ----------------------------------------------------------------------------------------
@njit(inline="always", **_OPTS)
def _scaled(v, out, rms):
    """out = v / |v| (times sqrt(len) when ``rms``), per agent; |v| clamped at 1e-12 like the plain rule."""
    T = v.dtype.type
    P, n = v.shape
    for p in range(P):
        ss = T(0.0)
        for j in range(n):
            ss += v[p, j] * v[p, j]
        scale = T(1.0) / max(math.sqrt(ss), T(1e-12))
        if rms:
            scale = scale * math.sqrt(T(n))
        for j in range(n):
            out[p, j] = v[p, j] * scale


@njit(**_OPTS)
def normalise(s_new, m_old, m_new, e_old, e_new, rms, x_s, y_m, x_m, x_mo, y_e, x_e):
    """The pre (unit length) and post (unit length, or unit RMS with ``rms``) vectors of the four rules."""
    _scaled(s_new, x_s, False)
    _scaled(m_new, y_m, rms)
    _scaled(m_new, x_m, False)
    _scaled(m_old, x_mo, False)
    _scaled(e_new, y_e, rms)
    _scaled(e_old, x_e, False)


@njit(inline="always", **_OPTS)
def _noisy_update(row, x, a, b, g0, g1, key, k0, sd, ahead, cursor, v, dot):
    """``row <- a row + b x + sd Z`` with Z from the stream ``key`` at ``k0`` (pairs: column j takes
    z0 of number k0 + j, column j + ceil(m/2) its z1), a chunk of ``_CHUNK`` pairs at a time so that
    the noise and both pieces of the row stay in L1.

    Drawing the noise is arithmetic, not memory traffic; meanwhile the rows about to be streamed
    (``ahead``, a flat view, from ``cursor`` on) are prefetched, a few cache lines per ``_SUB`` pairs,
    so memory keeps busy. With ``dot``, also ``row . v`` of the updated row, summed chunk by chunk
    while the chunk is in L1. Returns (new cursor, product).
    """
    m = row.shape[0]
    half = m - m // 2
    T = row.dtype.type
    acc = T(0.0)
    for c0 in range(0, half, _CHUNK):
        c1 = min(half, c0 + _CHUNK)
        d1 = min(c1, m - half)
        for s0 in range(0, c1 - c0, _SUB):
            s1 = min(c1 - c0, s0 + _SUB)
            h0 = g0[s0:s1]
            h1 = g1[s0:s1]
            for j in range(s1 - s0):
                z0, z1 = _normal_pair(key, k0 + _U(c0 + s0 + j))
                h0[j] = T(z0) * sd
                h1[j] = T(z1) * sd
            for _ in range(_LINES):
                if cursor < ahead.shape[0]:
                    _prefetch(ahead, cursor)
                    cursor += _LINE
        ra = row[c0:c1]
        xa = x[c0:c1]
        for j in range(ra.shape[0]):
            ra[j] = a * ra[j] + b * xa[j] + g0[j]
        if dot:
            acc += _dot(ra, v[c0:c1])
        if d1 > c0:
            rb = row[half + c0 : half + d1]
            xb = x[half + c0 : half + d1]
            for j in range(rb.shape[0]):
                rb[j] = a * rb[j] + b * xb[j] + g1[j]
            if dot:
                acc += _dot(rb, v[half + c0 : half + d1])
    return cursor, acc


@njit(fastmath={"contract"}, cache=True, nogil=True)
def _noisy_axpy(a, w, b, x, g):
    """``a w + b x + g`` as ``_noisy_update`` rounds it (fma(b, x, fma(a, w, g))): compiled without
    reassociation, so that LLVM keeps this order when it inlines it into the group loop."""
    return b * x + (a * w + g)


@njit(inline="always", **_OPTS)
def _draw_row(G, key, k0, sd, ahead, cursor):
    """The whole noise of one row into ``G`` (length 2 ceil(m/2)): ``G[j]`` = sd z0 of number k0 + j,
    ``G[half + j]`` = sd z1 (column j + ceil(m/2)), while the rows about to be streamed are prefetched
    as in ``_noisy_update``. Returns the new cursor."""
    half = G.shape[0] // 2
    T = G.dtype.type
    for s0 in range(0, half, _SUB):
        s1 = min(half, s0 + _SUB)
        h0 = G[s0:s1]
        h1 = G[half + s0 : half + s1]
        for j in range(s1 - s0):
            z0, z1 = _normal_pair(key, k0 + _U(s0 + j))
            h0[j] = T(z0) * sd
            h1[j] = T(z1) * sd
        for _ in range(_LINES):
            if cursor < ahead.shape[0]:
                _prefetch(ahead, cursor)
                cursor += _LINE
    return cursor


@njit(parallel=True, **_OPTS)
def oja_pass(W, x, y, rate, learn, noise_sd, every, phase, keys, counters, v, out, dot):
    """One pass over a weight matrix of every agent, W: (P, rows, cols), in place.

    For each learning agent p, row i: Oja's rule ``w_i <- (1 - rate y_i^2) w_i + rate y_i x`` with
    x = ``x[p]`` (normalised pre) and y = ``y[p]`` (normalised post), plus weight noise
    ``noise_sd * Z`` on the rows with ``every > 0`` and ``(i + phase) % every == 0``, Z from the
    stream ``keys[p]`` at ``counters[p] + i * ceil(cols / 2)`` (``emergence.agents.rng``). Rows of agents
    that do not learn are not written. With ``dot``, ``out[p, i] = w_i . v[p]`` with the row as
    updated: for W_rec_main the next step's recurrent input, computed in the same sweep of memory.

    Rows are taken four at a time (one load of x and v serves four rows). In a group of four with
    exactly one noisy row, that row's noise is drawn first into a scratch row (``_draw_row``, prefetching
    the group meanwhile) and the row then streams with the other three as an extra ``+ G[j]`` term. In
    other groups a row that takes noise is updated first, chunk by chunk with its noise
    (``_noisy_update``), and then joins its group for the product. Groups go to threads in blocks of
    ``_BLOCK`` rows.
    """
    P, n, m = W.shape
    T = W.dtype.type
    one, zero = T(1.0), T(0.0)
    half = m - m // 2
    blocks = (n + _BLOCK - 1) // _BLOCK
    for blk in prange(P * blocks):
        p = blk // blocks
        i0 = (blk - p * blocks) * _BLOCK
        i1 = min(n, i0 + _BLOCK)
        learning = learn[p]
        if not learning and not dot:
            continue
        xp = x[p] if learning else x[0]
        vp = v[p] if dot else v[0]
        noise = learning and every > 0
        g0 = np.empty(_CHUNK if noise else 0, W.dtype)
        g1 = np.empty(_CHUNK if noise else 0, W.dtype)
        G = np.empty(2 * half if noise else 0, W.dtype)  # one row's noise, for a group with one noisy row
        for g in range(i0, i1, 4):
            rows = min(4, i1 - g)
            ahead = W[p, g : min(n, g + 8)].reshape(-1)  # this group and the next: prefetched while drawing noise
            cursor = 0
            noisy = 0
            nz = -1  # the group's only noisy row (its noise drawn into G, added in the group loop), or -1
            a0, a1, a2, a3 = one, one, one, one
            b0, b1, b2, b3 = zero, zero, zero, zero
            if learning:
                if noise and rows == 4:
                    count = 0
                    for r in range(4):
                        if (g + r + phase) % every == 0:
                            count += 1
                            nz = r
                    if count != 1:
                        nz = -1
                for r in range(rows):
                    i = g + r
                    yi = y[p, i]
                    a = one - rate * yi * yi
                    b = rate * yi
                    if noise and (i + phase) % every == 0:
                        k0 = counters[p] + _U(i) * _U(half)
                        if nz >= 0:
                            cursor = _draw_row(G, keys[p], k0, noise_sd, ahead, cursor)
                        else:
                            cursor, product = _noisy_update(
                                W[p, i], xp, a, b, g0, g1, keys[p], k0, noise_sd, ahead, cursor, vp, dot
                            )
                            if dot:
                                out[p, i] = product
                            noisy += 1
                            a, b = one, zero  # updated: the group loop below leaves it as it is
                    if r == 0:
                        a0, b0 = a, b
                    elif r == 1:
                        a1, b1 = a, b
                    elif r == 2:
                        a2, b2 = a, b
                    else:
                        a3, b3 = a, b
            if noisy == rows:
                continue
            if nz >= 0:
                # the noisy row goes first: u0 = a0 w0 + b0 x + G
                i_0, i_1, i_2, i_3 = g, g + 1, g + 2, g + 3
                if nz == 1:
                    i_0, i_1, a0, a1, b0, b1 = i_1, i_0, a1, a0, b1, b0
                elif nz == 2:
                    i_0, i_2, a0, a2, b0, b2 = i_2, i_0, a2, a0, b2, b0
                elif nz == 3:
                    i_0, i_3, a0, a3, b0, b3 = i_3, i_0, a3, a0, b3, b0
                w0, w1, w2, w3 = W[p, i_0], W[p, i_1], W[p, i_2], W[p, i_3]
                c0, c1, c2, c3 = zero, zero, zero, zero
                for j in range(m):
                    xj = xp[j]
                    vj = vp[j]
                    u0 = _noisy_axpy(a0, w0[j], b0, xj, G[j])
                    u1 = a1 * w1[j] + b1 * xj
                    u2 = a2 * w2[j] + b2 * xj
                    u3 = a3 * w3[j] + b3 * xj
                    w0[j] = u0
                    w1[j] = u1
                    w2[j] = u2
                    w3[j] = u3
                    c0 += u0 * vj
                    c1 += u1 * vj
                    c2 += u2 * vj
                    c3 += u3 * vj
                if dot:
                    out[p, i_0], out[p, i_1], out[p, i_2], out[p, i_3] = c0, c1, c2, c3
            elif rows == 4:
                w0, w1, w2, w3 = W[p, g], W[p, g + 1], W[p, g + 2], W[p, g + 3]
                if learning and dot:
                    c0, c1, c2, c3 = zero, zero, zero, zero
                    for j in range(m):
                        xj = xp[j]
                        vj = vp[j]
                        u0 = a0 * w0[j] + b0 * xj
                        u1 = a1 * w1[j] + b1 * xj
                        u2 = a2 * w2[j] + b2 * xj
                        u3 = a3 * w3[j] + b3 * xj
                        w0[j] = u0
                        w1[j] = u1
                        w2[j] = u2
                        w3[j] = u3
                        c0 += u0 * vj
                        c1 += u1 * vj
                        c2 += u2 * vj
                        c3 += u3 * vj
                    out[p, g], out[p, g + 1], out[p, g + 2], out[p, g + 3] = c0, c1, c2, c3
                elif learning:
                    for j in range(m):
                        xj = xp[j]
                        w0[j] = a0 * w0[j] + b0 * xj
                        w1[j] = a1 * w1[j] + b1 * xj
                        w2[j] = a2 * w2[j] + b2 * xj
                        w3[j] = a3 * w3[j] + b3 * xj
                else:
                    c0, c1, c2, c3 = zero, zero, zero, zero
                    for j in range(m):
                        vj = vp[j]
                        c0 += w0[j] * vj
                        c1 += w1[j] * vj
                        c2 += w2[j] * vj
                        c3 += w3[j] * vj
                    out[p, g], out[p, g + 1], out[p, g + 2], out[p, g + 3] = c0, c1, c2, c3
            else:
                for r in range(rows):
                    w = W[p, g + r]
                    a = a0 if r == 0 else (a1 if r == 1 else a2)
                    b = b0 if r == 0 else (b1 if r == 1 else b2)
                    if learning:
                        for j in range(m):
                            w[j] = a * w[j] + b * xp[j]
                    if dot:
                        out[p, g + r] = _dot(w, vp)


@njit(parallel=True, **_OPTS)
def scale_(a, s):
    """``a *= s`` in place, over all threads (the benchmark's measure of memory bandwidth)."""
    flat = a.reshape(-1)
    for i in prange(flat.shape[0]):
        flat[i] *= s
