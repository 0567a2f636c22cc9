"""The Python face of the command line: build agents, run a protocol's sweep, load its results.

    import emergence
    results = emergence.twins(a="hrls", b="surge", preset="small", runs=2, out="results/x").run()
    results.runs            # pandas DataFrame: A_corr_run, E_corr_run per run and metric
    emergence.load("results/x").report()

The command line calls the same functions, so a folder grown from Python resumes from the shell and
the other way round.
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from .config import ConfigError
from .host import DEFAULT_SUBSTRATE, Catalogue, installed
from .results import ResultsFolder, sha256

if TYPE_CHECKING:
    from .analysis import SweepSummary

__all__ = [
    "preset",
    "protocol",
    "twins",
    "study",
    "plan",
    "load",
    "compare",
    "Results",
    "Comparison",
    "package_version",
]


def preset(name: str, *, substrate: str = DEFAULT_SUBSTRATE, **overrides: Any) -> Any:
    """The agent config of the named preset of ``substrate`` (``small``, ``paper``), with ``overrides``."""
    return installed().substrates[substrate].preset(name, **overrides)


def protocol(name: str, **options: Any) -> Any:
    """The sweep of the registered protocol ``name`` with ``options`` (those of its command line, as
    keyword arguments); ``.run()`` grows it and returns its ``Results``."""
    return installed().protocols[name].sweep(**options)


def twins(**options: Any) -> Any:
    """A Twins sweep: ``twins(a="hrls", b="surge", preset="small", runs=8, steps=2000, out=DIR)``.
    ``.run(progress=True)`` grows it (resuming a partial folder), analyses it, writes its report.md and
    figures, and returns its ``Results``; ``.plan()`` says what it needs, growing nothing.

    Every option of ``emergence protocol twins``, as a keyword:

    - what grows: ``a``, ``b`` (a scaffold spec or a list of them, ``"hrls:buffer_length=20"``),
      ``substrate`` (``"fields"``), ``preset`` (``"small"``, ``"paper"``, ...), ``n_main``, ``n_emo``,
      ``settings`` (``{"emo_noise": 0.06}``: any field of the agent's config, as ``--set``), ``init``
      (``"same"``, ``"different"``, ``"one"``), ``noise`` (``"own"``, ``"shared"``), ``input`` (``"own"``,
      ``"shared"``), ``seed``, ``runs``, ``steps``, ``feedback_every``, ``feedback_message``,
      ``feedback_strength``;
    - what is recorded and how it is read: ``checkpoint_every``, ``snapshot_every``, ``emotion_metrics``,
      ``windows``, ``burn_in``;
    - how it grows (never what): ``out`` (``results/twins-PRESET``), ``device``, ``engine``,
      ``weight_noise_every``, ``weight_dtype``, ``chunk_size``, ``keep_checkpoints``, ``executor``,
      ``workers``, ``threads``.
    """
    return protocol("twins", **options)


def study(name: Any, **options: Any) -> Any:
    """A study (``emergence study NAME``): a registered study's name, a study file (``.toml``) or a
    ``Study``, with ``preset``, ``out``, ``settings`` and the options of ``twins`` but the design's own
    (``a``, ``b``, ``init``, ``noise``). ``.plan()`` says what it can detect; ``.run(force=False)`` grows,
    compares and writes its report, returning the verdict lines and every test."""
    return protocol("study", study=name, **options)


def plan(name: Any, **options: Any) -> list[str]:
    """What a study can detect with its runs, and the runs a large effect needs (``study --plan``)."""
    return study(name, **options).plan()


def load(out: str | Path, catalogue: Catalogue | None = None) -> Results:
    """The results of a sweep's folder (``emergence report DIR`` from Python)."""
    return Results(out, catalogue)


class Results:
    """A results folder, read: its summary and its tables as pandas DataFrames.

    ``summary`` is ``summary.json``, typed (``SweepSummary``; computed from the folder's data if the sweep
    never got that far);
    ``steps`` holds one row per twin and step; ``runs`` A_corr_run and E_corr_run per run and emotion
    metric; ``controls`` every twin statistic beside its nulls.
    """

    def __init__(self, out: str | Path, catalogue: Catalogue | None = None):
        self.folder = ResultsFolder(out).require_sweep()
        self.out = self.folder.path
        self.catalogue = catalogue or installed()

    def __repr__(self) -> str:
        return f"Results({str(self.out)!r})"

    @cached_property
    def summary(self) -> SweepSummary:
        """summary.json, typed; the folder analysed again when there is none, when it is not a summary, or
        when its tables are not those written with it (an analysis stopped between its writes)."""
        from .analysis import SweepSummary  # scipy: not imported by `emergence --help`

        stored = self.folder.summary()
        try:
            summary = SweepSummary.from_json(stored) if stored is not None else None
        except (KeyError, TypeError, AttributeError):
            summary = None
        return summary if summary is not None and _written_with(self.folder, summary) else self.analyse()

    def analyse(
        self,
        emotion_metrics: tuple[str, ...] = (),
        *,
        windows: str | None = None,
        burn_in: int | None = None,
        keep: bool = True,
    ) -> SweepSummary:
        """Recompute the statistics from the recorded data (adding ``emotion_metrics``; on ``windows``
        after ``burn_in`` steps, None: the sweep's own) and keep them as the folder's summary, or with
        ``keep=False`` only return them (another reading of the same runs; the folder is not touched)."""
        from .analysis import analyse, compute_summary  # scipy: not imported by `emergence --help`

        manifest = self.manifest
        substrate = self.catalogue.substrates[manifest.get("substrate", DEFAULT_SUBSTRATE)]
        arguments = dict(
            bounded="main" in substrate.bounded,
            preset=substrate.nearest_preset(manifest["config"]["agent"]),
            windows=windows,
            burn_in=burn_in,
        )
        if not keep:
            return compute_summary(self.folder, self.catalogue.metrics, emotion_metrics or None, **arguments)[0]
        self.__dict__["summary"] = analyse(self.folder, self.catalogue.metrics, emotion_metrics or None, **arguments)
        return self.summary

    @property
    def manifest(self) -> dict:
        return self.folder.manifest()

    def _table(self, path: Path):
        import pandas as pd

        self.summary  # the run and control tables are written with the summary
        return pd.read_parquet(path)

    @property
    def steps(self):
        """Every per-step record, each part verified against the folder's index."""
        return self.folder.read_steps().to_pandas()

    @property
    def traces(self):
        """The per-step records as an xarray Dataset over (run, twin, step), one variable per column:
        ``results.traces.activity.sel(twin="A", run=0)``."""
        return self.steps.set_index(["run", "twin", "step"]).to_xarray()

    @property
    def emotion_field(self):
        """The emotion-field snapshots as an xarray DataArray over (run, twin, step, unit)."""
        import numpy as np
        import xarray as xr

        table = self.folder.read_snapshots()
        field = np.stack(table["field"].to_numpy(zero_copy_only=False))
        rows = {name: ("snapshot", table[name].to_numpy(zero_copy_only=False)) for name in ("run", "twin", "step")}
        snapshots = xr.DataArray(field, dims=("snapshot", "unit"), coords=rows, name="emotion_field")
        return (
            snapshots.set_index(snapshot=["run", "twin", "step"])
            .unstack("snapshot")
            .transpose("run", "twin", "step", "unit")
        )

    @property
    def runs(self):
        return self._table(self.folder.runs_path)

    @property
    def controls(self):
        return self._table(self.folder.controls_path)

    def report(self, console: Any = None) -> None:
        """Print the terminal report (the tables of ``emergence report``)."""
        from .analysis import print_tables

        print_tables(self.summary, console)

    def figures(self) -> list[Path]:
        """(Re)draw the figures into ``out/figures``; returns their paths."""
        from .analysis import figures

        return figures(self.summary, self.folder)

    def write_report(self) -> list[Path]:
        """Write ``out/report.md`` and (re)draw the figures; returns their paths, the report first."""
        from .analysis import write_report

        return write_report(self.summary, self.folder)


def _written_with(folder: ResultsFolder, summary: SweepSummary) -> bool:
    """Whether the tables beside a summary are the ones written with it (a summary from before summaries
    named their tables is taken as it is)."""
    if summary.tables is None:
        return True
    try:
        return all(sha256(folder.path / name) == digest for name, digest in summary.tables.items())
    except OSError:
        return False


@frozen
class Comparison:
    """Sweeps grown separately, each against the first (``emergence compare``): every setting in which
    they differ (``differences``), the verdict ``lines`` and every test (``rows``; ``table``)."""

    labels: tuple[str, ...]
    differences: tuple[str, ...]
    question: str
    lines: tuple[str, ...] = field(repr=False)
    rows: tuple[dict, ...] = field(repr=False)
    report_path: Path | None = None
    title = "compare"

    @property
    def table(self):
        import pandas as pd

        return pd.DataFrame(list(self.rows))


def compare(
    *folders: str | Path,
    allow_different: bool = False,
    out: str | Path | None = None,
    catalogue: Catalogue | None = None,
) -> Comparison:
    """Compare sweeps' folders, each against the first: paired run by run when their run seeds match,
    independent samples otherwise. Sweeps measured differently (steps, windows, burn-in) are refused
    unless ``allow_different``; ``out``: also write its report.md there."""
    from .analysis.folder_cells import compare_folders, sweep_differences
    from .analysis.study_report import write_comparison
    from .analysis.verdicts import comparison_lines

    if len(folders) < 2:
        raise ConfigError("compare needs at least two results folders")
    paths = [Path(f) for f in folders]
    names = [p.name for p in paths]
    labels = names if len(set(names)) == len(names) else [str(p) for p in paths]
    with ExitStack() as held:
        for path in paths:
            results = Results(path, catalogue)  # a results folder, or one line
            held.enter_context(results.folder.lock(reading=True))  # held until compared
            results.summary  # analysed, so that runs.parquet exists
        differences, measurement = sweep_differences(paths, labels)
        if measurement and not allow_different:
            raise ConfigError(
                f"the sweeps are measured differently ({'; '.join(measurement)}): re-read them alike "
                "with `emergence report DIR --windows ... --burn-in ...`, or pass --allow-different"
            )
        rows = compare_folders(paths, labels)
    pairing = "paired (same run seeds)" if all(r["paired"] for r in rows) else "unpaired (run seeds differ)"
    question = f"{len(paths)} sweeps, each against {labels[0]}: {pairing}"
    lines = comparison_lines(rows)
    report = write_comparison(out, Comparison.title, question, lines, rows) if out is not None else None
    return Comparison(tuple(labels), tuple(differences), question, tuple(lines), tuple(rows), report)


def package_version() -> str:
    """The installed emergence's version (``0+unknown`` when run from a checkout that is not installed)."""
    try:
        return version("emergence")
    except PackageNotFoundError:
        return "0+unknown"
