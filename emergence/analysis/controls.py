"""Null controls and robustness checks for the twin statistics (MODEL.md section 10).

A slow trend shared by both twins (from their shared start, or from dynamics common to every run) makes
their series correlate within a window whether or not the twins have anything to do with each other.
These controls ask how much of each twin statistic unrelated series give:

- cross-pair null: twin A of run r with twin B of run s != r (is the coupling twin-specific?);
- within-run surrogates: twin B circularly shifted by more than the autocorrelation time (is there a
  coupling beyond what any two moments of these series give?);
- detrended coupling: the statistics on first differences and on linearly detrended windows;
- sensitivity: without the burn-in, over window lengths, and window r's tested with an effective
  sample size.

Inputs as in :mod:`emergence.analysis.statistics`, with the ``windows`` (and their burn-in) of the
statistics: every null is computed on the same windows, so never on the burn-in. The twin statistics
set against each null are ``STATISTICS``. Their p-values are two-sided around the null mean with the +1
correction, p = (1 + #{|null - null mean| >= |twin - null mean|}) / (1 + n_null), ties (up to rounding)
counting as extreme, so never 0; the effect size is (twin - null mean) / null SD. Results are JSON-ready
dicts; ``control_rows`` flattens them into rows.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import fft, stats

from .contrasts import mean_difference
from .statistics import (
    as_runs,
    as_windows,
    describe,
    nanmean,
    run_correlations,
    twin_summary,
    unit_windows,
    window_correlations,
    window_dot,
)
from .windows import DETRENDS, Windows, segments, unit_segments

__all__ = [
    "DETRENDS",
    "STATISTICS",
    "QUANTILES",
    "sweep_statistics",
    "cross_pair_null",
    "autocorrelation_time",
    "surrogate_null",
    "sign_flip_zero",
    "window_significance",
    "sensitivity",
    "run_controls",
    "control_rows",
    "smallest_p",
]

STATISTICS = {  # key: (statistic, quantity)
    "mean_activity": ("mean", "activity"),  # mean of A_corr_run
    "mean_emotion": ("mean", "emotion"),  # mean of E_corr_run
    "sd_emotion": ("sd", "emotion"),  # sample SD (ddof=1) of E_corr_run
    "corr_activity_emotion": ("corr", "activity~emotion"),  # corr(A_corr_run, E_corr_run)
}
QUANTILES = (0.025, 0.05, 0.5, 0.95, 0.975)
_CHUNK = 2**23  # floats in one temporary block of the pair computations
_TIE = 1e-9  # null values this close (relative) to the twin's distance count as ties, hence extreme


def _run_level(a: np.ndarray, b: np.ndarray, windows: Windows, detrend: str) -> np.ndarray:
    return run_correlations(window_correlations(a, b, windows, detrend))


def _at_least(values: np.ndarray, observed: float) -> np.ndarray:
    """``values >= observed``, a tie up to rounding counting as reached."""
    return values >= observed * (1 - _TIE) - _TIE


# --- the statistics and their comparison with a null ---------------------------------------------------


def _masked_moments(x: np.ndarray, mask: np.ndarray):
    n = mask.sum(axis=-1)
    safe = np.maximum(n, 1)
    mean = np.where(mask, x, 0.0).sum(axis=-1) / safe
    dev = np.where(mask, x - mean[..., None], 0.0)
    return n, mean, dev


def sweep_statistics(a_run, e_run) -> dict:
    """The twin statistics of ``STATISTICS`` from run-level corrs over the last axis (runs).

    Means and SDs skip NaN runs; the correlation uses runs where both are defined (NaN under 3 runs or
    when a side is constant). Floats for 1-D input, arrays of the leading shape otherwise.
    """
    a, e = np.asarray(a_run, dtype=np.float64), np.asarray(e_run, dtype=np.float64)
    fa, fe = np.isfinite(a), np.isfinite(e)
    na, mean_a, _ = _masked_moments(a, fa)
    ne, mean_e, dev_e = _masked_moments(e, fe)
    nan = np.nan
    sd_e = np.where(ne > 1, np.sqrt((dev_e**2).sum(axis=-1) / np.maximum(ne - 1, 1)), nan)
    both = fa & fe
    nb, _, dab = _masked_moments(a, both)
    _, _, deb = _masked_moments(e, both)
    den = np.sqrt((dab**2).sum(axis=-1) * (deb**2).sum(axis=-1))
    corr = np.divide((dab * deb).sum(axis=-1), den, out=np.full(np.shape(den), nan), where=(den > 0) & (nb >= 3))
    values = {
        "mean_activity": np.where(na > 0, mean_a, nan),
        "mean_emotion": np.where(ne > 0, mean_e, nan),
        "sd_emotion": sd_e,
        "corr_activity_emotion": np.clip(corr, -1.0, 1.0),
    }
    if a.ndim == 1:
        return {key: float(value) for key, value in values.items()}
    return values


def _compare(twin: float, null) -> dict:
    """A twin value beside its null distribution: mean, SD, quantiles, difference, p-value, effect size."""
    null = np.asarray(null, dtype=np.float64).ravel()
    null = null[np.isfinite(null)]
    nan = float("nan")
    out = {
        "twin": float(twin),
        "null_mean": nan,
        "null_sd": nan,
        "null_quantiles": {str(q): nan for q in QUANTILES},
        "difference": nan,
        "p_value": nan,
        "effect_size": nan,
        "n_null": int(null.size),
    }
    if null.size == 0:
        return out
    mean = float(null.mean())
    sd = float(null.std(ddof=1)) if null.size > 1 else nan
    out.update(null_mean=mean, null_sd=sd, null_quantiles={str(q): float(np.quantile(null, q)) for q in QUANTILES})
    if np.isfinite(twin):
        diff = float(twin) - mean
        extreme = _at_least(np.abs(null - mean), abs(diff))
        out.update(
            difference=diff,
            p_value=float((1 + extreme.sum()) / (1 + null.size)),
            effect_size=diff / sd if sd > 0 else nan,
        )
    return out


def _compare_all(twin: dict, null: dict) -> dict:
    return {key: _compare(twin[key], null[key]) for key in STATISTICS}


# --- cross-pair null ------------------------------------------------------------------------------------


def _flat_windows(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit windows (R, W, window) as rows (R, W * window) with NaN windows zeroed, and their validity (R, W)."""
    valid = np.isfinite(z[..., 0])
    return np.where(valid[..., None], z, 0.0).reshape(z.shape[0], -1), valid.astype(np.float64)


def _pair_matrix(za: np.ndarray, zb: np.ndarray) -> np.ndarray:
    """(R, R) run-level corr of A_r with B_s for every r, s, from unit windows (R, W, window).

    One matrix product: the sum of window r's over the windows defined on both sides, over their count.
    """
    (fa, va), (fb, vb) = _flat_windows(za), _flat_windows(zb)
    total, count = fa @ fb.T, va @ vb.T
    return np.clip(np.divide(total, count, out=np.full_like(total, np.nan), where=count > 0), -1.0, 1.0)


def _pair_values(za: np.ndarray, zb: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Run-level corr of A_rows[i] with B_cols[i] for each listed pair."""
    (fa, va), (fb, vb) = _flat_windows(za), _flat_windows(zb)
    out = np.empty(rows.size)
    step = max(1, _CHUNK // fa.shape[1])
    for i in range(0, rows.size, step):
        r, c = rows[i : i + step], cols[i : i + step]
        total, count = np.einsum("pi,pi->p", fa[r], fb[c]), np.einsum("pk,pk->p", va[r], vb[c])
        out[i : i + step] = np.divide(total, count, out=np.full_like(total, np.nan), where=count > 0)
    return np.clip(out, -1.0, 1.0)


def cross_pair_null(
    activity_a,
    activity_b,
    emotion_a,
    emotion_b,
    windows: Windows | int,
    *,
    detrend: str = "none",
    max_pairs: int = 10_000,
    n_null: int = 999,
    seed: int = 0,
) -> dict:
    """The twin statistics beside their values over mismatched pairs (A of run r, B of run s != r).

    All R(R-1) pairs when that is at most ``max_pairs``, else a seeded random subset of ``max_pairs``.
    ``pairs``: the run-level corr over those pairs, described. ``statistics``: each twin statistic against
    ``n_null`` null sweeps. With all pairs known a null sweep pairs each A with the B of a uniformly random
    permutation of the runs: the exact permutation test (it keeps about one twin pair per sweep; leaving
    them out, i.e. derangements only, inflates the difference by R/(R-1) and makes p-values too small for
    small R). With a subset, a null sweep is R pairs drawn from it, a close approximation for large R.
    """
    arrays = as_runs(activity_a, activity_b, emotion_a, emotion_b, windows=windows)
    if max_pairs < 1 or n_null < 1:
        raise ValueError(f"max_pairs and n_null must be positive, got {max_pairs} and {n_null}")
    n_runs = arrays[0].shape[0]
    rng = np.random.default_rng(seed)
    z = [unit_windows(x, windows, detrend) for x in arrays]
    twin_a, twin_e = run_correlations(window_dot(z[0], z[1])), run_correlations(window_dot(z[2], z[3]))
    twin = sweep_statistics(twin_a, twin_e)
    n_all = n_runs * (n_runs - 1)
    out = {
        "detrend": detrend,
        "n_runs": int(n_runs),
        "n_pairs": 0,
        "all_pairs": n_all <= max_pairs,
        "null_sweeps": "",
        "n_null": int(n_null),
        "reason": None,
        "smallest_p": smallest_p("cross_pair", n_runs, n_null),
    }
    if n_runs < 2:
        out["reason"] = "needs at least 2 runs"
        empty = np.empty(0)
        out["pairs"] = {q: {**describe(empty), "quantiles": {}} for q in ("activity", "emotion")}
        out["statistics"] = _compare_all(twin, {key: empty for key in STATISTICS})
        return out
    if n_all <= max_pairs:
        pool_a, pool_e = _pair_matrix(z[0], z[1]), _pair_matrix(z[2], z[3])
        off = ~np.eye(n_runs, dtype=bool)
        pairs_a, pairs_e = pool_a[off], pool_e[off]
        perms = rng.permuted(np.tile(np.arange(n_runs), (n_null, 1)), axis=1)
        null_a, null_e = pool_a[np.arange(n_runs), perms], pool_e[np.arange(n_runs), perms]
        out["null_sweeps"] = "random permutations of the B twins"
    else:
        pick = rng.choice(n_all, size=max_pairs, replace=False)
        rows, rest = np.divmod(pick, n_runs - 1)
        cols = rest + (rest >= rows)
        pairs_a, pairs_e = _pair_values(z[0], z[1], rows, cols), _pair_values(z[2], z[3], rows, cols)
        draws = np.stack([rng.choice(max_pairs, size=n_runs, replace=max_pairs < n_runs) for _ in range(n_null)])
        null_a, null_e = pairs_a[draws], pairs_e[draws]
        out["null_sweeps"] = "R pairs drawn from the random subset of pairs"
    out["n_pairs"] = int(pairs_a.size)
    out["pairs"] = {
        q: {
            **describe(v),
            "quantiles": {str(p): float(np.nanquantile(v, p)) for p in QUANTILES} if np.isfinite(v).any() else {},
        }
        for q, v in (("activity", pairs_a), ("emotion", pairs_e))
    }
    out["statistics"] = _compare_all(twin, sweep_statistics(null_a, null_e))
    return out


# --- within-run surrogates ------------------------------------------------------------------------------


def autocorrelation_time(x) -> np.ndarray:
    """Steps until each series' autocorrelation first drops below 1/e, shape (...,) for input (..., T).

    The ACF is the usual biased estimate, by FFT of the mean-removed series. A series whose ACF stays
    above 1/e up to lag T/2 gets T (no circular shift is long enough); a constant one gets 0.
    """
    x = np.asarray(x, dtype=np.float64)
    n_steps = x.shape[-1]
    lags = (n_steps + 1) // 2  # a circular shift needs tau < T/2: longer lags are never needed
    size = fft.next_fast_len(n_steps + lags, real=True)
    centred = (x - x.mean(axis=-1, keepdims=True)).astype(np.float32)  # ample for a 1/e threshold
    spectrum = fft.rfft(centred, size, workers=-1)
    acf = fft.irfft(spectrum.real**2 + spectrum.imag**2, size, workers=-1)[..., :lags]
    var = acf[..., :1]
    below = acf < var / np.e
    tau = np.where(below.any(axis=-1), below.argmax(axis=-1), n_steps)
    return np.where(np.ptp(x, axis=-1) > 0, tau, 0)


def _per_run(twin: np.ndarray, null: np.ndarray) -> dict:
    """Each run's coupling against its own null (shifts x runs): one-sided p and the 95th percentile."""
    valid = np.isfinite(null)
    k = valid.sum(axis=0)
    defined = (k > 0) & np.isfinite(twin)
    p = np.where(defined, (1 + ((null >= twin) & valid).sum(axis=0)) / (1 + k), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p95 = np.nanquantile(null, 0.95, axis=0) if null.size else np.full(twin.shape, np.nan)
    above = defined & (twin > p95)
    return {
        "twin": twin.tolist(),
        "null_mean": nanmean(null, axis=0).tolist(),
        "null_p95": p95.tolist(),
        "p_value": p.tolist(),
        "fraction_above_p95": float(above.sum() / defined.sum()) if defined.any() else float("nan"),
    }


def _shifted(b: np.ndarray, burn_in: int, shifts: np.ndarray) -> np.ndarray:
    """Each run of ``b`` (R, T) with its part after the burn-in circularly shifted by ``shifts`` (R,)."""
    span = b.shape[1] - burn_in
    index = burn_in + (np.arange(span)[None, :] - shifts[:, None]) % span
    return np.concatenate([b[:, :burn_in], np.take_along_axis(b, index, axis=1)], axis=1)


def surrogate_null(
    activity_a,
    activity_b,
    emotion_a,
    emotion_b,
    windows: Windows | int,
    *,
    detrend: str = "none",
    n_shifts: int = 39,
    seed: int = 0,
) -> dict:
    """Each run's coupling beside its own null: twin B circularly shifted in time, twin A left as is.

    Only the steps after the burn-in are shifted (among themselves), so the start-up never meets the
    data. Shifts s are drawn (seeded) uniformly with tau < s < T' - tau, T' the steps after the burn-in
    and tau the largest autocorrelation time of the run's four series there (after ``detrend``); one
    shift moves both of B's series. A run with no such shift (2 tau + 2 > T') is left out.
    ``per_run``: one-sided p = (1 + #{null >= twin}) / (1 + n_shifts) per run and the fraction of runs
    above their null's 95th percentile. ``statistics``: the sweep statistics of the runs used against
    those of the ``n_shifts`` shifted sweeps.
    """
    windows = as_windows(windows)
    arrays = as_runs(activity_a, activity_b, emotion_a, emotion_b, windows=windows)
    if n_shifts < 1:
        raise ValueError(f"n_shifts must be positive, got {n_shifts}")
    n_runs, n_steps = arrays[0].shape
    burn_in = min(windows.burn_in, n_steps - 1)
    span = n_steps - burn_in
    rng = np.random.default_rng(seed)
    after = [x[:, burn_in:] if detrend != "diff" else np.diff(x[:, burn_in:], axis=1) for x in arrays]
    tau = np.max([autocorrelation_time(x) for x in after], axis=0)
    usable = tau + 1 <= span - tau - 1
    low, high = np.where(usable, tau + 1, 1), np.where(usable, span - tau, 2)
    shifts = rng.integers(low[:, None], high[:, None], size=(n_runs, n_shifts))
    twin_a = _run_level(arrays[0], arrays[1], windows, detrend)
    twin_e = _run_level(arrays[2], arrays[3], windows, detrend)
    null_a = np.full((n_shifts, n_runs), np.nan)
    null_e = np.full((n_shifts, n_runs), np.nan)
    used = np.flatnonzero(usable)
    if used.size:
        za, ze = unit_windows(arrays[0][used], windows, detrend), unit_windows(arrays[2][used], windows, detrend)
        for k in range(n_shifts):
            for z, b, null in ((za, arrays[1], null_a), (ze, arrays[3], null_e)):
                zb = unit_windows(_shifted(b[used], burn_in, shifts[used, k]), windows, detrend)
                null[k, used] = run_correlations(window_dot(z, zb))
    twin = sweep_statistics(twin_a[used], twin_e[used])
    return {
        "detrend": detrend,
        "n_shifts": int(n_shifts),
        "n_runs_used": int(used.size),
        "autocorrelation_time": tau.tolist(),
        "smallest_p": smallest_p("surrogate", int(used.size), n_shifts),
        "per_run": {"activity": _per_run(twin_a, null_a), "emotion": _per_run(twin_e, null_e)},
        "statistics": _compare_all(twin, sweep_statistics(null_a[:, used], null_e[:, used])),
        "reason": None if used.size else "no run has a shift longer than its autocorrelation time",
    }


# --- against zero ---------------------------------------------------------------------------------------


def sign_flip_zero(run_corr, *, seed: int = 0) -> dict:
    """Is the mean run coupling different from 0? The paired sign-flip test of the conditions'
    comparisons (``emergence.analysis.contrasts.mean_difference``) on Fisher z of the defined run values
    against 0; the smallest p it can give is 2 / 2^n."""
    z = np.arctanh(np.clip(np.asarray(run_corr, dtype=np.float64), -0.999999, 0.999999))
    z = z[np.isfinite(z)]
    test = mean_difference(np.zeros_like(z), z, paired=True, seed=seed)
    return {
        "n_runs": int(z.size),
        "mean": float(np.tanh(z.mean())) if z.size else float("nan"),
        "p_value": test["p_value"],
        "smallest_p": smallest_p("sign_flip", z.size),
        "method": "two-sided sign-flip permutation test on Fisher z",
    }


def smallest_p(test: str, n_runs: int, n_null: int = 0) -> float:
    """The smallest p-value a test can give with ``n_runs`` runs: whatever the data, it cannot reject at
    alpha when this is >= alpha. ``sign_flip``: 2 / 2^n; ``cross_pair``: 1 / n! (all permutations of the
    B twins), at least 1 / (n_null + 1); ``surrogate``: 1 / (n_null + 1) with at least one run."""
    if n_runs < 1 or (test == "cross_pair" and n_runs < 2):
        return 1.0
    if test == "sign_flip":
        return min(1.0, 2.0 / 2.0**n_runs)
    if test == "cross_pair":
        return max(1.0 / math.factorial(min(n_runs, 20)), 1.0 / (n_null + 1))
    if test == "surrogate":
        return 1.0 / (n_null + 1)
    raise ValueError(f"unknown test {test!r}")


# --- sensitivity ----------------------------------------------------------------------------------------


def window_significance(x, y, windows: Windows | int, *, detrend: str = "none", alpha: float = 0.05) -> dict:
    """The fraction of window r's significant at ``alpha``: naive (n - 2 dof) and adjusted for autocorrelation.

    Adjusted: n_eff = n (1 - r1x r1y) / (1 + r1x r1y) (Bretherton et al. 1999), r1x and r1y the lag-1
    autocorrelations within the window, capped at n; t = r sqrt((n_eff - 2) / (1 - r^2)), two-sided on
    n_eff - 2 dof; a window with n_eff <= 2 is not significant. Constant windows are left out.
    """
    windows = as_windows(windows)
    (vx, mask), (vy, _) = segments(x, windows, detrend), segments(y, windows, detrend)
    zx, zy = unit_segments(vx, mask), unit_segments(vy, mask)
    r = window_dot(zx, zy)
    r1 = np.einsum("...w,...w->...", zx[..., :-1], zx[..., 1:]) * np.einsum("...w,...w->...", zy[..., :-1], zy[..., 1:])
    n = np.broadcast_to(mask.sum(axis=-1), r.shape).astype(np.float64)
    n_eff = np.minimum(n, np.divide(n * (1 - r1), 1 + r1, out=n.copy(), where=1 + r1 > 0))
    ok = np.isfinite(r)
    r, n, n_eff = r[ok], n[ok], n_eff[ok]

    def significant(size: np.ndarray) -> np.ndarray:
        dof = size - 2
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.abs(r) * np.sqrt(np.maximum(dof, 0) / np.maximum(1 - r**2, 0))
        p = 2 * stats.t.sf(np.nan_to_num(t, nan=np.inf), np.maximum(dof, 1))
        return (dof > 0) & (p < alpha)

    count = max(r.size, 1)
    nan = float("nan")
    return {
        "alpha": float(alpha),
        "n_windows": int(r.size),
        "fraction_significant_raw": float(significant(n).sum() / count) if r.size else nan,
        "fraction_significant_adjusted": float(significant(n_eff).sum() / count) if r.size else nan,
        "n_eff": describe(n_eff),
    }


def sensitivity(
    activity_a,
    activity_b,
    emotion_a,
    emotion_b,
    windows: Windows | int,
    *,
    detrend: str = "none",
    factors: tuple[float, ...] = (0.5, 1.0, 2.0),
) -> dict:
    """The twin statistics with and without the burn-in, and over window lengths (trail: ``length``,
    contiguous: blocks) times ``factors``, rounded and at least 3 steps."""
    windows = as_windows(windows)
    arrays = as_runs(activity_a, activity_b, emotion_a, emotion_b, windows=windows)
    n_steps = arrays[0].shape[1]

    def statistics(w: Windows) -> dict:
        if w.count(n_steps) == 0:
            return sweep_statistics(np.full(arrays[0].shape[0], np.nan), np.full(arrays[0].shape[0], np.nan))
        return sweep_statistics(
            _run_level(arrays[0], arrays[1], w, detrend), _run_level(arrays[2], arrays[3], w, detrend)
        )

    lengths = []
    for factor in factors:
        w = windows.scaled(factor)
        size = w.length if w.kind == "trail" else w.every
        if any(entry["window"] == size for entry in lengths):
            continue
        lengths.append({"window": size, "n_windows": w.count(n_steps), "statistics": statistics(w)})
    return {
        "detrend": detrend,
        "burn_in": {
            "steps": windows.burn_in,
            "kept": statistics(windows.with_burn_in(0)),
            "dropped": statistics(windows),
        },
        "window_lengths": sorted(lengths, key=lambda entry: entry["window"]),
    }


# --- everything -----------------------------------------------------------------------------------------


def run_controls(
    activity_a,
    activity_b,
    emotion_a,
    emotion_b,
    windows: Windows | int,
    *,
    detrends: tuple[str, ...] = DETRENDS,
    max_pairs: int = 10_000,
    n_null: int = 999,
    n_shifts: int = 39,
    factors: tuple[float, ...] = (0.5, 1.0, 2.0),
    alpha: float = 0.05,
    seed: int = 0,
) -> dict:
    """Every control, for each detrending in ``detrends``: summary, cross-pair and surrogate nulls, the
    sign-flip test against zero, window significance and sensitivity; all on ``windows`` (after their
    burn-in). One seed drives all the random draws."""
    windows = as_windows(windows)
    arrays = as_runs(activity_a, activity_b, emotion_a, emotion_b, windows=windows)
    n_runs, n_steps = arrays[0].shape
    by_detrend = {}
    for detrend in detrends:
        summary = twin_summary(*arrays, windows, detrend=detrend, seed=seed)
        by_detrend[detrend] = {
            "summary": summary,
            "zero": {q: sign_flip_zero(summary[q]["per_run"]["corr"], seed=seed) for q in ("activity", "emotion")},
            "cross_pair": cross_pair_null(
                *arrays, windows, detrend=detrend, max_pairs=max_pairs, n_null=n_null, seed=seed
            ),
            "surrogate": surrogate_null(*arrays, windows, detrend=detrend, n_shifts=n_shifts, seed=seed),
            "significance": {
                "activity": window_significance(arrays[0], arrays[1], windows, detrend=detrend, alpha=alpha),
                "emotion": window_significance(arrays[2], arrays[3], windows, detrend=detrend, alpha=alpha),
            },
            "sensitivity": sensitivity(*arrays, windows, detrend=detrend, factors=factors),
        }
    return {
        "windows": windows.spec,
        "burn_in": windows.burn_in,
        "n_runs": int(n_runs),
        "n_steps": int(n_steps),
        "seed": int(seed),
        "detrend": by_detrend,
    }


def control_rows(controls: dict) -> list[dict]:
    """One row per (detrending, null, twin statistic) of a ``run_controls`` result, ready for a table.

    Columns: detrend, control ("cross_pair" or "surrogate"), statistic, quantity, twin, null_mean,
    null_sd, difference, p_value, effect_size, n_null.
    """
    rows = []
    for detrend, result in controls["detrend"].items():
        for control in ("cross_pair", "surrogate"):
            for key, (statistic, quantity) in STATISTICS.items():
                c = result[control]["statistics"][key]
                rows.append(
                    {
                        "detrend": detrend,
                        "control": control,
                        "statistic": statistic,
                        "quantity": quantity,
                        **{
                            k: c[k]
                            for k in ("twin", "null_mean", "null_sd", "difference", "p_value", "effect_size", "n_null")
                        },
                    }
                )
    return rows
