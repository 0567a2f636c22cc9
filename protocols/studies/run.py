"""Grow every condition of a study (each an ordinary, resumable Twins sweep), then compare them.

``results/study-NAME-PRESET/<field=value,...>/`` holds each condition; beside them ``study.json`` (the
grid, the seeds, the versions), ``comparison.parquet`` (every test), ``report.md`` and ``figures/``.
Every condition has the same sweep seed, so the same run seeds: conditions are compared run by run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
from attrs import field, frozen

from emergence.analysis.comparison import Axis, adjust, compare_cells
from emergence.analysis.folder_cells import folder_cells
from emergence.analysis.study_report import study_figures, write_comparison
from emergence.analysis.verdicts import comparison_lines, study_machines_line, sweep_lines, variance_lines
from emergence.api import Results
from emergence.contract import Study
from emergence.host import installed
from emergence.results import ResultsError, ResultsFolder, write_json, write_table

from ..twins.sweep import grow_together, sweep
from .design import axis_name, conditions, folder_name, load_study, split_options
from .plan import check_power, default_runs, plan_lines
from .split import split_verdicts

__all__ = ["StudyRun", "StudyResults", "study_run", "default_out"]


def default_out(name: str, preset: str) -> Path:
    return Path("results") / f"study-{name}-{preset}"


def _position(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


@frozen
class StudyResults:
    """A grown study, compared: its verdict ``lines``, every test (``rows``; ``table`` as a DataFrame),
    each condition's ``Results``, and the report and figures written into ``out``."""

    out: Path
    title: str
    question: str
    lines: tuple[str, ...] = field(repr=False)
    rows: tuple[dict, ...] = field(repr=False)
    conditions: tuple[tuple[dict, Results], ...] = field(repr=False)
    figures: tuple[Path, ...] = field(repr=False)

    @property
    def table(self):
        import pandas as pd

        return pd.DataFrame(list(self.rows))

    @property
    def report_path(self) -> Path:
        return ResultsFolder(self.out).report_path


class StudyRun:
    """``study`` at ``preset`` with the protocol's ``options`` (sizes, seed, device...) and ``settings``
    (``--set``), grown into ``out``; ``plan()`` says what it can detect, ``run()`` grows, compares and
    returns the ``StudyResults``. Without ``runs`` it grows the runs that detect a large paired effect."""

    def __init__(
        self,
        study: Study,
        preset: str = "small",
        out: str | Path | None = None,
        settings: dict[str, Any] | None = None,
        **options: Any,
    ):
        self.study, self.preset = study, preset
        self.out = Path(out) if out else default_out(study.name, preset)
        self.settings, self.options = dict(settings or {}), options
        base_options, base_settings = split_options(study.base)
        if base_options.get("emotion_metrics") == "all":
            # the write-up's metric first: the reference the others are compared with
            base_options["emotion_metrics"] = sorted(installed().metrics.names(), key=lambda n: n != "mean")
        self.base_options, self.base_settings = base_options, base_settings
        metrics = base_options.get("emotion_metrics") or options.get("emotion_metrics") or ("mean",)
        self.n_metrics = len(metrics)
        if options.get("runs") is None:
            self.options["runs"] = default_runs(study, self.n_metrics)

    def __repr__(self) -> str:
        return (
            f"StudyRun({self.study.name!r}, preset={self.preset!r}, runs={self.options['runs']}, out={str(self.out)!r})"
        )

    @property
    def title(self) -> str:
        return f"study {self.study.name} ({self.preset})"

    def plan(self) -> list[str]:
        """What the study can detect with its runs, and the runs a large effect needs, in words."""
        return plan_lines(self.study, self.options["runs"], self.n_metrics)

    def run(self, progress: bool = True, force: bool = False) -> StudyResults:
        """Grow (resuming), compare, write study.json, comparison.parquet, report.md and the figures.
        A design whose runs cannot reach p < 0.05 after Holm is refused (``force``: warned)."""
        warning = check_power(self.study, self.options["runs"], self.n_metrics, force)
        if warning:
            print(warning, file=sys.stderr)
        grown = self.grow(progress)
        axes, cells, rows = self.compare(grown)
        self.write(grown, axes, rows)
        lines = comparison_lines(rows)
        if self.study.decompose:
            lines = [line for by_label in cells.values() for line in variance_lines(by_label)] + lines
        lines = split_verdicts(self.study.split, grown) + lines
        verdicts = [(results.out.name, sweep_lines(results.summary)) for _, results in grown]
        if len(verdicts) == 1:
            lines = verdicts[0][1] + lines
        machines = study_machines_line([results.summary.sweep.grown_on for _, results in grown])
        lines += [machines] if machines and len(grown) > 1 else []
        sections = [
            (f"Condition {folder} against its nulls", "\n".join(f"- {line}" for line in found))
            for folder, found in verdicts
        ]
        write_comparison(self.out, self.title, self.study.question, lines, rows, sections)
        figures = [
            path
            for metric, by_label in cells.items()
            for path in study_figures(by_label, axes, self.out, metric or "metrics")
        ]
        return StudyResults(
            self.out, self.title, self.study.question, tuple(lines), tuple(rows), tuple(grown), tuple(figures)
        )

    def sweep_of(self, condition: dict[str, Any]):
        """The Twins sweep of one condition: the user's options, then the study's base and levels."""
        options, settings = split_options(condition)
        return sweep(
            preset=self.preset,
            out=self.out / folder_name(condition),
            settings={**self.settings, **self.base_settings, **{k: str(v) for k, v in settings.items()}},
            **{**self.options, **self.base_options, **options},
        )

    def grow(self, progress: bool = True) -> list[tuple[dict[str, Any], Results]]:
        """Grow (or resume) every condition, the chunks of all of them together on the study's executor;
        each is checked before any grows. A sweep's folder is refused: its report would be replaced."""
        if ResultsFolder(self.out).is_sweep():
            raise ResultsError(f"{self.out} holds a sweep, not a study; choose another --out (nothing was written)")
        sweeps = [(c, self.sweep_of(c)) for c in conditions(self.study)]
        if progress:
            print(f"{len(sweeps)} conditions: {', '.join(folder_name(c) for c, _ in sweeps)}", file=sys.stderr)
        grow_together([s for _, s in sweeps], progress, sys.argv)
        return [(condition, s.analyse()) for condition, s in sweeps]

    def axes(self, grown: list[tuple[dict[str, Any], Results]]) -> list[Axis]:
        """The comparison's axes; an axis is ordered when every value resolves to a number."""
        if not self.study.axes:  # one sweep: its metrics, those defined on its windows, are the conditions
            metrics = grown[0][1].summary.metrics
            names = self.base_options.get("emotion_metrics") or metrics
            return [Axis("metric", tuple(m for m in names if metrics[m].undefined is None))]
        axes = []
        for name in axis_name(self.study):
            first = name.split("+")[0]
            positions = []
            for condition, results in grown:
                config = results.manifest["config"]
                positions.append(_position(config["agent"].get(first, config.get(first))))
            labels = [_label(c, name) for c, _ in grown]
            seen = dict.fromkeys(labels)
            by_label = dict(zip(labels, positions))
            ordered = all(by_label[v] is not None for v in seen)
            axes.append(Axis(name, tuple(seen), tuple(by_label[v] for v in seen) if ordered else None))
        return axes

    def compare(self, grown: list[tuple[dict[str, Any], Results]]) -> tuple[list[Axis], dict, list[dict]]:
        """(axes, metric -> condition label -> cell, the Holm-adjusted comparison rows)."""
        axes = self.axes(grown)
        names = axis_name(self.study)
        by_metric: dict[str, dict] = {}
        for condition, results in grown:
            levels = {name: _label(condition, name) for name in names}
            for metric, cell in folder_cells(results.out, levels).items():
                by_metric.setdefault(metric, {})[folder_name(condition)] = cell
        if not self.study.axes:  # one sweep: its metrics are the conditions
            cells = {
                m: type(c)(levels={"metric": m}, pairing=c.pairing, activity=c.activity, emotion=c.emotion)
                for m, c in ((m, next(iter(v.values()))) for m, v in by_metric.items())
            }
            rows = compare_cells(list(cells.values()), axes, "", activity=False)
            return axes, {"": cells}, adjust(rows)
        rows = []
        for i, (metric, cells) in enumerate(by_metric.items()):
            rows += compare_cells(list(cells.values()), axes, metric, activity=i == 0, seed=0)
        return axes, by_metric, adjust(rows)

    def write(self, grown, axes: list[Axis], rows: list[dict]) -> None:
        """study.json and comparison.parquet."""
        first = grown[0][1].manifest
        folder = ResultsFolder(self.out)
        write_json(
            folder.study_path,
            {
                "study": self.study.name,
                "question": self.study.question,
                "preset": self.preset,
                "axes": {k: list(v) for k, v in self.study.axes.items()},
                "zipped": self.study.zipped,
                "base": self.study.base,
                "options": {k: v for k, v in self.options.items() if v is not None},
                "settings": self.settings,
                "conditions": [{"folder": folder_name(c), "levels": c} for c, _ in grown],
                "comparison_axes": [
                    {"name": a.name, "values": list(a.values), "ordered": a.positions is not None} for a in axes
                ],
                "seed": first["config"]["seed"],
                "seeds": first["seeds"],
                "versions": first["versions"],
            },
        )
        write_table(folder.comparison_path, pa.Table.from_pylist(rows))


def _label(condition: dict[str, Any], name: str) -> str:
    return "+".join(str(condition[part]) for part in name.split("+"))


def study_run(
    name: str | Study,
    preset: str = "small",
    out: str | Path | None = None,
    settings: dict[str, Any] | None = None,
    **options: Any,
) -> StudyRun:
    """The Python entry of ``emergence study``: a registered study's name, a study file (``.toml``) or
    a ``Study``, with the options of ``emergence protocol twins`` but the design's own."""
    if isinstance(name, Study):
        study = name
    else:
        study = load_study(Path(name)) if str(name).endswith(".toml") else installed().studies[name]
    return StudyRun(study, preset, out, settings, **options)
