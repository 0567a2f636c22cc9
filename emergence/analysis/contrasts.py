"""Contrasts of two samples of per-run correlations, on their Fisher z (pure numpy/scipy): the tests a
comparison, the null controls and the within-run analysis make.

A condition is a sweep; its runs give one A_corr_run and one E_corr_run each. Conditions grown from the
same sweep seed share their run seeds, so they are compared run by run (paired); otherwise as
independent samples. Every p-value is two-sided; ``holm`` adjusts a family of them.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from .statistics import MIN_BOOTSTRAP_RUNS

__all__ = ["fisher_z", "mean_difference", "spread_difference", "correlation_difference", "trend", "holm", "IDENTICAL"]

IDENTICAL = 1e-12  # per-run values closer than this in every run: the same series, nothing to test
_CLIP = 1 - 1e-9  # |r| of 1 has an infinite z


def fisher_z(r) -> np.ndarray:
    """atanh(r), with |r| = 1 clipped so that z stays finite."""
    return np.arctanh(np.clip(np.asarray(r, dtype=np.float64), -_CLIP, _CLIP))


def _nan_result(n: int, reason: str) -> dict:
    nan = float("nan")
    return {"difference": nan, "ci_low": nan, "ci_high": nan, "p_value": nan, "n": n, "reason": reason}


def _mean_diff(x, y, axis=-1):
    return np.mean(y, axis=axis) - np.mean(x, axis=axis)


def mean_difference(x, y, *, paired: bool, n_resamples: int = 9999, seed: int = 0) -> dict:
    """mean(y) - mean(x) of two samples (Fisher z), with a permutation p-value and, from
    ``MIN_BOOTSTRAP_RUNS`` (12) runs a side, a 95% bootstrap CI (NaN below).

    Paired (``x[i]`` and ``y[i]`` from the same run seeds): the sign-flip test of the per-run
    differences, exact up to 2^13 runs' sign patterns, and a BCa bootstrap of their mean; a run
    undefined on either side is dropped. Unpaired: the two-sample permutation test and bootstrap.
    ``reason`` says why a result is NaN (too few runs; identical samples).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    if paired:
        ok = np.isfinite(x) & np.isfinite(y)
        d = y[ok] - x[ok]
        if d.size < 2:
            return _nan_result(int(d.size), "fewer than 2 paired runs")
        if np.all(np.abs(d) < IDENTICAL):
            return {**_nan_result(int(d.size), "identical in every run"), "difference": 0.0}
        data, kind, statistic = (d,), "samples", lambda d, axis=-1: np.mean(d, axis=axis)
    else:
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        if min(x.size, y.size) < 2:
            return _nan_result(int(min(x.size, y.size)), "fewer than 2 runs on a side")
        data, kind, statistic = (x, y), "independent", _mean_diff
    test = stats.permutation_test(
        data, statistic, permutation_type=kind, vectorized=True, n_resamples=n_resamples, rng=rng
    )
    runs = int(min(a.size for a in data))
    if runs < MIN_BOOTSTRAP_RUNS:  # an interval at so few runs excludes 0 beside p = 0.1: none is given
        return {
            "difference": float(test.statistic),
            "ci_low": float("nan"),
            "ci_high": float("nan"),
            "p_value": float(test.pvalue),
            "n": int(data[0].size),
            "reason": None,
        }
    with warnings.catch_warnings():  # a degenerate resample leaves the BCa interval NaN: said as NaN
        warnings.simplefilter("ignore")
        ci = stats.bootstrap(
            data, statistic, vectorized=True, n_resamples=n_resamples, rng=rng, paired=False
        ).confidence_interval
    return {
        "difference": float(test.statistic),
        "ci_low": float(ci.low),
        "ci_high": float(ci.high),
        "p_value": float(test.pvalue),
        "n": int(data[0].size),
        "reason": None,
    }


def spread_difference(x, y) -> dict:
    """Brown-Forsythe test (Levene about the median) of equal spread of two samples; NaN runs dropped."""
    x, y = (np.asarray(v, dtype=np.float64) for v in (x, y))
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    out = {
        "sd_x": float(np.std(x, ddof=1)) if x.size > 1 else float("nan"),
        "sd_y": float(np.std(y, ddof=1)) if y.size > 1 else float("nan"),
        "statistic": float("nan"),
        "p_value": float("nan"),
        "n": int(min(x.size, y.size)),
        "reason": None,
    }
    if min(x.size, y.size) < 3:
        out["reason"] = "fewer than 3 runs on a side"
    elif x.size == y.size and np.all(np.abs(np.sort(x) - np.sort(y)) < IDENTICAL):
        out["reason"] = "identical in every run"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = stats.levene(x, y, center="median")
        out["statistic"], out["p_value"] = float(result.statistic), float(result.pvalue)
    return out


def correlation_difference(r_x: float, n_x: int, r_y: float, n_y: int) -> dict:
    """Two Pearson r's compared through Fisher z: z = (atanh r_y - atanh r_x) / sqrt(1/(n_x-3) + 1/(n_y-3)).

    The test for independent samples; for paired conditions it ignores their dependence, so it is
    conservative when the two correlations co-vary positively."""
    out = {"difference": float(r_y - r_x), "statistic": float("nan"), "p_value": float("nan"), "reason": None}
    if min(n_x, n_y) < 4 or not (np.isfinite(r_x) and np.isfinite(r_y)):
        out["reason"] = "needs a defined r over at least 4 runs on each side"
        return out
    z = (fisher_z(r_y) - fisher_z(r_x)) / np.sqrt(1 / (n_x - 3) + 1 / (n_y - 3))
    out["statistic"], out["p_value"] = float(z), float(2 * stats.norm.sf(abs(z)))
    return out


def trend(positions, values) -> dict:
    """Spearman's rho of ``values`` against their level's position on an ordered axis (every run of
    every level, NaN runs dropped), with scipy's p-value."""
    x, v = np.asarray(positions, dtype=np.float64), np.asarray(values, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(v)
    out = {"rho": float("nan"), "p_value": float("nan"), "n": int(ok.sum()), "reason": None}
    if ok.sum() < 4 or np.ptp(x[ok]) == 0 or np.ptp(v[ok]) == 0:
        out["reason"] = "needs 4 runs over at least 2 levels, not constant"
        return out
    result = stats.spearmanr(x[ok], v[ok])
    out["rho"], out["p_value"] = float(result.statistic), float(result.pvalue)
    return out


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values; NaN entries stay NaN and are not counted."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        out[i] = running
    return out
