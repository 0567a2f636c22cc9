"""The Python face of the command line: build agents, run a protocol's sweep, load its results.

    import emergence
    results = emergence.twins(a="hrls", b="surge", preset="small", runs=2, out="results/x").run()
    results.runs            # pandas DataFrame: A_corr_run, E_corr_run per run and metric
    emergence.load("results/x").report()

The command line calls the same functions, so a folder grown from Python resumes from the shell and
the other way round.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from .host import DEFAULT_SUBSTRATE, Catalogue, installed
from .results import ResultsFolder, sha256

__all__ = ["preset", "protocol", "twins", "load", "Results"]


def preset(name: str, *, substrate: str = DEFAULT_SUBSTRATE, **overrides: Any) -> Any:
    """The agent config of the named preset of ``substrate`` (``small``, ``paper``), with ``overrides``."""
    return installed().substrates[substrate].preset(name, **overrides)


def protocol(name: str, **options: Any) -> Any:
    """The sweep of the registered protocol ``name`` with ``options`` (those of its command line, as
    keyword arguments); ``.run()`` grows it and returns its ``Results``."""
    return installed().protocols[name].sweep(**options)


def twins(**options: Any) -> Any:
    """A Twins sweep: ``twins(a="hrls", b="surge", preset="small", runs=8, steps=2000, out=DIR, ...)``
    takes every option of ``emergence protocol twins`` (``n_main=``, ``init="different"``,
    ``device="cuda"``, ...). ``.run(progress=True)`` grows it, resuming a partial folder."""
    return protocol("twins", **options)


def load(out: str | Path, catalogue: Catalogue | None = None) -> Results:
    """The results of a sweep's folder (``emergence report DIR`` from Python)."""
    return Results(out, catalogue)


class Results:
    """A results folder, read: its summary and its tables as pandas DataFrames.

    ``summary`` is ``summary.json`` (computed from the folder's data if the sweep never got that far);
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
    def summary(self) -> dict:
        """summary.json; the folder analysed again when there is none, or when its tables are not those
        written with it (an analysis stopped between its writes)."""
        summary = self.folder.summary()
        return summary if summary is not None and _written_with(self.folder, summary) else self.analyse()

    def analyse(self, emotion_metrics: tuple[str, ...] = (), *, windows: str | None = None,
                burn_in: int | None = None) -> dict:
        """Recompute the statistics from the recorded data (adding ``emotion_metrics``; on ``windows``
        after ``burn_in`` steps, None: the sweep's own), and keep them."""
        from .analysis import analyse  # scipy: not imported by `emergence --help`

        substrate = self.catalogue.substrates[self.manifest.get("substrate", DEFAULT_SUBSTRATE)]
        self.__dict__["summary"] = analyse(self.folder, self.catalogue.metrics, emotion_metrics or None,
                                           bounded="main" in substrate.bounded,
                                           preset=substrate.nearest_preset(self.manifest["config"]["agent"]),
                                           windows=windows, burn_in=burn_in)
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


def _written_with(folder: ResultsFolder, summary: Any) -> bool:
    """Whether the tables beside a summary are the ones written with it (a summary from before summaries
    named their tables is taken as it is)."""
    tables = summary.get("tables") if isinstance(summary, dict) else None
    if not isinstance(tables, dict):
        return True
    try:
        return all(sha256(folder.path / name) == digest for name, digest in tables.items())
    except OSError:
        return False
