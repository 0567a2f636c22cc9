"""From a results folder to its summary (``SweepSummary``): metrics, statistics, controls; written back.

Reads only the folder (never an agent), so ``emergence report DIR`` rebuilds the same numbers that the
sweep printed, and ``--emotion-metric`` computes any metric after the fact.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from attrs import evolve

from ..contract import Registry
from ..results import ResultsError, ResultsFolder, emotion_data, run_arrays, sha256, write_json, write_table
from . import controls, regime, statistics
from .fingerprint import fingerprint
from .summary import MetricSummary, OtherWindows, QuantitySummary, SweepInfo, SweepSummary
from .windows import DEFAULT_WINDOWS, Windows, default_burn_in, parse_windows

__all__ = ["analyse", "compute_summary", "write_summary", "metric_series", "sweep_windows"]

_RUN_COLUMNS = ("run", "metric", "A_corr_run", "E_corr_run", "n_constant_activity", "n_constant_emotion")


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


def sweep_windows(config: dict, windows: str | None = None, burn_in: int | None = None) -> tuple[Windows, Windows]:
    """The headline windows of a sweep and the other kind, beside it: ``windows`` and ``burn_in`` where
    given, else the sweep's own (its manifest's config), else the defaults (folders made before)."""
    spec = windows if windows is not None else config.get("windows", DEFAULT_WINDOWS)
    burn = burn_in if burn_in is not None else config.get("burn_in", default_burn_in(config["steps"]))
    headline = parse_windows(spec, config["checkpoint_every"], burn)
    other = DEFAULT_WINDOWS if headline.kind == "contiguous" else "contiguous"
    return headline, parse_windows(other, config["checkpoint_every"], burn)


def _quantity(a: np.ndarray, b: np.ndarray, windows: Windows) -> QuantitySummary:
    """A quantity's statistics on ``windows``, with its correlation evolution."""
    return QuantitySummary(**statistics.quantity_summary(a, b, windows), evolution=_evolution(a, b, windows))


def _evolution(a: np.ndarray, b: np.ndarray, windows: Windows) -> dict:
    """Mean and SD across runs of each window's r, at the window's last step: the correlation-evolution
    figure's data."""
    r = statistics.window_correlations(a, b, windows)
    with warnings.catch_warnings():  # a window undefined in every run has no SD: NaN, said in the table
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "step": windows.bounds(a.shape[-1])[1].tolist(),
            "mean": statistics.nanmean(r, axis=0).tolist(),
            "sd": np.nanstd(r, axis=0, ddof=1).tolist() if r.shape[0] > 1 else [float("nan")] * r.shape[1],
        }


def _regime(steps: pa.Table, runs: int, length: int, windows: Windows, bounded: bool) -> dict | None:
    """The regime diagnostics, or None for a folder recorded before they were (no main_abs column)."""
    if not set(regime.COLUMNS) <= set(steps.column_names):
        return None
    columns = ("activity", "emotion", "awake", *regime.COLUMNS)
    return regime.regime_summary({c: run_arrays(steps, runs, length, c) for c in columns}, windows, bounded)


def _recorded(table: pa.Table, column: str) -> bool:
    return column in table.column_names and table[column].null_count == 0


def _nudges(steps: pa.Table, snapshots: pa.Table, runs: int, length: int, burn_in: int) -> dict | None:
    """Each twin's scaffold diagnostics: the fraction of steps after the burn-in on which a scaffold nudged
    it, and W_main_emo's relative change since birth at each snapshot (mean over runs); None for a folder
    recorded before they were."""
    if not _recorded(steps, "nudged"):
        return None
    nudged = run_arrays(steps, runs, length, "nudged")
    out = {
        twin: {
            "fraction": float(nudged[twin][:, burn_in:].mean()),
            "per_run": nudged[twin][:, burn_in:].mean(axis=1).tolist(),
        }
        for twin in ("A", "B")
    }
    if _recorded(snapshots, "w_main_emo_change") and snapshots.num_rows:
        for twin in ("A", "B"):
            rows = snapshots.filter(pc.equal(snapshots["twin"], twin))
            change = rows["w_main_emo_change"].to_numpy().reshape(runs, -1)
            out[twin]["w_main_emo_change"] = {
                "step": rows["step"].to_numpy()[: change.shape[1]].tolist(),
                "mean": change.mean(axis=0).tolist(),
                "last": change[:, -1].tolist(),
            }
    return out


def _earlier_metrics(folder: ResultsFolder) -> list[str]:
    """The metrics of the folder's current summary (none if there is none, or it cannot be read)."""
    try:
        metrics = (folder.summary() or {}).get("metrics", {})
    except (ResultsError, AttributeError):
        return []
    return list(metrics) if isinstance(metrics, dict) else []


def _sweep(manifest: dict, headline: Windows, preset: dict | None, grown_on: list[dict]) -> SweepInfo:
    config = manifest["config"]
    return SweepInfo(
        protocol=manifest["protocol"],
        substrate=manifest["substrate"],
        a=config["a"],
        b=config["b"],
        runs=config["runs"],
        steps=config["steps"],
        window=config["checkpoint_every"],
        init=config["init"],
        input=config.get("input", "own"),
        n_main=config["agent"]["n_main"],
        n_emo=config["agent"]["n_emo"],
        snapshot_every=config["snapshot_every"],
        weight_noise_mode=manifest["weight_noise_mode"],
        preset=preset,
        windows=headline.spec,
        burn_in=headline.burn_in,
        windows_text=headline.describe(config["steps"]),
        n_windows_per_run=headline.count(config["steps"]),
        grown_on=grown_on,
    )


def _metric(
    metric,
    axis: np.ndarray,
    ea: np.ndarray,
    eb: np.ndarray,
    activity: dict,
    headline: Windows,
    other: Windows,
    regime_summary: dict | None,
    seed: int,
) -> tuple[MetricSummary, list[float] | None]:
    """One metric's results on its own step axis (``axis``), or why it has none; and A_corr_run per run on
    that axis (None when undefined)."""
    spacing = int(np.median(np.diff(axis))) if axis.size > 1 else 1
    first = int(axis[0]) if axis.size else 0
    windows = headline.on_axis(first, spacing)
    head = dict(description=metric.description, uses_snapshots=bool(metric.uses_snapshots))
    if windows is None or windows.count(axis.size) == 0:
        length = activity["A"].shape[1]
        return MetricSummary(
            **head,
            undefined=(
                f"{axis.size} values per run, one every {spacing} steps: no {headline.spec} window of at least "
                f"{statistics.MIN_POINTS} values fits (the metric needs more samples than the run's {length} steps "
                "give, or other --windows)"
            ),
        ), None
    a_axis, b_axis = activity["A"][:, axis], activity["B"][:, axis]
    emotion = _quantity(ea, eb, windows)
    activity_r = statistics.window_correlations(a_axis, b_axis, windows)
    a_run = statistics.run_correlations(activity_r).tolist()
    other_here = other.on_axis(first, spacing)
    return MetricSummary(
        **head,
        points_per_window=int(windows.lengths(axis.size).max()),
        first_step=first,
        emotion=emotion,
        other_windows=QuantitySummary(**statistics.quantity_summary(ea, eb, other_here))
        if other_here is not None and other_here.count(axis.size)
        else None,
        corr_activity_emotion=statistics.coupling(a_run, emotion.per_run["corr"]),
        controls=controls.run_controls(a_axis, b_axis, ea, eb, windows, seed=seed),
        fingerprint=fingerprint(activity_r, statistics.window_correlations(ea, eb, windows), regime_summary, seed=seed),
    ), a_run


def _run_rows(name: str, metric: MetricSummary, a_run: list[float], activity: QuantitySummary) -> list[dict]:
    """runs.parquet's rows of one defined metric: per run, both couplings and their constant windows."""
    return [
        dict(zip(_RUN_COLUMNS, (run, name, *values)))
        for run, values in enumerate(
            zip(
                a_run,
                metric.emotion.per_run["corr"],
                activity.per_run["n_constant_windows"],
                metric.emotion.per_run["n_constant_windows"],
            )
        )
    ]


def compute_summary(
    out: str | Path | ResultsFolder,
    known: Registry,
    emotion_metrics: list[str] | tuple[str, ...] | None = None,
    *,
    bounded: bool = True,
    preset: dict | None = None,
    windows: str | None = None,
    burn_in: int | None = None,
) -> tuple[SweepSummary, pa.Table, pa.Table]:
    """The summary of a folder's data, and its run and control tables (runs.parquet, controls.parquet),
    computed, not written (``analyse`` says what each argument does)."""
    out = ResultsFolder(out)
    manifest = out.manifest()
    config = manifest["config"]
    runs, length, window = config["runs"], config["steps"], config["checkpoint_every"]
    headline, other = sweep_windows(config, windows, burn_in)
    if headline.count(length) == 0:
        raise ResultsError(
            f"{out}: no {headline.spec} window fits in {length:,} steps after a burn-in of "
            f"{headline.burn_in:,}; choose a shorter --burn-in or other --windows"
        )
    names = list(dict.fromkeys([*config["emotion_metrics"], *_earlier_metrics(out), *(emotion_metrics or ())]))
    chosen = {name: known[name] for name in names}

    steps, snapshots = out.read_steps(), out.read_snapshots()
    activity = run_arrays(steps, runs, length, "activity")
    regime_summary = _regime(steps, runs, length, Windows.blocks(window, headline.burn_in), bounded)
    headline_activity = _quantity(activity["A"], activity["B"], headline)
    metrics, run_rows, control_rows = {}, [], []
    for name, metric in chosen.items():
        m, a_run = _metric(
            metric,
            *metric_series(metric, steps, snapshots, runs),
            activity,
            headline,
            other,
            regime_summary,
            config["seed"],
        )
        metrics[name] = m
        if m.defined:
            run_rows += _run_rows(name, m, a_run, headline_activity)
            control_rows += [{"metric": name, **row} for row in controls.control_rows(m.controls)]
    other_activity = statistics.quantity_summary(activity["A"], activity["B"], other) if other.count(length) else None
    summary = SweepSummary(
        sweep=_sweep(manifest, headline, preset, out.growth()),
        activity=headline_activity,
        other_windows=OtherWindows(
            windows=other.spec,
            windows_text=other.describe(length),
            activity=other_activity and QuantitySummary(**other_activity),
        ),
        regime=regime_summary,
        nudges=_nudges(steps, snapshots, runs, length, headline.burn_in),
        metrics=metrics,
    )
    run_table = pa.table({column: [row[column] for row in run_rows] for column in _RUN_COLUMNS})
    return summary, run_table, pa.Table.from_pylist(control_rows)


def write_summary(
    out: str | Path | ResultsFolder, summary: SweepSummary, runs: pa.Table, control_table: pa.Table
) -> SweepSummary:
    """Write the run and control tables, then ``summary.json`` naming their SHA-256 (last: a summary
    whose tables are not those written with it was stopped between its writes, ``Results.summary``);
    returns the summary as written."""
    out = ResultsFolder(out)
    tables = {out.runs_path: runs, out.controls_path: control_table}
    summary = evolve(summary, tables={path.name: sha256(write_table(path, table)) for path, table in tables.items()})
    write_json(out.summary_path, summary.to_json())
    return summary


def analyse(
    out: str | Path | ResultsFolder,
    known: Registry,
    emotion_metrics: list[str] | tuple[str, ...] | None = None,
    *,
    bounded: bool = True,
    preset: dict | None = None,
    windows: str | None = None,
    burn_in: int | None = None,
) -> SweepSummary:
    """Compute and write ``summary.json``, ``runs.parquet`` and ``controls.parquet``; returns the summary.

    Every statistic, null and diagnostic is taken on the sweep's windows after its burn-in (``windows``
    and ``burn_in`` override the sweep's own: ``emergence.analysis.windows``); the other kind of window is
    summarised beside them (``other_windows``). The summary's ``regime`` holds the per-window diagnostics
    (``emergence.analysis.regime``); ``bounded`` says whether the substrate's cortex is bounded (tanh
    fields), so that saturation means something; ``nudges`` the scaffolds' diagnostics per twin;
    ``fingerprint`` each metric's figures beside the write-up's; ``preset`` the preset nearest the agent.

    Each metric's statistics come with their null controls (``emergence.analysis.controls``): the activity series
    is read on the metric's step axis, so both quantities share windows.
    The metrics are those the sweep recorded, those an earlier analysis added, and ``emotion_metrics``,
    looked up in ``known`` (the emotion metric registry): asking for another metric adds it to the
    summary and loses none. A metric with fewer values per run than one window of the statistics needs
    is kept as undefined, with the reason, and has no controls.
    """
    return write_summary(
        out,
        *compute_summary(out, known, emotion_metrics, bounded=bounded, preset=preset, windows=windows, burn_in=burn_in),
    )
