"""A comparison rendered: a table that fits 80 columns, report.md with every column, and the figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from rich.table import Table

from ..results import ResultsFolder, atomic_write
from .comparison import COLUMNS, Axis, Cell
from .markdown import markdown_table
from .plotting import save
from .verdicts import p_text

__all__ = ["comparison_table", "comparison_markdown", "study_figures", "print_comparison", "write_comparison"]

SHORT = {"activity": "A", "emotion": "E", "activity~emotion": "A~E"}
CAPTION = (
    "q: A activity coupling, E emotion coupling, A~E corr(A_corr_run, E_corr_run). ref, value: mean r "
    "(mean, trend: first and last level), SD of r (spread), r (corr). d: dz (mean, effects), SD or r "
    "difference, Spearman rho (trend). p: Holm-adjusted."
)


def _num(x: float, sign: bool = True) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.3f}" if sign else f"{x:.3f}"


def comparison_table(rows: list[dict], title: str) -> Table:
    """The comparison in the terminal: short columns, the contrast wrapped rather than cut."""
    table = Table(title=title, caption=CAPTION, caption_justify="left", padding=(0, 1))
    table.add_column("contrast", overflow="fold", ratio=1, min_width=14)
    for column in ("q", "test", "ref", "value", "d", "p", "n"):
        table.add_column(column, justify="left" if column in ("q", "test") else "right", no_wrap=True)
    for r in rows:
        p = "same" if r["test"] == "identical" else p_text(r["p_holm"])
        table.add_row(
            r["contrast"],
            SHORT[r["quantity"]],
            "same" if r["test"] == "identical" else r["test"],
            _num(r["reference"]),
            _num(r["value"]),
            _num(r["difference"]),
            p,
            str(r["n_runs"]),
        )
    return table


def comparison_markdown(
    title: str,
    question: str,
    lines: list[str],
    rows: list[dict],
    columns: list[str],
    sections: list[tuple[str, str]] = (),
) -> str:
    """report.md of a comparison: the question, the verdict lines, the full table, further sections."""
    n = rows[0]["n_tests"] if rows else 0
    parts = [
        f"# {title}",
        "",
        question,
        "",
        "## Verdicts",
        "",
        *[f"- {line}" for line in lines],
        "",
        f"## Comparison ({n} tests, Holm-adjusted together)",
        "",
        markdown_table(rows, columns),
        "",
    ]
    for heading, text in sections:
        parts += [f"## {heading}", "", text, ""]
    return "\n".join(parts)


def _distributions(ax, cells: dict[str, Cell]) -> None:
    """A_corr_run and E_corr_run of every condition side by side, each with its n."""
    labels = list(cells)
    for k, (quantity, color, offset) in enumerate((("activity", "tab:red", -0.18), ("emotion", "teal", 0.18))):
        for i, label in enumerate(labels):
            v = cells[label].values(quantity)
            v = v[np.isfinite(v)]
            x = np.full(v.size, i + offset) + np.linspace(-0.06, 0.06, v.size)
            ax.scatter(
                x,
                v,
                s=14,
                color=color,
                alpha=0.75,
                label=("A_corr_run" if k == 0 else "E_corr_run") if i == 0 else None,
            )
            if v.size:
                ax.plot([i + offset - 0.12, i + offset + 0.12], [v.mean()] * 2, color="black", lw=1.5)
    ax.set_xticks(
        range(len(labels)), [f"{label}\nn={np.isfinite(cells[label].emotion).sum()}" for label in labels], fontsize=8
    )
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(ylabel="run-level r (bar: mean)", ylim=(-1.05, 1.05))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def _scatter(ax, label: str, cell: Cell) -> None:
    from scipy import stats

    ok = np.isfinite(cell.activity) & np.isfinite(cell.emotion)
    a, e = cell.activity[ok], cell.emotion[ok]
    ax.scatter(a, e, s=16, color="purple", alpha=0.75)
    if ok.sum() >= 3 and np.ptp(a) > 0 and np.ptp(e) > 0:
        r = stats.pearsonr(a, e)
        title = f"{label}\nr = {r.statistic:+.2f}, p = {p_text(r.pvalue)}, n = {ok.sum()}"
    else:
        title = f"{label}\nr undefined, n = {ok.sum()}"
    ax.set(title=title, xlabel="A_corr_run", xlim=(-1.05, 1.05), ylim=(-1.05, 1.05))
    ax.title.set_fontsize(8)


def _trend(ax, axis: Axis, line: list[Cell]) -> None:
    for quantity, color in (("activity", "tab:red"), ("emotion", "teal")):
        values = [c.values(quantity) for c in line]
        mean = [np.nanmean(v) for v in values]
        sd = [np.nanstd(v, ddof=1) for v in values]
        ax.errorbar(
            axis.positions,
            mean,
            yerr=sd,
            color=color,
            marker="o",
            capsize=3,
            label=f"{'A' if quantity == 'activity' else 'E'}_corr_run (mean ± SD)",
        )
    n = min(int(np.isfinite(c.emotion).sum()) for c in line)
    ax.set_xticks(axis.positions, axis.values)
    ax.set(
        xlabel=axis.name, ylabel="run-level r", title=f"{axis.name}: coupling along the axis · n = {n} runs per level"
    )
    ax.axhline(0, color="grey", lw=0.8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def study_figures(cells: dict[str, Cell], axes: list[Axis], out: Path, metric: str) -> list[Path]:
    """Per condition: the run-level distributions side by side, A vs E scatter; a trend per ordered axis
    (the other axes at their first level)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = ResultsFolder(out)
    paths = []
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(cells)), 4.5))
    _distributions(ax, cells)
    ax.set_title(f"Run-level couplings per condition · emotion = {metric}")
    paths.append(save(fig, out.figure(f"conditions_{metric}")))

    cols = min(4, len(cells))
    rows = math.ceil(len(cells) / cols)
    fig, grid = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.2 * rows), squeeze=False, sharey=True)
    for ax, (label, cell) in zip(grid.flat, cells.items()):
        _scatter(ax, label, cell)
    for ax in list(grid.flat)[len(cells) :]:
        ax.axis("off")
    grid[0, 0].set_ylabel("E_corr_run")
    fig.suptitle(f"A_corr_run vs E_corr_run per condition · emotion = {metric}")
    fig.tight_layout()
    paths.append(save(fig, out.figure(f"scatter_{metric}")))

    for axis in axes:
        if axis.positions is None or len(axis.values) < 2:
            continue
        line = [
            next(
                c
                for c in cells.values()
                if c.levels[axis.name] == v and all(c.levels[a.name] == a.values[0] for a in axes if a is not axis)
            )
            for v in axis.values
        ]
        fig, ax = plt.subplots(figsize=(7, 4.2))
        _trend(ax, axis, line)
        paths.append(save(fig, out.figure(f"trend_{axis.name}_{metric}")))
    return paths


def print_comparison(console, title: str, question: str, lines: list[str], rows: list[dict]) -> None:
    """Print the verdicts and the table (the columns that fit 80 characters)."""
    console.print(f"[bold]{title}[/bold]")
    console.print(question)
    for line in lines:
        console.print(f"- {line}", highlight=False)
    console.print(comparison_table(rows, f"{title}: {rows[0]['n_tests'] if rows else 0} tests, Holm-adjusted"))


def write_comparison(
    out: str | Path, title: str, question: str, lines: list[str], rows: list[dict], sections: list[tuple[str, str]] = ()
) -> Path:
    """Write ``out/report.md``: the verdicts, the sections and the table with every column."""
    path = ResultsFolder(out).report_path
    text = comparison_markdown(title, question, lines, rows, list(COLUMNS), sections)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))
    return path
