"""A run against itself: its couplings before and after one of its steps (reward onset), paired by run.

A step K splits a run's windows into those that end by K and those that start at K or later (a window
that straddles K is in neither). Each side's coupling is the mean of its window r's, as a run's is, and
the change (after - before) is tested on their Fisher z, paired by run: the sign-flip permutation test
and BCa interval of ``compare.mean_difference``, and Wilcoxon's signed-rank test. A run changes even when
nothing happens at K (it develops, it learns): a reference condition grown from the same seeds and split
at the same K gives that drift, and the difference of the two changes, paired by run, is what K did.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .contrasts import IDENTICAL, fisher_z, mean_difference
from .statistics import run_correlations, window_correlations
from .summary import SweepInfo
from .verdicts import p_text
from .windows import Windows, parse_windows

__all__ = [
    "QUANTITIES",
    "twin_series",
    "sweep_windows_of",
    "split_runs",
    "paired",
    "change",
    "split_sweep",
    "split_lines",
]

QUANTITIES = ("activity", "emotion")  # step columns; emotion is the write-up's (the `mean` metric)


def twin_series(steps, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(A, B), each (runs, steps), of one column of a sweep's per-step table (a pandas DataFrame)."""
    table = steps.pivot_table(index=["twin", "run"], columns="step", values=column).sort_index()
    return table.loc["A"].to_numpy(np.float64), table.loc["B"].to_numpy(np.float64)


def sweep_windows_of(sweep: SweepInfo) -> Windows:
    """The windows a sweep's statistics were taken on (its summary's ``sweep``)."""
    return parse_windows(sweep.windows, sweep.window, sweep.burn_in)


def split_runs(a: np.ndarray, b: np.ndarray, windows: Windows, at: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(before, after, windows before, windows after): each run's mean window r of ``a`` and ``b`` (R, T)
    on the windows that end by step ``at`` and on those that start there or later."""
    r = window_correlations(a, b, windows)
    starts, stops = windows.bounds(a.shape[-1])
    before, after = stops <= at, starts >= at
    return run_correlations(r[..., before]), run_correlations(r[..., after]), int(before.sum()), int(after.sum())


def paired(x: np.ndarray, y: np.ndarray, seed: int = 0) -> dict:
    """y - x paired by run: ``mean_difference``'s mean, 95% CI, sign-flip p and n, and Wilcoxon's p."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    d = (y - x)[np.isfinite(x) & np.isfinite(y)]
    moved = d[np.abs(d) >= IDENTICAL]
    wilcoxon = float(stats.wilcoxon(moved).pvalue) if moved.size >= 2 else float("nan")
    return {**mean_difference(x, y, paired=True, seed=seed), "p_wilcoxon": wilcoxon}


def change(before: np.ndarray, after: np.ndarray, seed: int = 0) -> dict:
    """The mean r on each side, and after - before in Fisher z paired by run (``paired``; ``per_run``)."""
    zb, za = fisher_z(before), fisher_z(after)
    return {
        "before": float(np.nanmean(before)),
        "after": float(np.nanmean(after)),
        **paired(zb, za, seed),
        "per_run": (za - zb).tolist(),
    }


def split_sweep(steps, sweep: SweepInfo, at: int, seed: int = 0) -> dict:
    """Per quantity, the change of a sweep's couplings across step ``at`` (``change``), with the windows
    on each side."""
    windows, out = sweep_windows_of(sweep), {}
    for quantity in QUANTITIES:
        before, after, n_before, n_after = split_runs(*twin_series(steps, quantity), windows, at)
        out[quantity] = {**change(before, after, seed), "windows_before": n_before, "windows_after": n_after}
    return out


def _effect(c: dict) -> str:
    ci = f" [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}]" if np.isfinite(c["ci_low"]) else ""
    why = f" ({c['reason']})" if c.get("reason") else ""
    return (
        f"{c['difference']:+.3f} in z{ci}, p = {p_text(c['p_value'])} sign-flip, "
        f"{p_text(c['p_wilcoxon'])} Wilcoxon (unadjusted), {c['n']} runs{why}"
    )


def split_lines(
    label: str, field: str, at: int, split: dict, reference: tuple[str, dict] | None = None, seed: int = 0
) -> list[str]:
    """The verdict lines of one condition split at ``at`` (``split_sweep``), and against ``reference``
    (its label and its own split at the same step) when given: the difference of the two changes."""
    lines = []
    for quantity, c in split.items():
        q = "A_corr" if quantity == "activity" else "E_corr"
        line = (
            f"{label}, within runs, before vs after {field} = {at:,} ({c['windows_before']} windows before, "
            f"{c['windows_after']} after): {q} {c['before']:+.3f} -> {c['after']:+.3f}, change {_effect(c)}"
        )
        if reference is not None:
            ref_label, ref = reference[0], reference[1][quantity]
            d = paired(ref["per_run"], c["per_run"], seed)
            line += (
                f"; against {ref_label} over the same split (change {ref['difference']:+.3f}), the difference "
                f"of the changes is {_effect(d)}"
            )
        lines.append(line)
    return lines
