"""The twin statistics of MODEL.md section 7, as pure numpy/scipy functions.

Inputs are arrays of shape (R, T): R runs, T steps, twin A and twin B on a common step axis; ``windows``
says where the window r's are taken (``emergence.analysis.windows``: the write-up's trail windows or
contiguous blocks, after a burn-in; a plain integer means contiguous blocks of that many steps from step
0). A window where either series is constant (up to rounding: spread below 1e-12 of its magnitude) or
holds a NaN has no Pearson r: it is NaN, counted and reported, never 0. Every SD is the sample SD
(ddof=1). Summaries are JSON-ready: plain floats, ints, lists and dicts; NaN where undefined.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from .windows import MIN_POINTS, Windows, segments, unit_segments

__all__ = [
    "MIN_POINTS",
    "MIN_BOOTSTRAP_RUNS",
    "as_windows",
    "as_runs",
    "unit_windows",
    "window_dot",
    "window_correlations",
    "nanmean",
    "run_correlations",
    "describe",
    "dispersion",
    "coupling",
    "quantity_summary",
    "twin_summary",
]

MIN_BOOTSTRAP_RUNS = 12  # fewer runs: no bootstrap interval (too few for its coverage to hold)


def as_windows(windows: Windows | int) -> Windows:
    """``windows`` as Windows: an integer is contiguous blocks of that many steps, no burn-in."""
    return windows if isinstance(windows, Windows) else Windows.blocks(windows)


def as_runs(*series, windows: Windows | int) -> list[np.ndarray]:
    """Check and convert the (R, T) series of a sweep: float64, 2-D (a 1-D series is one run), one shape
    with at least one window."""
    windows = as_windows(windows)
    arrays = [np.atleast_2d(np.asarray(s, dtype=np.float64)) for s in series]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1 or arrays[0].ndim != 2:
        raise ValueError(f"series must be (runs, steps) arrays of one shape, got {sorted(shapes)}")
    if windows.count(arrays[0].shape[1]) == 0:
        raise ValueError(f"no window fits in {arrays[0].shape[1]} steps ({windows.spec}, burn-in {windows.burn_in})")
    return arrays


def unit_windows(x, windows: Windows | int, detrend: str = "none") -> np.ndarray:
    """The windows of ``x`` (..., T), detrended, each centred and scaled to unit norm: (..., W, L).

    The dot product of two such windows is their Pearson r; a shorter window is zero-padded (the padding
    adds nothing to dot products); a constant window, or one holding a NaN, is all NaN.
    """
    return unit_segments(*segments(x, as_windows(windows), detrend))


def window_dot(zx: np.ndarray, zy: np.ndarray) -> np.ndarray:
    """The window r's of two series given by their unit windows (``unit_windows``): (..., W)."""
    return np.clip(np.einsum("...i,...i->...", zx, zy), -1.0, 1.0)


def window_correlations(x, y, windows: Windows | int, detrend: str = "none") -> np.ndarray:
    """Pearson r of ``x`` and ``y`` in each window, shape (..., W) for inputs (..., T); NaN where either
    series is constant or holds a NaN, never 0."""
    return window_dot(unit_windows(x, windows, detrend), unit_windows(y, windows, detrend))


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


def dispersion(window_r: np.ndarray) -> dict:
    """The write-up's four dispersion figures of one quantity from its window r's (R, W).

    ``window_sd``: SD of all window r's pooled; ``run_sd``: SD of the run means; ``sampling_sd``: the SD a
    run mean has from its windows' scatter alone, sqrt(mean over runs of (window variance / windows));
    ``between_run_sd``: the run SD with that removed, sqrt(max(0, run_sd^2 - sampling_sd^2)): how much the
    runs' true couplings differ; ``range``: the smallest and largest run mean.
    """
    r = np.atleast_2d(np.asarray(window_r, dtype=np.float64))
    runs = describe(run_correlations(r))
    noise = []
    for row in r:
        row = row[np.isfinite(row)]
        if row.size > 1:
            noise.append(row.var(ddof=1) / row.size)
    sampling = float(np.sqrt(np.mean(noise))) if noise else float("nan")
    between = (
        float(np.sqrt(max(0.0, runs["sd"] ** 2 - sampling**2))) if np.isfinite(runs["sd"] + sampling) else float("nan")
    )
    return {
        "window_sd": describe(r)["sd"],
        "run_sd": runs["sd"],
        "sampling_sd": sampling,
        "between_run_sd": between,
        "range": [runs["min"], runs["max"]],
    }


def coupling(a_run, e_run, *, confidence: float = 0.95, n_resamples: int = 9999, seed: int = 0) -> dict:
    """corr(A_corr_run, E_corr_run) over runs where both are defined.

    Pearson r with scipy's p-value, and, from ``MIN_BOOTSTRAP_RUNS`` runs on, a BCa bootstrap CI
    resampling runs in pairs (seeded). Fewer than 3 runs, or a constant side, leave r NaN with a
    ``reason``; ``ci_reason`` says why an interval is missing (None when there is one).
    """
    a, e = np.asarray(a_run, dtype=np.float64), np.asarray(e_run, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(e)
    a, e = a[ok], e[ok]
    nan = float("nan")
    out = {
        "r": nan,
        "p_value": nan,
        "ci_low": nan,
        "ci_high": nan,
        "confidence": float(confidence),
        "n_runs": int(a.size),
        "method": "pearsonr; BCa bootstrap over runs (paired)",
        "reason": None,
        "ci_reason": None,
    }
    if a.size < 3:
        out["reason"] = out["ci_reason"] = f"needs at least 3 runs with both run-level correlations, got {a.size}"
        return out
    if np.ptp(a) == 0 or np.ptp(e) == 0:
        out["reason"] = out["ci_reason"] = "A_corr_run or E_corr_run is constant across runs"
        return out
    result = stats.pearsonr(a, e)
    out["r"], out["p_value"] = float(result.statistic), float(result.pvalue)
    if a.size < MIN_BOOTSTRAP_RUNS:
        out["ci_reason"] = (
            f"no bootstrap interval below {MIN_BOOTSTRAP_RUNS} runs (got {a.size}): it would be too narrow"
        )
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = stats.bootstrap(
            (a, e),
            _pearson,
            paired=True,
            vectorized=True,
            n_resamples=n_resamples,
            confidence_level=confidence,
            rng=np.random.default_rng(seed),
        ).confidence_interval
    out["ci_low"], out["ci_high"] = float(ci.low), float(ci.high)
    if not (np.isfinite(ci.low) and np.isfinite(ci.high)):
        out["ci_reason"] = "bootstrap interval undefined (degenerate resamples)"
    return out


def quantity_summary(a, b, windows: Windows | int, detrend: str = "none") -> dict:
    """The section-7 statistics of one quantity (activity or emotion) for twins ``a`` and ``b`` (R, T).

    ``across_steps``: all window r's of all runs pooled (constant windows excluded and counted);
    ``per_run``: each run's mean window r and its count of NaN windows; ``across_runs``: the run-level
    values described (runs with no defined window excluded and counted); ``dispersion``: the write-up's
    four dispersion figures (``dispersion``). ``detrend`` ("none", "diff", "linear") applies within each window.
    """
    a, b = as_runs(a, b, windows=windows)
    r = window_correlations(a, b, windows, detrend)
    run = run_correlations(r)
    constant = ~np.isfinite(r)
    return {
        "across_steps": {**describe(r), "n_windows": int(r.size), "n_constant": int(constant.sum())},
        "per_run": {"corr": run.tolist(), "n_constant_windows": constant.sum(axis=-1).tolist()},
        "across_runs": {**describe(run), "n_runs": int(run.size), "n_undefined": int((~np.isfinite(run)).sum())},
        "dispersion": dispersion(r),
    }


def twin_summary(
    activity_a,
    activity_b,
    emotion_a,
    emotion_b,
    windows: Windows | int,
    *,
    detrend: str = "none",
    confidence: float = 0.95,
    n_resamples: int = 9999,
    seed: int = 0,
) -> dict:
    """All of section 7 for a sweep: each quantity's summary and corr(A_corr_run, E_corr_run)."""
    windows = as_windows(windows)
    arrays = as_runs(activity_a, activity_b, emotion_a, emotion_b, windows=windows)
    n_runs, n_steps = arrays[0].shape
    activity = quantity_summary(arrays[0], arrays[1], windows, detrend)
    emotion = quantity_summary(arrays[2], arrays[3], windows, detrend)
    return {
        "windows": windows.spec,
        "burn_in": windows.burn_in,
        "n_runs": int(n_runs),
        "n_steps": int(n_steps),
        "n_windows_per_run": windows.count(n_steps),
        "sd_ddof": 1,
        "activity": activity,
        "emotion": emotion,
        "corr_activity_emotion": coupling(
            activity["per_run"]["corr"],
            emotion["per_run"]["corr"],
            confidence=confidence,
            n_resamples=n_resamples,
            seed=seed,
        ),
    }
