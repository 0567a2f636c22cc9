"""The twin statistics of MODEL.md section 7, as pure numpy/scipy functions.

Inputs are arrays of shape (R, T): R runs, T steps, twin A and twin B on a common step axis; ``window`` is
the number of steps per window (the checkpoint interval). Windows are consecutive blocks of ``window``
steps from the first step; a last partial window is kept only if it has at least ``MIN_POINTS`` (3)
points, otherwise dropped. A window where either series is constant (up to rounding: spread below 1e-12
of its magnitude) or holds a NaN has no Pearson r: it is NaN, counted and reported, never 0. Every SD is the sample SD
(ddof=1). Summaries are JSON-ready: plain floats, ints, lists and dicts; NaN where undefined.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

__all__ = [
    "MIN_POINTS",
    "as_runs",
    "n_windows",
    "window_lengths",
    "unit_windows",
    "window_correlations",
    "nanmean",
    "run_correlations",
    "describe",
    "coupling",
    "quantity_summary",
    "twin_summary",
]

MIN_POINTS = 3  # fewest points a window needs to be kept (a Pearson r of 2 points is always +-1)
_RTOL = 1e-12  # a window whose spread is below this fraction of its magnitude counts as constant


def as_runs(*series, window: int) -> list[np.ndarray]:
    """Check and convert the (R, T) series of a sweep: float64, 2-D (a 1-D series is one run), one shape."""
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < MIN_POINTS:
        raise ValueError(f"window must be an integer >= {MIN_POINTS}, got {window!r}")
    arrays = [np.atleast_2d(np.asarray(s, dtype=np.float64)) for s in series]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1 or arrays[0].ndim != 2:
        raise ValueError(f"series must be (runs, steps) arrays of one shape, got {sorted(shapes)}")
    return arrays


def n_windows(n_steps: int, window: int) -> int:
    """Number of windows in ``n_steps``: the full ones, plus the partial last one if it has >= 3 points."""
    full, tail = divmod(n_steps, window)
    return full + int(tail >= MIN_POINTS)


def window_lengths(n_steps: int, window: int) -> np.ndarray:
    """Points in each window, shape (W,): ``window`` for the full ones, fewer for a kept partial one."""
    lengths = np.full(n_windows(n_steps, window), window)
    if n_steps % window >= MIN_POINTS:
        lengths[-1] = n_steps % window
    return lengths


def _unit(blocks: np.ndarray) -> np.ndarray:
    high, low = blocks.max(axis=-1, keepdims=True), blocks.min(axis=-1, keepdims=True)
    constant = high - low <= _RTOL * np.maximum(np.abs(high), np.abs(low))
    centred = blocks - blocks.mean(axis=-1, keepdims=True)
    norm = np.sqrt(np.einsum("...i,...i->...", centred, centred))[..., None]
    constant |= norm == 0
    centred /= np.where(constant, 1.0, norm)
    centred[constant[..., 0]] = np.nan
    return centred


def unit_windows(x, window: int) -> np.ndarray:
    """Cut the last axis into windows, each centred and scaled to unit norm: shape (..., W, window).

    The dot product of two such windows is their Pearson r. A kept partial last window is zero-padded
    (the padding adds nothing to dot products); a constant window, or one holding a NaN, is all NaN.
    """
    x = np.asarray(x, dtype=np.float64)
    n_steps = x.shape[-1]
    full, tail = divmod(n_steps, window)
    out = _unit(x[..., : full * window].reshape(*x.shape[:-1], full, window))
    if tail >= MIN_POINTS:
        last = np.zeros((*x.shape[:-1], 1, window))
        last[..., 0, :tail] = _unit(x[..., full * window :])
        out = np.concatenate([out, last], axis=-2)
    return out


def window_correlations(x, y, window: int) -> np.ndarray:
    """Pearson r of ``x`` and ``y`` in each window, shape (..., W) for inputs (..., T).

    Windows are consecutive blocks of ``window`` steps; a last partial window is kept only if it has at
    least 3 points. A window where either series is constant or holds a NaN gives NaN, never 0.
    """
    r = np.einsum("...i,...i->...", unit_windows(x, window), unit_windows(y, window))
    return np.clip(r, -1.0, 1.0)


def nanmean(x: np.ndarray, axis=-1) -> np.ndarray:
    """Mean ignoring NaN along ``axis``; NaN (and no warning) where nothing is left."""
    ok = np.isfinite(x)
    count = ok.sum(axis=axis)
    total = np.where(ok, x, 0.0).sum(axis=axis)
    return np.divide(total, count, out=np.full(np.shape(total), np.nan), where=count > 0)


def run_correlations(window_r: np.ndarray) -> np.ndarray:
    """Run-level coupling: the mean of each run's window r's, ignoring NaN windows; NaN if all are NaN."""
    return nanmean(np.asarray(window_r, dtype=np.float64), axis=-1)


def describe(values) -> dict:
    """Mean, sample SD (ddof=1), min, max and count of the finite values; NaN where too few."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    n = v.size
    return {
        "mean": float(v.mean()) if n else float("nan"),
        "sd": float(v.std(ddof=1)) if n > 1 else float("nan"),
        "min": float(v.min()) if n else float("nan"),
        "max": float(v.max()) if n else float("nan"),
        "n": int(n),
    }


def _pearson(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Pearson r along ``axis`` (vectorised, for the bootstrap); NaN where either side is constant."""
    xc = x - x.mean(axis=axis, keepdims=True)
    yc = y - y.mean(axis=axis, keepdims=True)
    num = (xc * yc).sum(axis=axis)
    den = np.sqrt((xc * xc).sum(axis=axis) * (yc * yc).sum(axis=axis))
    r = np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)
    return np.clip(r, -1.0, 1.0)


def coupling(a_run, e_run, *, confidence: float = 0.95, n_resamples: int = 9999, seed: int = 0) -> dict:
    """corr(A_corr_run, E_corr_run) over runs where both are defined.

    Pearson r with scipy's p-value, and a BCa bootstrap CI resampling runs in pairs (seeded). Fewer than
    3 runs, or a constant side, give NaN and a ``reason``; ``reason`` is None otherwise.
    """
    a, e = np.asarray(a_run, dtype=np.float64), np.asarray(e_run, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(e)
    a, e = a[ok], e[ok]
    nan = float("nan")
    out = {"r": nan, "p_value": nan, "ci_low": nan, "ci_high": nan, "confidence": float(confidence),
           "n_runs": int(a.size), "method": "pearsonr; BCa bootstrap over runs (paired)", "reason": None}
    if a.size < 3:
        out["reason"] = f"needs at least 3 runs with both run-level correlations, got {a.size}"
        return out
    if np.ptp(a) == 0 or np.ptp(e) == 0:
        out["reason"] = "A_corr_run or E_corr_run is constant across runs"
        return out
    result = stats.pearsonr(a, e)
    out["r"], out["p_value"] = float(result.statistic), float(result.pvalue)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = stats.bootstrap((a, e), _pearson, paired=True, vectorized=True, n_resamples=n_resamples,
                             confidence_level=confidence, rng=np.random.default_rng(seed)).confidence_interval
    out["ci_low"], out["ci_high"] = float(ci.low), float(ci.high)
    if not (np.isfinite(ci.low) and np.isfinite(ci.high)):
        out["reason"] = "bootstrap interval undefined (degenerate resamples)"
    return out


def quantity_summary(a, b, window: int) -> dict:
    """The section-7 statistics of one quantity (activity or emotion) for twins ``a`` and ``b`` (R, T).

    ``across_steps``: all window r's of all runs pooled (constant windows excluded and counted);
    ``per_run``: each run's mean window r and its count of NaN windows; ``across_runs``: the run-level
    values described (runs with no defined window excluded and counted).
    """
    a, b = as_runs(a, b, window=window)
    r = window_correlations(a, b, window)
    run = run_correlations(r)
    constant = ~np.isfinite(r)
    return {
        "across_steps": {**describe(r), "n_windows": int(r.size), "n_constant": int(constant.sum())},
        "per_run": {"corr": run.tolist(), "n_constant_windows": constant.sum(axis=-1).tolist()},
        "across_runs": {**describe(run), "n_runs": int(run.size), "n_undefined": int((~np.isfinite(run)).sum())},
    }


def twin_summary(activity_a, activity_b, emotion_a, emotion_b, window: int, *,
                 confidence: float = 0.95, n_resamples: int = 9999, seed: int = 0) -> dict:
    """All of section 7 for a sweep: each quantity's summary and corr(A_corr_run, E_corr_run)."""
    arrays = as_runs(activity_a, activity_b, emotion_a, emotion_b, window=window)
    n_runs, n_steps = arrays[0].shape
    activity = quantity_summary(arrays[0], arrays[1], window)
    emotion = quantity_summary(arrays[2], arrays[3], window)
    return {
        "window": int(window),
        "n_runs": int(n_runs),
        "n_steps": int(n_steps),
        "n_windows_per_run": n_windows(n_steps, window),
        "sd_ddof": 1,
        "activity": activity,
        "emotion": emotion,
        "corr_activity_emotion": coupling(activity["per_run"]["corr"], emotion["per_run"]["corr"],
                                          confidence=confidence, n_resamples=n_resamples, seed=seed),
    }
