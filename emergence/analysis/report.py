"""Render a summary: the write-up's results section as rich tables, and its two figures as PNG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from rich import box
from rich.console import Console
from rich.table import Table

from ..results import ResultsFolder, atomic_write
from .controls import control_rows
from .fingerprint import fingerprint_lines
from .markdown import markdown_table, rich_markdown
from .plotting import histogram_bins, save
from .regime import regime_lines
from .summary import SweepSummary
from .verdicts import sweep_lines

__all__ = [
    "render",
    "write_report",
    "show_written",
    "print_tables",
    "results_table",
    "metrics_table",
    "controls_table",
    "regime_table",
    "fingerprint_table",
    "windows_table",
    "nudges_table",
    "figures",
    "report_markdown",
]

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


def _ref(reference: tuple | None) -> str:
    return "" if reference is None else f"{reference[0]:+.3f}±{reference[1]:.3f}"


def results_table(summary: SweepSummary, metric: str) -> Table:
    """One metric's results, laid out like the write-up's section 5, in 80 columns."""
    sweep = summary.sweep
    m = summary.metrics[metric]
    table = Table(
        title=(
            f"{'+'.join(sweep.a)} (A) vs {'+'.join(sweep.b)} (B) · {sweep.runs} runs × "
            f"{sweep.steps:,} steps · {sweep.windows} windows after {sweep.burn_in:,} steps · "
            f"emotion = {metric}"
        ),
        caption=(
            f"n: windows (constant ones excluded) or runs; write-up: paper, emotion = mean. init "
            f"{sweep.init}, weight noise {sweep.weight_noise_mode}"
            + (f"; {metric} from snapshots every {sweep.snapshot_every} steps" if m.uses_snapshots else "")
        ),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    for column in ("coupling", "mean", "SD", "min", "max", "n", "write-up"):
        table.add_column(column, justify="left" if column == "coupling" else "right", no_wrap=True)
    reference = metric == "mean"
    for quantity, stats in (("activity", summary.activity), ("emotion", m.emotion)):
        for scope, key, n in (
            ("windows", "across_steps", lambda s: f"{s['n']} ({s['n_constant']})"),
            ("runs", "across_runs", lambda s: str(s["n"])),
        ):
            s = getattr(stats, key)
            table.add_row(
                f"{quantity} {scope}",
                _f(s["mean"], 3),
                _f(s["sd"], 3).lstrip("+"),
                _f(s["min"], 3),
                _f(s["max"], 3),
                n(s),
                _ref(WRITE_UP[(quantity, key)]) if reference else "",
            )
    return table


def coupling_line(summary: SweepSummary, metric: str) -> str:
    """corr(A_corr_run, E_corr_run) with its p-value and interval, in words."""
    c = summary.metrics[metric].corr_activity_emotion
    interval = c.get("ci_reason") or f"95% CI [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}]"
    detail = c["reason"] or f"p = {c['p_value']:.3g}, {interval}"
    ref = f"; write-up {WRITE_UP_CORR:+.3f}" if metric == "mean" else ""
    return f"corr(A_corr_run, E_corr_run) ({metric}) = {_f(c['r'], 3)} ({detail}, {c['n_runs']} runs{ref})"


def metrics_table(summary: SweepSummary) -> Table:
    """One row per emotion metric: does "no canonical emotional relationship" survive it?"""
    table = Table(
        title="Emotion metrics compared (run level)",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        caption="A~E: corr(A_corr_run, E_corr_run); data: every step or snapshots",
        caption_justify="left",
    )
    for column in ("metric", "E mean", "SD", "min", "max", "A~E", "data"):
        table.add_column(
            column, justify="left" if column in ("metric", "data") else "right", no_wrap=column != "metric"
        )
    for name, m in summary.defined.items():
        runs, c = m.emotion.across_runs, m.corr_activity_emotion
        table.add_row(
            name,
            _f(runs["mean"], 3),
            _f(runs["sd"], 3).lstrip("+"),
            _f(runs["min"], 3),
            _f(runs["max"], 3),
            _f(c["r"], 2),
            "snapshots" if m.uses_snapshots else "steps",
        )
    return table


def fingerprint_table(summary: SweepSummary, metric: str) -> Table:
    """This sweep's figures beside the write-up's fingerprint, with standard errors and distances."""
    f = summary.metrics[metric].fingerprint
    table = Table(
        title=f"The write-up's fingerprint · emotion = {metric} · {f['n_runs']} runs (write-up: 100)",
        caption="distance = (sweep - write-up) / SE of the difference; ranges grow with runs: no "
        "distance. The write-up's between-run SDs are derived from its figures (~100 windows "
        "per run). Window SD is set by the window length, not evidence for the model.",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    for column in ("figure", "sweep", "SE", "write-up", "distance"):
        table.add_column(column, justify="left" if column == "figure" else "right", no_wrap=column != "figure")
    for row in f["rows"]:
        distance = row["distance_se"]
        table.add_row(
            row["figure"],
            _f(row["sweep"], 3),
            _f(row["se"], 3).lstrip("+"),
            _f(row["write_up"], 3),
            "" if distance is None or math.isnan(distance) else f"{distance:+.1f} SE",
        )
    return table


def windows_table(summary: SweepSummary, metric: str) -> Table:
    """Both kinds of window side by side: the mean and the write-up's four dispersion figures."""
    sweep, m, other = summary.sweep, summary.metrics[metric], summary.other_windows
    table = Table(
        title=f"Both kinds of window · emotion = {metric}",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        caption=f"headline: {sweep.windows_text}; beside it: {other.windows_text if other else 'n/a'}. "
        "between-run SD: run SD less the windows' sampling noise",
        caption_justify="left",
    )
    for column in ("windows", "quantity", "mean", "window SD", "run SD", "between-run SD", "range"):
        table.add_column(column, justify="left" if column in ("windows", "quantity") else "right", no_wrap=True)
    kinds = [
        (sweep.windows, summary.activity, m.emotion),
        (other and other.windows, other and other.activity, m.other_windows),
    ]
    for name, activity, emotion in kinds:
        for quantity, stats in (("activity", activity), ("emotion", emotion)):
            if not stats:
                continue
            d = stats.dispersion
            table.add_row(
                name,
                quantity,
                _f(stats.across_runs["mean"], 3),
                _f(d["window_sd"], 3).lstrip("+"),
                _f(d["run_sd"], 3).lstrip("+"),
                _f(d["between_run_sd"], 3).lstrip("+"),
                f"{_f(d['range'][0], 3)} .. {_f(d['range'][1], 3)}",
            )
    return table


def nudges_table(nudges: dict) -> Table:
    """Each twin's scaffold nudges and how far its W_main_emo moved from birth."""
    table = Table(
        title="Scaffold nudges per twin (mean over runs)",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        caption="nudged: fraction of steps after the burn-in on which a scaffold changed the twin's "
        "weights; |dW|/|W0|: W_main_emo's change since birth, relative, at the last snapshot "
        "(Oja learning and nudges together)",
        caption_justify="left",
    )
    for column in ("twin", "nudged", "|dW|/|W0| last"):
        table.add_column(column, justify="right")
    for twin in ("A", "B"):
        n = nudges[twin]
        change = n.get("w_main_emo_change")
        table.add_row(twin, f"{n['fraction']:.2%}", f"{np.mean(change['last']):.3f}" if change else "n/a")
    return table


# The rows of the null table that carry the report's verdicts (raw series): the rest are in report.md.
VERDICT_ROWS = ("none",)
STATISTIC_LABELS = {
    ("mean", "activity"): "A mean",
    ("mean", "emotion"): "E mean",
    ("sd", "emotion"): "E SD",
    ("corr", "activity~emotion"): "A~E r",
}


def controls_table(summary: SweepSummary, metric: str, detrends: tuple[str, ...] = VERDICT_ROWS) -> Table:
    """Each twin statistic beside its nulls (cross-pair: B from other runs; shift: B circularly shifted),
    for the detrendings ``detrends`` (the raw series by default: the rows the verdicts rest on)."""
    m = summary.metrics[metric]
    controls = m.controls
    windows = m.emotion.across_steps["n_windows"] // max(controls["n_runs"], 1)
    table = Table(
        title=f"Twins vs their nulls · emotion = {metric} · {controls['n_runs']} runs × {windows} windows",
        caption="cross: twin B from other runs; shift: B shifted in time beyond its autocorrelation; "
        "effect: (twin - null mean) / null SD. Every detrending: report.md",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    for column in ("series", "null", "statistic", "twin", "null mean±SD", "p", "effect"):
        table.add_column(column, justify="left" if column in ("series", "null", "statistic") else "right", no_wrap=True)
    for row in control_rows(controls):
        if row["detrend"] not in detrends:
            continue
        table.add_row(
            "raw" if row["detrend"] == "none" else row["detrend"],
            "cross" if row["control"] == "cross_pair" else "shift",
            STATISTIC_LABELS[(row["statistic"], row["quantity"])],
            _f(row["twin"], 3),
            f"{_f(row['null_mean'], 3)}±{_f(row['null_sd'], 3).lstrip('+')}",
            _p(row["p_value"]),
            _f(row["effect_size"], 2),
        )
    return table


def figures(summary: SweepSummary, out: str | Path | ResultsFolder) -> list[Path]:
    """The write-up's two figures for each metric, and a side-by-side of E_corr_run across metrics."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = ResultsFolder(out)
    runs = pq.read_table(out.runs_path).to_pandas() if out.runs_path.exists() else None
    window = summary.sweep.window
    paths = []
    metrics = summary.defined
    for name, m in metrics.items():
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for label, evolution, color in (
            ("activity", summary.activity.evolution, "tab:red"),
            (f"emotion ({name})", m.emotion.evolution, "teal"),
        ):
            mean, sd = np.asarray(evolution["mean"], float), np.asarray(evolution["sd"], float)
            x = np.asarray(evolution["step"], float) if "step" in evolution else (np.arange(mean.size) + 0.5) * window
            ax.plot(x, mean, color=color, label=label, lw=2)
            ax.fill_between(x, mean - sd, mean + sd, color=color, alpha=0.2, lw=0)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(
            xlabel="step (window end)",
            ylabel="twin correlation (mean ± SD across runs)",
            ylim=(-1.05, 1.05),
            title=f"Correlation evolution · {summary.sweep.runs} runs",
        )
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        paths.append(save(fig, out.figure(f"correlation_evolution_{name}")))

        sel = runs[runs.metric == name]
        fig, axes = plt.subplots(1, 3, figsize=(13, 4.3), layout="constrained")
        for ax, column, color in ((axes[0], "A_corr_run", "tab:red"), (axes[1], "E_corr_run", "teal")):
            values = sel[column].dropna()
            ax.hist(values, bins=histogram_bins(values), color=color, alpha=0.8, edgecolor="black", linewidth=0.8)
            ax.axvline(values.mean(), color="black", lw=1.5, ls="--")
            ax.set(xlabel=column, ylabel="runs", title=f"mean {values.mean():+.3f} · n = {len(values)} runs")
        c = m.corr_activity_emotion
        axes[2].scatter(sel.A_corr_run, sel.E_corr_run, color="purple", alpha=0.7)
        detail = c["reason"] or f"r = {c['r']:+.2f}, p = {c['p_value']:.2g}"
        axes[2].set(
            xlabel="A_corr_run", ylabel="E_corr_run", xlim=(-1, 1), ylim=(-1, 1), title=f"{detail}, n = {c['n_runs']}"
        )
        fig.suptitle(f"Run-level coupling · emotion = {name}")
        paths.append(save(fig, out.figure(f"run_distributions_{name}")))
        paths.append(_null_figure(m.controls, name, out.figure(f"controls_{name}")))
    if len(metrics) > 1:
        fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(metrics)), 4.5))
        names = list(metrics)
        data = [runs[runs.metric == n].E_corr_run.dropna().to_numpy() for n in names]
        ax.violinplot([d if d.size else np.array([np.nan]) for d in data], showmeans=True)
        ax.set_xticks(range(1, len(names) + 1), names)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(ylabel="E_corr_run", ylim=(-1.05, 1.05), title="E_corr_run across emotion metrics")
        paths.append(save(fig, out.figure("emotion_metrics")))
    for stale in set(out.figures()) - set(paths):  # of metrics no longer in the summary
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
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle("Twins vs cross-pair null (twin A of one run with twin B of others)")
    return save(fig, path)


def regime_table(regime: dict, window: int) -> Table:
    """Per window, the mean over runs of each regime diagnostic (docs/regime.md)."""
    bounds = regime.get("bounds") or [
        [k * window, (k + 1) * window] for k in range(len(regime["per_window"]["main_abs"]))
    ]
    table = Table(
        title=f"Regime per window (mean over runs; after a burn-in of {regime.get('burn_in', 0):,} steps)",
        caption="|a|: mean |a_main| (1 = every neuron at its bound); sat: neurons with |a| > 0.99; "
        "emotion SD: of the emotion scalar in the window (the smaller twin's)",
    )
    for column in ("steps", "|a|", "sat", "emotion SD", "awake", "activity r"):
        table.add_column(column, justify="right")
    w = regime["per_window"]
    for k in range(len(w["main_abs"])):
        table.add_row(
            f"{bounds[k][0]:,}-{bounds[k][1]:,}",
            f"{w['main_abs'][k]:.3f}",
            f"{w['main_saturated'][k]:.0%}",
            f"{w['emotion_sd'][k]:.1e}",
            f"{w['awake'][k]:.0%}",
            _f(w["activity_r"][k], 3),
        )
    return table


def print_regime(summary: SweepSummary, console: Console) -> None:
    """The regime table and, in words, whether the windows are in the write-up's regime."""
    regime = summary.regime
    if regime is None:
        console.print("regime: not recorded in this folder (grown before the regime diagnostics existed)")
        return
    console.print(regime_table(regime, summary.sweep.window))
    for line in regime_lines(regime):
        console.print(line)


def print_tables(summary: SweepSummary, console: Console | None = None) -> None:
    """Print the verdicts, then each metric's results and null table, the regime, the metrics compared."""
    console = console or Console()
    for line in sweep_lines(summary):
        console.print(f"- {line}", highlight=False)
    for name, m in summary.metrics.items():
        if not m.defined:
            console.print(f"emotion = {name}: undefined here ({m.undefined})")
            continue
        console.print(results_table(summary, name))
        console.print(coupling_line(summary, name), highlight=False)
        console.print(controls_table(summary, name))
        if m.fingerprint:
            console.print(fingerprint_table(summary, name))
            for line in fingerprint_lines(m.fingerprint):
                console.print(f"- {line}", highlight=False)
    print_regime(summary, console)
    if summary.nudges:
        console.print(nudges_table(summary.nudges))
    if len(summary.defined) > 1:
        console.print(metrics_table(summary))


def report_markdown(summary: SweepSummary, out: str | Path | ResultsFolder) -> Path:
    """``out/report.md``: the verdicts, and every table in full (every detrending of the null table)."""
    text = [f"# Twins sweep: {out}", "", "## Verdicts", "", *[f"- {line}" for line in sweep_lines(summary)], ""]
    sweep = summary.sweep
    if sweep.windows_text:
        text += [
            "## Measurement",
            "",
            f"- windows: {sweep.windows_text} ({sweep.n_windows_per_run} per run)",
            f"- burn-in: the first {sweep.burn_in:,} steps of every run are dropped from every statistic, "
            "null, sensitivity analysis and regime line (all fields start at zero and rise together: any "
            "two agents correlate near 1 there)",
            "",
        ]
    for name, m in summary.defined.items():
        text += [
            f"## Emotion = {name}",
            "",
            rich_markdown(results_table(summary, name)),
            "",
            coupling_line(summary, name),
            "",
        ]
        if m.fingerprint:
            text += [
                "### The write-up's fingerprint",
                "",
                rich_markdown(fingerprint_table(summary, name)),
                "",
                *[f"- {line}" for line in fingerprint_lines(m.fingerprint)],
                "",
                "### Both kinds of window",
                "",
                rich_markdown(windows_table(summary, name)),
                "",
            ]
        text += [
            "### Twins vs their nulls (every detrending)",
            "",
            markdown_table(control_rows(m.controls), list(CONTROL_COLUMNS)),
            "",
        ]
    if summary.regime:
        text += [
            "## Regime",
            "",
            rich_markdown(regime_table(summary.regime, sweep.window)),
            "",
            *[f"- {line}" for line in regime_lines(summary.regime)],
            "",
        ]
    if summary.nudges:
        text += ["## Scaffold nudges", "", rich_markdown(nudges_table(summary.nudges)), ""]
    if len(summary.defined) > 1:
        text += ["## Emotion metrics compared", "", rich_markdown(metrics_table(summary)), ""]
    path = ResultsFolder(out).report_path
    atomic_write(path, lambda tmp: Path(tmp).write_text("\n".join(text)))
    return path


CONTROL_COLUMNS = (
    "detrend",
    "control",
    "statistic",
    "quantity",
    "twin",
    "null_mean",
    "null_sd",
    "difference",
    "p_value",
    "effect_size",
    "n_null",
)


def write_report(summary: SweepSummary, out: str | Path | ResultsFolder) -> list[Path]:
    """Write ``out/report.md`` and the figures into ``out/figures``; returns their paths, the report first."""
    return [report_markdown(summary, out), *figures(summary, out)]


def render(summary: SweepSummary, out: str | Path | ResultsFolder, console: Console | None = None) -> None:
    """Print the tables, write ``out/report.md`` and the figures into ``out/figures``."""
    console = console or Console()
    print_tables(summary, console)
    show_written(write_report(summary, out), console)


def show_written(paths: list[Path], console: Console) -> None:
    """``report: PATH`` and ``figure: PATH`` lines for what a report wrote."""
    for path in paths:
        console.print(f"{'report' if path.suffix == '.md' else 'figure'}: {path}")
