"""The tables of a results folder: the per-step columns, their writer, and readers that turn them
into arrays (where each file lives: ``folder.ResultsFolder``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..contract.metric import EmotionData
from .storage import ResultsError, atomic_write

if TYPE_CHECKING:  # pyarrow is imported where a table is read or written, not by `emergence --help`
    import pyarrow as pa

__all__ = ["STEP_COLUMNS", "BOOLEAN_COLUMNS", "TWINS", "write_table", "run_arrays", "emotion_data"]

STEP_COLUMNS = (
    "run",
    "twin",
    "step",
    "activity",
    "emotion",
    "emotion_var",
    "energy",
    "awake",
    "main_abs",
    "main_saturated",
    "nudged",
)
BOOLEAN_COLUMNS = ("awake", "nudged")
TWINS = ("A", "B")


def write_table(path: Path, table: pa.Table) -> Path:
    import pyarrow.parquet as pq

    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def run_arrays(steps: pa.Table, runs: int, length: int, column: str) -> dict[str, np.ndarray]:
    """``{"A": (runs, length), "B": (runs, length)}`` of one column; a missing step is an error."""
    import pyarrow.compute as pc

    data = {}
    for twin in TWINS:
        rows = steps.filter(pc.equal(steps["twin"], twin))
        values = rows[column].to_numpy().astype(np.float64)
        if values.size != runs * length:
            raise ResultsError(
                f"steps: expected {runs} runs x {length} steps for twin {twin}, found {values.size} records; "
                "the sweep is unfinished (re-run the same command to resume)"
            )
        data[twin] = values.reshape(runs, length)
    return data


def emotion_data(steps: pa.Table, snapshots: pa.Table, run: int, twin: str) -> EmotionData:
    """One twin's recorded emotion data for one run."""
    import pyarrow.compute as pc

    rows = steps.filter(pc.and_(pc.equal(steps["run"], run), pc.equal(steps["twin"], twin)))
    snaps = snapshots.filter(pc.and_(pc.equal(snapshots["run"], run), pc.equal(snapshots["twin"], twin)))
    field = np.stack(snaps["field"].to_numpy(zero_copy_only=False)) if snaps.num_rows else np.zeros((0, 0))
    return EmotionData(
        steps=rows["step"].to_numpy(),
        mean=rows["emotion"].to_numpy(),
        var=rows["emotion_var"].to_numpy(),
        snapshot_steps=snaps["step"].to_numpy(),
        snapshots=field,
    )
