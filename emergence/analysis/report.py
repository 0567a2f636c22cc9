"""Render a summary: the write-up's results section as rich tables, and its two figures as PNG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from ..results import atomic_write
from .regime import regime_lines

__all__ = ["render", "print_tables", "results_table", "regime_table", "figures"]

# The write-up's figures (paper preset, 100 runs x 50k steps, emotion = mean), for comparison.
WRITE_UP = {
    ("activity", "across_steps"): (0.2111, 0.7518, -0.9971, 1.0000),
    ("activity", "across_runs"): (0.2111, 0.0720, 0.0249, 0.4168),
    ("emotion", "across_steps"): (0.0081, 0.6544, -1.0000, 0.9999),
    ("emotion", "across_runs"): (0.0081, 0.1406, -0.3621, 0.5797),
}
WRITE_UP_CORR = 0.055


def _f(x: float | None, digits: int = 4) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.{digits}f}"


def _p(x: float | None) -> str:
    """A p-value; None (how JSON keeps NaN) or NaN is n/a."""
    return "n/a" if x is None or math.isnan(x) else f"{x:.3f}"


def defined(summary: dict) -> dict:
    """The metrics of ``summary`` that have statistics (an undefined one carries only its reason)."""
    return {name: m for name, m in summary["metrics"].items() if "undefined" not in m}


def _row(label: str, stats: dict, note: str, reference: tuple | None) -> list[str]:
    ref = "" if reference is None else f"{reference[0]:+.4f} ± {reference[1]:.4f} ({reference[2]:+.2f} → {reference[3]:+.2f})"
    return [label, _f(stats["mean"]), _f(stats["sd"]).lstrip("+"), _f(stats["min"]), _f(stats["max"]), note, ref]


def results_table(summary: dict, metric: str) -> Table:
    """One metric's results, laid out like the write-up's section 5."""
    sweep = summary["sweep"]
    m = summary["metrics"][metric]
    table = Table(
        title=(f"Twins ({sweep['substrate']}): {'+'.join(sweep['a'])} (A) vs {'+'.join(sweep['b'])} (B) · "
               f"{sweep['runs']} runs × {sweep['steps']:,} steps · window {sweep['window']} · init {sweep['init']} · emotion = {metric}"),
        caption=f"weight noise: {sweep['weight_noise_mode']}" + (
            f"; {metric} works from snapshots every {sweep['snapshot_every']} steps" if m["uses_snapshots"] else ""),
    )
    for column in ("correlation", "mean", "SD", "min", "max", "windows / runs", "write-up (paper, emotion=mean)"):
        table.add_column(column, justify="right" if column in ("mean", "SD", "min", "max") else "left")
    reference = metric == "mean"
    for quantity, stats in (("activity", summary["activity"]), ("emotion", m["emotion"])):
        steps, runs = stats["across_steps"], stats["across_runs"]
        table.add_row(*_row(f"{quantity.capitalize()} (across steps)", steps,
                            f"{steps['n']} windows, {steps['n_constant']} constant excluded",
                            WRITE_UP[(quantity, "across_steps")] if reference else None))
        table.add_row(*_row(f"{quantity.capitalize()} (by run)", runs,
                            f"{runs['n']} runs" + (f", {runs['n_undefined']} undefined" if runs["n_undefined"] else ""),
                            WRITE_UP[(quantity, "across_runs")] if reference else None))
    c = m["corr_activity_emotion"]
    detail = c["reason"] or f"p = {c['p_value']:.3g}, 95% CI [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}]"
    table.add_row("corr(A_corr_run, E_corr_run)", _f(c["r"]), "", "", "", detail, f"{WRITE_UP_CORR:+.3f}" if reference else "")
    return table


def comparison_table(summary: dict) -> Table:
    """One row per emotion metric: does "no canonical emotional relationship" survive it?"""
    table = Table(title="Emotion metrics compared (run level)")
    for column in ("metric", "E_corr_run mean", "SD", "min", "max", "corr with A_corr_run", "data"):
        table.add_column(column)
    for name, m in defined(summary).items():
        runs, c = m["emotion"]["across_runs"], m["corr_activity_emotion"]
        table.add_row(name, _f(runs["mean"]), _f(runs["sd"]).lstrip("+"), _f(runs["min"]), _f(runs["max"]), _f(c["r"], 3),
                      "snapshots" if m["uses_snapshots"] else "every step")
    return table


def controls_table(summary: dict, metric: str) -> Table:
    """Each twin statistic beside its null: cross-pair (other runs' B) and circular-shift surrogates."""
    from .controls import controls_table as rows

    table = Table(title=f"Is the coupling real? Twin statistics vs their nulls · emotion = {metric}",
                  caption="cross_pair: B taken from other runs; surrogate: B circularly shifted beyond its "
                          "autocorrelation time; diff / linear: first differences / per-window detrended")
    for column in ("series", "control", "statistic", "twin", "null mean ± SD", "difference", "p", "effect size"):
        table.add_column(column, justify="left" if column in ("series", "control", "statistic") else "right")
    for row in rows(summary["metrics"][metric]["controls"]):
        table.add_row(row["detrend"], row["control"], f"{row['statistic']} {row['quantity']}", _f(row["twin"], 3),
                      f"{_f(row['null_mean'], 3)} ± {_f(row['null_sd'], 3).lstrip('+')}", _f(row["difference"], 3),
                      _p(row["p_value"]), _f(row["effect_size"], 2))
    return table


def figures(summary: dict, out: Path) -> list[Path]:
    """The write-up's two figures for each metric, and a side-by-side of E_corr_run across metrics."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    runs = pq.read_table(out / "runs.parquet").to_pandas() if (out / "runs.parquet").exists() else None
    window = summary["sweep"]["window"]
    paths = []
    metrics = defined(summary)
    for name, m in metrics.items():
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for label, evolution, color in (("activity", summary["activity"]["evolution"], "tab:red"),
                                        (f"emotion ({name})", m["emotion"]["evolution"], "teal")):
            mean, sd = np.asarray(evolution["mean"], float), np.asarray(evolution["sd"], float)
            x = (np.arange(mean.size) + 0.5) * window
            ax.plot(x, mean, color=color, label=label, lw=2)
            ax.fill_between(x, mean - sd, mean + sd, color=color, alpha=0.2, lw=0)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(xlabel="step (window centre)", ylabel="twin correlation (mean ± SD across runs)", ylim=(-1.05, 1.05),
               title=f"Correlation evolution · {summary['sweep']['runs']} runs")
        ax.legend(loc="upper right")
        paths.append(_save(fig, out / "figures" / f"correlation_evolution_{name}.png"))

        sel = runs[runs.metric == name]
        fig, axes = plt.subplots(1, 3, figsize=(13, 4))
        for ax, column, color in ((axes[0], "A_corr_run", "tab:red"), (axes[1], "E_corr_run", "teal")):
            values = sel[column].dropna()
            ax.hist(values, bins=max(5, min(30, len(values) // 2)), color=color, alpha=0.8, range=(-1, 1))
            ax.axvline(values.mean(), color="black", lw=1.5, ls="--", label=f"mean {values.mean():+.3f}")
            ax.set(xlabel=column, ylabel="runs", xlim=(-1, 1))
            ax.legend()
        c = m["corr_activity_emotion"]
        axes[2].scatter(sel.A_corr_run, sel.E_corr_run, color="purple", alpha=0.7)
        axes[2].set(xlabel="A_corr_run", ylabel="E_corr_run", xlim=(-1, 1), ylim=(-1, 1),
                    title=f"r = {_f(c['r'], 3)}")
        fig.suptitle(f"Run-level coupling · emotion = {name}")
        paths.append(_save(fig, out / "figures" / f"run_distributions_{name}.png"))
        paths.append(_null_figure(m["controls"], name, out / "figures" / f"controls_{name}.png"))
    if len(metrics) > 1:
        fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(metrics)), 4.5))
        names = list(metrics)
        data = [runs[runs.metric == n].E_corr_run.dropna().to_numpy() for n in names]
        ax.violinplot([d if d.size else np.array([np.nan]) for d in data], showmeans=True)
        ax.set_xticks(range(1, len(names) + 1), names)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(ylabel="E_corr_run", ylim=(-1.05, 1.05), title="E_corr_run across emotion metrics")
        paths.append(_save(fig, out / "figures" / "emotion_metrics.png"))
    for stale in set((out / "figures").glob("*.png")) - set(paths):  # of metrics no longer in the summary
        stale.unlink()
    return paths


def _null_figure(controls: dict, metric: str, path: Path) -> Path:
    """Mean twin coupling (dot) against the cross-pair null (box: 2.5-97.5 % and 5-95 %, line: median)."""
    import matplotlib.pyplot as plt

    modes = list(controls["detrend"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, (statistic, label) in zip(axes, (("mean_activity", "activity"), ("mean_emotion", f"emotion ({metric})"))):
        for i, mode in enumerate(modes):
            s = controls["detrend"][mode]["cross_pair"]["statistics"][statistic]
            q = s["null_quantiles"]
            ax.plot([i, i], [q["0.025"], q["0.975"]], color="grey", lw=6, alpha=0.35, solid_capstyle="butt")
            ax.plot([i, i], [q["0.05"], q["0.95"]], color="grey", lw=12, alpha=0.5, solid_capstyle="butt")
            ax.plot([i - 0.15, i + 0.15], [q["0.5"], q["0.5"]], color="black", lw=1.5)
            ax.scatter([i], [s["twin"]], color="tab:red", zorder=3, s=50, label="twins" if i == 0 else None)
            ax.annotate(f"p={_p(s['p_value'])}", (i, s["twin"]), xytext=(8, 4), textcoords="offset points", fontsize=8)
        ax.set_xticks(range(len(modes)), ["raw" if m == "none" else m for m in modes])
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(title=f"mean run-level r, {label}")
    axes[0].set_ylabel("twin correlation")
    axes[0].legend(loc="lower left")
    fig.suptitle("Twins vs cross-pair null (twin A of one run with twin B of others)")
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png"))
    plt.close(fig)
    return path


def regime_table(regime: dict, window: int) -> Table:
    """Per window, the mean over runs of each regime diagnostic (docs/regime.md)."""
    table = Table(title="Regime per window (mean over runs)",
                  caption="|a|: mean |a_main| (1 = every neuron at its bound); sat: neurons with |a| > 0.99; "
                          "emotion SD: of the emotion scalar in the window (the smaller twin's)")
    for column in ("steps", "|a|", "sat", "emotion SD", "awake", "activity r"):
        table.add_column(column, justify="right")
    w = regime["per_window"]
    for k in range(len(w["main_abs"])):
        table.add_row(f"{k * window:,}-{(k + 1) * window:,}", f"{w['main_abs'][k]:.3f}", f"{w['main_saturated'][k]:.0%}",
                      f"{w['emotion_sd'][k]:.1e}", f"{w['awake'][k]:.0%}", _f(w["activity_r"][k], 3))
    return table


def print_regime(summary: dict, console: Console) -> None:
    """The regime table and, in words, whether the windows are in the write-up's regime."""
    regime = summary.get("regime")
    if regime is None:
        console.print("regime: not recorded in this folder (grown before the regime diagnostics existed)")
        return
    console.print(regime_table(regime, summary["sweep"]["window"]))
    for line in regime_lines(regime):
        console.print(line)


def print_tables(summary: dict, console: Console | None = None) -> None:
    """Print the tables of ``summary``: each metric's results, the regime, the null controls, the metrics
    compared."""
    console = console or Console()
    metrics = defined(summary)
    for name, m in summary["metrics"].items():
        if name in metrics:
            console.print(results_table(summary, name))
        else:
            console.print(f"emotion = {name}: undefined here ({m['undefined']})")
    print_regime(summary, console)
    if metrics:
        console.print(controls_table(summary, next(iter(metrics))))
    if len(metrics) > 1:
        console.print(comparison_table(summary))


def render(summary: dict, out: Path, console: Console | None = None) -> None:
    """Print the tables and write the figures of ``summary`` into ``out/figures``."""
    console = console or Console()
    print_tables(summary, console)
    for path in figures(summary, Path(out)):
        console.print(f"figure: {path}")
