"""Regime diagnostics per window: is the cortex saturated, the emotion field frozen, are the twins clones?

The windows are the contiguous blocks of the checkpoint interval after the burn-in: the start-up, when
every field rises from zero and any two agents correlate near 1, is not read as "clones".

The twin statistics mean something only in the regime the write-up describes: an unsaturated cortex, an
emotion field that keeps moving, twins that diverge. These diagnostics, read from the per-step records,
say per run and window where a sweep is, so the report can say in words when its numbers describe
another regime (docs/regime.md).
"""

from __future__ import annotations

import numpy as np

from . import statistics
from .windows import Windows, segments

__all__ = ["SATURATED_ABS", "FROZEN_SD", "CLONE_R", "COLUMNS", "window_diagnostics", "regime_summary", "regime_lines"]

SATURATED_ABS = 0.8  # a window whose mean |a_main| is above this fraction of its bound: cortex saturated
FROZEN_SD = 1e-3  # a window whose emotion scalar varies less than this (SD, either twin): emotion frozen
CLONE_R = 0.99  # a window whose twin activity r is above this: the twins are (near) clones
COLUMNS = ("main_abs", "main_saturated")  # the per-step records these diagnostics need beyond the basics


def window_diagnostics(series: dict[str, dict[str, np.ndarray]], windows: Windows | int) -> dict[str, np.ndarray]:
    """Per run and window (R, W): mean |a_main| and the fraction of saturated neurons (both twins), the
    smaller of the twins' SD of the emotion scalar, the awake fraction (both twins), and the twins'
    activity r. ``series[column][twin]`` is an (R, T) array of the per-step records; the windows are
    contiguous (``windows``' blocks, after its burn-in)."""
    windows = statistics.as_windows(windows)

    def mean(column: str, twin: str) -> np.ndarray:
        values, mask = segments(series[column][twin], windows)
        return values.sum(axis=-1) / mask.sum(axis=-1)

    def sd(twin: str) -> np.ndarray:
        values, mask = segments(series["emotion"][twin], windows)
        n = mask.sum(axis=-1)
        centred = np.where(mask, values - (values.sum(axis=-1) / n)[..., None], 0.0)
        return np.sqrt((centred**2).sum(axis=-1) / np.maximum(n - 1, 1))

    both = lambda column: (mean(column, "A") + mean(column, "B")) / 2  # noqa: E731
    return {
        "main_abs": both("main_abs"),
        "main_saturated": both("main_saturated"),
        "emotion_sd": np.minimum(sd("A"), sd("B")),
        "awake": both("awake"),
        "activity_r": statistics.window_correlations(series["activity"]["A"], series["activity"]["B"], windows),
    }


def regime_summary(series: dict[str, dict[str, np.ndarray]], windows: Windows | int, bounded: bool) -> dict:
    """JSON-ready: the thresholds, the windows' bounds, each diagnostic per run and window and its mean over
    runs per window, and the windows counted as saturated (only where the cortex is bounded), frozen and clones."""
    windows = statistics.as_windows(windows)
    d = window_diagnostics(series, windows)
    n = int(d["emotion_sd"].size)
    starts, stops = windows.bounds(series["activity"]["A"].shape[-1])
    with np.errstate(invalid="ignore"):
        counts = {
            "saturated": int((d["main_abs"] > SATURATED_ABS).sum()) if bounded else None,
            "frozen": int((d["emotion_sd"] < FROZEN_SD).sum()),
            "clones": int((d["activity_r"] > CLONE_R).sum()),
        }
    return {
        "thresholds": {"saturated_abs": SATURATED_ABS, "frozen_sd": FROZEN_SD, "clone_r": CLONE_R},
        "bounded": bounded,
        "burn_in": windows.burn_in,
        "bounds": [[int(a), int(b)] for a, b in zip(starts, stops)],
        "n_windows": n,
        "counts": counts,
        "per_window": {name: np.nanmean(values, axis=0).tolist() if values.size else [] for name, values in d.items()},
        "per_run": {name: values.tolist() for name, values in d.items()},
    }


def regime_lines(regime: dict) -> list[str]:
    """The diagnostics in words: one line per regime the statistics may describe instead of the write-up's."""
    n, counts, t = regime["n_windows"], regime["counts"], regime["thresholds"]
    lines = []
    if counts["saturated"]:
        lines.append(
            f"cortex saturated in {counts['saturated']} of {n} windows (mean |a| above "
            f"{t['saturated_abs']:g} of its bound): the statistics describe a saturated regime"
        )
    if counts["frozen"]:
        lines.append(
            f"emotion field frozen in {counts['frozen']} of {n} windows (SD of the emotion scalar "
            f"below {t['frozen_sd']:g}): emotion r is undefined or meaningless there"
        )
    if counts["clones"]:
        lines.append(
            f"twins near-clones in {counts['clones']} of {n} windows after the burn-in (activity r above "
            f"{t['clone_r']:g}): they move as one, beyond the start-up every pair shares"
        )
    if not lines:
        saturation = "cortex never saturated, " if regime["bounded"] else ""
        lines.append(f"regime: {saturation}emotion field moving and twins diverging in all {n} windows")
    return lines
