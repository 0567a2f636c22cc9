"""Power before growing: what a study of n paired runs can detect once Holm has adjusted its family.

The mean tests of a study are exact sign-flip tests of per-run differences (``compare.mean_difference``),
so with n runs no p can be smaller than 2 / 2^n, and after Holm over m tests no adjusted p can be smaller
than m times that: the *Holm floor*. Below alpha it leaves room for a result; the *detectable effect* is
then the standardised paired effect dz (mean of the per-run differences of Fisher z over their SD) that
the strictest Holm step (alpha / m) finds with the stated power, by the normal approximation
dz = (z(1 - alpha / 2m) + z(power)) / sqrt(n). Equivalence (TOST) says the converse: no change larger
than a margin.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = ["smallest_p", "holm_floor", "detectable_dz", "runs_needed", "tost", "N_RESAMPLES"]

N_RESAMPLES = 9999  # the permutation tests' resamples: exact below 2^13 runs' sign patterns
_Z = NormalDist()


def smallest_p(n_runs: int, n_resamples: int = N_RESAMPLES) -> float:
    """The smallest two-sided p of the paired sign-flip test with ``n_runs`` runs: 2 / 2^n when every sign
    pattern is enumerated, else 2 / (resamples + 1)."""
    return min(1.0, max(2.0 / 2.0**n_runs, 2.0 / (n_resamples + 1)))


def holm_floor(n_runs: int, n_tests: int) -> float:
    """The smallest Holm-adjusted p any of ``n_tests`` paired mean tests can reach with ``n_runs`` runs."""
    return min(1.0, n_tests * smallest_p(n_runs))


def detectable_dz(n_runs: int, n_tests: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """The paired effect dz found with ``power`` at Holm's strictest step; infinite when the Holm floor
    is not below ``alpha`` (no effect, however large, can be detected)."""
    if holm_floor(n_runs, n_tests) >= alpha:
        return math.inf
    return (_Z.inv_cdf(1 - alpha / (2 * n_tests)) + _Z.inv_cdf(power)) / math.sqrt(n_runs)


def runs_needed(dz: float, n_tests: int, alpha: float = 0.05, power: float = 0.8, limit: int = 100_000) -> int:
    """The fewest runs whose detectable effect is at most ``dz`` (``limit`` + 1 when even that is not enough)."""
    if dz <= 0:
        raise ValueError(f"the effect to detect must be positive, got {dz}")
    n = max(2, math.ceil(((_Z.inv_cdf(1 - alpha / (2 * n_tests)) + _Z.inv_cdf(power)) / dz) ** 2))
    while n <= limit and detectable_dz(n, n_tests, alpha, power) > dz:
        n += 1
    return n


def tost(x, y, margin: float, *, n_resamples: int = N_RESAMPLES, seed: int = 0) -> dict:
    """Paired equivalence of y and x (Fisher z per run) within +-``margin``: two one-sided sign-flip tests
    (the mean difference is above -margin; it is below +margin); p is the larger of the two. A small p
    says "no change larger than the margin"."""
    from scipy import stats

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    d = y[ok] - x[ok]
    out = {
        "difference": float(np.mean(d)) if d.size else float("nan"),
        "margin": float(margin),
        "p_value": float("nan"),
        "n": int(d.size),
        "reason": None,
    }
    if d.size < 2:
        out["reason"] = "fewer than 2 paired runs"
        return out
    rng = np.random.default_rng(seed)

    def one_sided(shifted, alternative):
        return stats.permutation_test(
            (shifted,),
            lambda s, axis=-1: np.mean(s, axis=axis),
            vectorized=True,
            permutation_type="samples",
            alternative=alternative,
            n_resamples=n_resamples,
            rng=rng,
        ).pvalue

    out["p_value"] = float(max(one_sided(d + margin, "greater"), one_sided(d - margin, "less")))
    return out
