"""The results folder of a paired-agent sweep: layout, writers and readers.

    DIR/manifest.json            full config, seeds, versions, command line
    DIR/steps/run-RRRR-part-KKKKK.parquet      per-step records, tidy (one row per twin and step)
    DIR/snapshots/run-RRRR-part-KKKKK.parquet  whole emotion field every snapshot_every steps
    DIR/checkpoints/chunk-CCC-{A,B}.safetensors the latest state of each population chunk
    DIR/summary.json, DIR/runs.parquet, DIR/controls.parquet, DIR/figures/*.png

Every file is written atomically. ``pandas.read_parquet(DIR / "steps")`` reads every run at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..contract.metric import EmotionData
from .storage import ResultsError, atomic_write, read_json

__all__ = [
    "STEP_COLUMNS", "write_table", "step_part_path", "snapshot_part_path", "read_steps", "read_snapshots",
    "run_arrays", "emotion_data", "read_manifest",
]

STEP_COLUMNS = (
    "run", "twin", "step", "activity", "emotion", "emotion_var", "energy", "awake", "main_abs", "main_saturated",
)
TWINS = ("A", "B")


def step_part_path(out: Path, run: int, part: int) -> Path:
    return Path(out) / "steps" / f"run-{run:04d}-part-{part:05d}.parquet"


def snapshot_part_path(out: Path, run: int, part: int) -> Path:
    return Path(out) / "snapshots" / f"run-{run:04d}-part-{part:05d}.parquet"


def write_table(path: Path, table: pa.Table) -> Path:
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def read_manifest(out: Path) -> dict:
    path = Path(out) / "manifest.json"
    if not path.exists():
        raise ResultsError(f"{path}: no manifest; {out} is not a results folder")
    return read_json(path)


def _read_folder(folder: Path) -> pa.Table:
    files = sorted(folder.glob("*.parquet"))
    if not files:
        raise ResultsError(f"{folder}: no Parquet files; the sweep has not recorded anything yet")
    tables = []
    for path in files:
        try:
            tables.append(pq.read_table(path))
        except (pa.ArrowException, OSError) as err:
            raise ResultsError(f"{path}: unreadable or truncated Parquet file ({err})") from None
    return pa.concat_tables(tables)


def read_steps(out: Path) -> pa.Table:
    """Every per-step record of the folder, sorted by run, twin and step."""
    return _read_folder(Path(out) / "steps").sort_by([("run", "ascending"), ("twin", "ascending"), ("step", "ascending")])


def read_snapshots(out: Path) -> pa.Table:
    return _read_folder(Path(out) / "snapshots").sort_by([("run", "ascending"), ("twin", "ascending"), ("step", "ascending")])


def run_arrays(steps: pa.Table, runs: int, length: int, column: str) -> dict[str, np.ndarray]:
    """``{"A": (runs, length), "B": (runs, length)}`` of one column; a missing step is an error."""
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
