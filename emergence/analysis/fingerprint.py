"""The write-up's fingerprint, and a sweep's figures beside it with standard errors.

The write-up (100 runs x 50,000 steps, emotion = mean of the field) reports: A_corr_run 0.2111 +- 0.0720
(range 0.0249 .. 0.4168), window SD of activity r 0.7518; E_corr_run 0.0081 +- 0.1406 (range -0.3621 ..
0.5797), window SD 0.6544; corr(A_corr_run, E_corr_run) 0.055; a plateau "~0.2 ... from early on" that
stays flat to 50k; a cortex neither saturated nor frozen. From these, with ~100 windows per run, its
between-run SDs follow: ~0 for activity (every run the same coupling), ~0.125 for emotion.

Each figure of a sweep comes with a standard error: analytic for means, SDs and correlations (the
window SD's treats windows as independent; a mean of run r's takes the larger of the runs' SD and the
SD that sampling its windows alone gives a run, window SD / sqrt(windows per run), since a few runs can
under-read it), a bootstrap over runs for the between-run SD (from 5 runs
on; fewer give none); the distance is (sweep - write-up) /
sqrt(SE_sweep^2 + SE_write-up^2), the write-up's SE from its 100 runs where it can be had, else 0.
Ranges grow with the number of runs, so they are shown without a distance.
"""

from __future__ import annotations

import math

import numpy as np

from .statistics import describe, dispersion, run_correlations

__all__ = ["WRITE_UP", "WRITE_UP_RUNS", "fingerprint", "fingerprint_lines"]

WRITE_UP_RUNS = 100
WRITE_UP_WINDOWS = 100  # per run, about: its ~100 checkpoints (what its dispersion figures need)
WRITE_UP = {
    "activity": {"mean": 0.2111, "run_sd": 0.0720, "range": (0.0249, 0.4168), "window_sd": 0.7518},
    "emotion": {"mean": 0.0081, "run_sd": 0.1406, "range": (-0.3621, 0.5797), "window_sd": 0.6544},
    "corr": 0.055,
}
_BOOTSTRAP = 1000
_MIN_BOOTSTRAP_RUNS = 5


def _between(window_sd: float, run_sd: float, windows: int = WRITE_UP_WINDOWS) -> float:
    return math.sqrt(max(0.0, run_sd**2 - window_sd**2 / windows))


def _sampling_sd(r: np.ndarray) -> float:
    """The SD that sampling its windows alone gives one run's mean window r (``r``: runs x windows)."""
    per_run = np.isfinite(r).sum(axis=1)
    return float(np.nanstd(r, ddof=1) / math.sqrt(per_run[per_run > 0].mean()))


def _mean_se(values: np.ndarray, sampling_sd: float) -> float:
    """SE of the mean of the per-run ``values``: their SD, floored at ``sampling_sd``."""
    values = values[np.isfinite(values)]
    if values.size < 2:
        return float("nan")
    return max(float(values.std(ddof=1)), sampling_sd) / math.sqrt(values.size)


def _bootstrap_se(r: np.ndarray, statistic, seed: int) -> float:
    """SE of ``statistic(window r's)`` by resampling runs (rows) with replacement."""
    if r.shape[0] < _MIN_BOOTSTRAP_RUNS:
        return float("nan")
    rng = np.random.default_rng(seed)
    values = [statistic(r[rng.integers(0, r.shape[0], r.shape[0])]) for _ in range(_BOOTSTRAP)]
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(values.std(ddof=1)) if values.size > 1 else float("nan")


def _row(figure: str, value: float, se: float, write_up: float | None, write_up_se: float = 0.0) -> dict:
    distance = float("nan")
    if write_up is not None and np.isfinite(value) and np.isfinite(se):
        scale = math.sqrt(se**2 + write_up_se**2)
        distance = (value - write_up) / scale if scale > 0 else float("nan")
    return {
        "figure": figure,
        "sweep": float(value),
        "se": float(se),
        "write_up": float("nan") if write_up is None else float(write_up),
        "distance_se": distance,
    }


def _quantity_rows(label: str, r: np.ndarray, ref: dict, seed: int) -> list[dict]:
    run = run_correlations(r)
    runs = describe(run)
    n = runs["n"]
    d = dispersion(r)
    windows = int(np.isfinite(r).sum())
    sd_se = runs["sd"] / math.sqrt(2 * (n - 1)) if n > 1 else float("nan")
    ref_se = ref["run_sd"] / math.sqrt(WRITE_UP_RUNS)
    ref_sd_se = ref["run_sd"] / math.sqrt(2 * (WRITE_UP_RUNS - 1))
    return [
        _row(f"{label} mean of run r", runs["mean"], _mean_se(run, _sampling_sd(r)), ref["mean"], ref_se),
        _row(f"{label} run SD", runs["sd"], sd_se, ref["run_sd"], ref_sd_se),
        _row(
            f"{label} between-run SD",
            d["between_run_sd"],
            _bootstrap_se(r, lambda x: dispersion(x)["between_run_sd"], seed),
            _between(ref["window_sd"], ref["run_sd"]),
            ref_sd_se,
        ),
        _row(
            f"{label} window SD",
            d["window_sd"],
            d["window_sd"] / math.sqrt(2 * (windows - 1)) if windows > 1 else float("nan"),
            ref["window_sd"],
        ),
        {
            **_row(f"{label} range of run r (min)", d["range"][0], float("nan"), ref["range"][0]),
            "distance_se": float("nan"),
        },
        {
            **_row(f"{label} range of run r (max)", d["range"][1], float("nan"), ref["range"][1]),
            "distance_se": float("nan"),
        },
    ]


def _plateau_rows(r: np.ndarray) -> list[dict]:
    """The activity plateau: mean window r over the first and the second half of the windows, and
    their difference (the write-up: ~0.2 from early on, flat)."""
    half = r.shape[1] // 2
    if half < 1:
        return []
    early, late = run_correlations(r[:, :half]), run_correlations(r[:, half:])
    rows = []
    early_sd, late_sd = _sampling_sd(r[:, :half]), _sampling_sd(r[:, half:])
    for figure, values, sampling_sd, target in (
        ("activity plateau, first half of run", early, early_sd, WRITE_UP["activity"]["mean"]),
        ("activity plateau, second half of run", late, late_sd, WRITE_UP["activity"]["mean"]),
        ("activity drift, second half - first", late - early, math.hypot(early_sd, late_sd), 0.0),
    ):
        d = describe(values)
        rows.append(
            _row(
                figure,
                d["mean"],
                _mean_se(values, sampling_sd),
                target,
                WRITE_UP["activity"]["run_sd"] / math.sqrt(WRITE_UP_RUNS) if target else 0.0,
            )
        )
    return rows


def fingerprint(activity_r: np.ndarray, emotion_r: np.ndarray, regime: dict | None = None, *, seed: int = 0) -> dict:
    """This sweep's fingerprint beside the write-up's, from the window r's (R, W) of activity and emotion
    (the headline windows, after the burn-in) and the regime diagnostics (None: not recorded)."""
    activity_r, emotion_r = np.atleast_2d(activity_r), np.atleast_2d(emotion_r)
    a_run, e_run = run_correlations(activity_r), run_correlations(emotion_r)
    ok = np.isfinite(a_run) & np.isfinite(e_run)
    n = int(ok.sum())
    corr = (
        float(np.corrcoef(a_run[ok], e_run[ok])[0, 1])
        if n >= 3 and np.ptp(a_run[ok]) and np.ptp(e_run[ok])
        else float("nan")
    )
    corr_se = (1 - corr**2) / math.sqrt(n - 3) if n > 3 and np.isfinite(corr) else float("nan")
    rows = (
        _quantity_rows("activity", activity_r, WRITE_UP["activity"], seed)
        + _quantity_rows("emotion", emotion_r, WRITE_UP["emotion"], seed)
        + [
            _row(
                "corr(A_corr_run, E_corr_run)",
                corr,
                corr_se,
                WRITE_UP["corr"],
                (1 - WRITE_UP["corr"] ** 2) / math.sqrt(WRITE_UP_RUNS - 3),
            )
        ]
        + _plateau_rows(activity_r)
    )
    out = {"n_runs": int(activity_r.shape[0]), "rows": rows, "regime": None}
    if regime is not None:
        counts = regime["counts"]
        out["regime"] = {"windows": regime["n_windows"], "saturated": counts["saturated"], "frozen": counts["frozen"]}
    return out


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def fingerprint_lines(result: dict) -> list[str]:
    """What the fingerprint says, in words: the figures more than 3 SE from the write-up's, and the regime."""
    measured = [row for row in result["rows"] if _finite(row["distance_se"])]  # JSON keeps NaN as None
    far = [row for row in measured if abs(row["distance_se"]) > 3]
    near = [row for row in measured if abs(row["distance_se"]) <= 3]
    lines = [
        f"fingerprint ({result['n_runs']} runs; the write-up: {WRITE_UP_RUNS}): "
        f"{len(near)} figures within 3 SE of the write-up's, {len(far)} further"
        + (
            ": "
            + "; ".join(
                f"{r['figure']} {r['sweep']:+.3f} vs {r['write_up']:+.3f} ({r['distance_se']:+.1f} SE)" for r in far
            )
            if far
            else ""
        )
    ]
    regime = result.get("regime")
    if regime:
        saturated = "n/a (unbounded cortex)" if regime["saturated"] is None else regime["saturated"]
        lines.append(
            f"the write-up's cortex is neither saturated nor frozen: here saturated in {saturated} and "
            f"emotion frozen in {regime['frozen']} of {regime['windows']} windows"
        )
    if result["n_runs"] < 10:
        lines.append(
            f"with {result['n_runs']} runs the standard errors are rough; a distance says how far, not "
            "whether the model differs"
        )
    return lines
