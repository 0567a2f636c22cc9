"""From a results folder to the summary: metrics, statistics, controls; written back to the folder.

Reads only the folder (never an agent), so ``emergence report DIR`` rebuilds the same numbers that the
sweep printed, and ``--emotion-metric`` computes any metric after the fact.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..contract import Registry
from ..results import (
    ResultsError, emotion_data, read_json, read_manifest, read_snapshots, read_steps, run_arrays, write_json, write_table,
)
from . import controls, regime, statistics

__all__ = ["analyse", "metric_series"]


def metric_series(metric, steps: pa.Table, snapshots: pa.Table, runs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, A (runs, T'), B (runs, T')) of one metric over every run."""
    a, b, axis = [], [], None
    for run in range(runs):
        step, sa, sb = metric.series(emotion_data(steps, snapshots, run, "A"), emotion_data(steps, snapshots, run, "B"))
        if axis is None:
            axis = np.asarray(step)
        a.append(sa)
        b.append(sb)
    return axis, np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)


def _evolution(a: np.ndarray, b: np.ndarray, window: int) -> dict:
    """Mean and SD across runs of each window's r: the correlation-evolution figure's data."""
    r = statistics.window_correlations(a, b, window)
    with warnings.catch_warnings():  # a window undefined in every run has no SD: NaN, said in the table
        warnings.simplefilter("ignore", RuntimeWarning)
        return {"mean": statistics.nanmean(r, axis=0).tolist(),
                "sd": np.nanstd(r, axis=0, ddof=1).tolist() if r.shape[0] > 1 else [float("nan")] * r.shape[1]}


def _regime(steps: pa.Table, runs: int, length: int, window: int, bounded: bool) -> dict | None:
    """The regime diagnostics, or None for a folder recorded before they were (no main_abs column)."""
    if not set(regime.COLUMNS) <= set(steps.column_names):
        return None
    columns = ("activity", "emotion", "awake", *regime.COLUMNS)
    return regime.regime_summary({c: run_arrays(steps, runs, length, c) for c in columns}, window, bounded)


def _earlier_metrics(out: Path) -> list[str]:
    """The metrics of the folder's current summary (none if there is none, or it cannot be read)."""
    try:
        metrics = read_json(out / "summary.json").get("metrics", {}) if (out / "summary.json").exists() else {}
    except (ResultsError, AttributeError):
        return []
    return list(metrics) if isinstance(metrics, dict) else []


def analyse(
    out: str | Path, known: Registry, emotion_metrics: list[str] | tuple[str, ...] | None = None, *,
    bounded: bool = True, preset: dict | None = None,
) -> dict:
    """Compute and write ``summary.json``, ``runs.parquet`` and ``controls.parquet``; returns the summary.

    The summary's ``regime`` holds the per-window diagnostics (``emergence.analysis.regime``); ``bounded``
    says whether the substrate's cortex is bounded (tanh fields), so that saturation means something.

    Each metric's statistics come with their null controls (``emergence.analysis.controls``): the activity series
    is read on the metric's step axis, so both quantities share windows.
    The metrics are those the sweep recorded, those an earlier analysis added, and ``emotion_metrics``,
    looked up in ``known`` (the emotion metric registry): asking for another metric adds it to the
    summary and loses none. A metric with fewer values per run than one window of the statistics needs
    is kept as undefined, with the reason, and has no controls.
    """
    out = Path(out)
    manifest = read_manifest(out)
    config = manifest["config"]
    runs, length, window = config["runs"], config["steps"], config["checkpoint_every"]
    names = list(dict.fromkeys([*config["emotion_metrics"], *_earlier_metrics(out), *(emotion_metrics or ())]))
    metrics = {name: known[name] for name in names}

    steps = read_steps(out)
    snapshots = read_snapshots(out)
    activity = run_arrays(steps, runs, length, "activity")
    activity_summary = statistics.quantity_summary(activity["A"], activity["B"], window)
    run_rows = {"run": [], "metric": [], "A_corr_run": [], "E_corr_run": [], "n_constant_activity": [], "n_constant_emotion": []}
    control_rows = []
    summary = {
        "sweep": {
            "protocol": manifest["protocol"], "substrate": manifest["substrate"], "a": config["a"], "b": config["b"],
            "runs": runs, "steps": length, "window": window, "init": config["init"],
            "n_main": config["agent"]["n_main"], "n_emo": config["agent"]["n_emo"],
            "snapshot_every": config["snapshot_every"], "weight_noise_mode": manifest["weight_noise_mode"],
            "preset": preset,
        },
        "activity": {**activity_summary, "evolution": _evolution(activity["A"], activity["B"], window)},
        "regime": _regime(steps, runs, length, window, bounded),
        "metrics": {},
    }
    for name, metric in metrics.items():
        axis, ea, eb = metric_series(metric, steps, snapshots, runs)
        spacing = int(np.median(np.diff(axis))) if axis.size > 1 else 1
        points = max(statistics.MIN_POINTS, window // spacing)
        if axis.size < points:
            summary["metrics"][name] = {
                "description": metric.description, "uses_snapshots": bool(metric.uses_snapshots),
                "undefined": f"{axis.size} values per run, and a window of the statistics needs {points} "
                             f"(the metric needs more samples than the run's {length} steps give)",
            }
            continue
        emotion = statistics.quantity_summary(ea, eb, points)
        a_run, e_run = activity_summary["per_run"]["corr"], emotion["per_run"]["corr"]
        summary["metrics"][name] = {
            "description": metric.description,
            "uses_snapshots": bool(metric.uses_snapshots),
            "points_per_window": points,
            "first_step": int(axis[0]) if axis.size else None,
            "emotion": {**emotion, "evolution": _evolution(ea, eb, points)},
            "corr_activity_emotion": statistics.coupling(a_run, e_run),
            "controls": controls.run_controls(
                activity["A"][:, axis], activity["B"][:, axis], ea, eb, points, seed=config["seed"]
            ),
        }
        control_rows += [{"metric": name, **row} for row in controls.controls_table(summary["metrics"][name]["controls"])]
        for run in range(runs):
            run_rows["run"].append(run)
            run_rows["metric"].append(name)
            run_rows["A_corr_run"].append(a_run[run])
            run_rows["E_corr_run"].append(e_run[run])
            run_rows["n_constant_activity"].append(activity_summary["per_run"]["n_constant_windows"][run])
            run_rows["n_constant_emotion"].append(emotion["per_run"]["n_constant_windows"][run])
    write_json(out / "summary.json", summary)
    write_table(out / "runs.parquet", pa.table(run_rows))
    write_table(out / "controls.parquet", pa.Table.from_pylist(control_rows))
    return summary
