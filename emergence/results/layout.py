"""The results folder of a paired-agent sweep: layout, writers and readers.

    DIR/manifest.json            full config, seeds, versions, command line
    DIR/index/chunk-CCC.json     the SHA-256 of every part of chunk C's runs (older folders: DIR/index.json)
    DIR/steps/run-RRRR-part-KKKKK.parquet      per-step records of window KKKKK, tidy (one row per twin and step)
    DIR/snapshots/run-RRRR-part-KKKKK.parquet  whole emotion field every snapshot_every steps of that window,
                                               with W_main_emo's relative change since birth
    DIR/checkpoints/chunk-CCC/step-SSSSSSSS/   both twins of a chunk at one step, committed by COMMIT.json
    DIR/summary.json, DIR/runs.parquet, DIR/controls.parquet, DIR/figures/*.png

Every file is written atomically, and every part is verified against the index when read.
``pandas.read_parquet(DIR / "steps")`` reads every run at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..contract.metric import EmotionData
from .index import FolderIndex
from .storage import ResultsError, atomic_write, read_json

if TYPE_CHECKING:  # pyarrow is imported where a table is read or written, not by `emergence --help`
    import pyarrow as pa

__all__ = [
    "STEP_COLUMNS", "BOOLEAN_COLUMNS", "write_table", "step_part_path", "snapshot_part_path", "read_steps", "read_snapshots",
    "run_arrays", "emotion_data", "read_manifest", "window_parts", "expected_parts",
]

STEP_COLUMNS = (
    "run", "twin", "step", "activity", "emotion", "emotion_var", "energy", "awake", "main_abs", "main_saturated",
    "nudged",
)
BOOLEAN_COLUMNS = ("awake", "nudged")
TWINS = ("A", "B")


def step_part_path(out: Path, run: int, part: int) -> Path:
    return Path(out) / "steps" / f"run-{run:04d}-part-{part:05d}.parquet"


def snapshot_part_path(out: Path, run: int, part: int) -> Path:
    return Path(out) / "snapshots" / f"run-{run:04d}-part-{part:05d}.parquet"


def write_table(path: Path, table: pa.Table) -> Path:
    import pyarrow.parquet as pq

    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


# The manifest's config keys the layout and the statistics read, with their type.
SWEEP_KEYS = ("runs", "steps", "checkpoint_every", "snapshot_every", "seed")


def read_manifest(out: Path) -> dict:
    """The folder's manifest; a missing one, or one without the sweep's sizes, is a ResultsError."""
    path = Path(out) / "manifest.json"
    if not path.exists():
        raise ResultsError(f"{path}: no manifest; {out} is not a results folder")
    manifest = read_json(path)
    config = manifest.get("config") if isinstance(manifest, dict) else None
    if not isinstance(config, dict):
        raise ResultsError(f"{path}: not a sweep manifest (no 'config' object); the file is damaged")
    for key in SWEEP_KEYS:
        value = config.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if key == "seed" else 1):
            raise ResultsError(f"{path}: config.{key} must be a positive integer, got {value!r}; the file is damaged")
    return manifest


def window_parts(out: Path, config: dict, run: int, window: int) -> list[Path]:
    """The parts of one run's window: its steps, and its snapshots if a snapshot step falls in it."""
    C, every = config["checkpoint_every"], config["snapshot_every"]
    first_snapshot = -(-window * C // every) * every
    parts = [step_part_path(out, run, window)]
    return parts + [snapshot_part_path(out, run, window)] if first_snapshot < (window + 1) * C else parts


def expected_parts(out: Path, config: dict, runs: range | list[int] | None = None) -> list[Path]:
    """Every part a finished sweep of ``config`` holds (of ``runs``; default all), run by run, window by window."""
    windows = config["steps"] // config["checkpoint_every"]
    runs = range(config["runs"]) if runs is None else runs
    return [p for run in runs for w in range(windows) for p in window_parts(out, config, run, w)]


def _read_parts(out: Path, kind: str) -> pa.Table:
    """Every part of ``kind`` ("steps" or "snapshots") a finished sweep holds, each verified first."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    config = read_manifest(out)["config"]
    index = FolderIndex.load(out)
    paths = [p for p in expected_parts(out, config) if p.parent.name == kind]
    missing = [p for p in paths if not p.exists()]
    if missing and len(missing) == len(paths):
        raise ResultsError(f"{out / kind}: no parts; the sweep has not recorded anything yet")
    if len(missing) > 1:
        raise ResultsError(f"{out}: {len(missing)} of {len(paths)} {kind} parts missing (first: {missing[0].name}); "
                           "the sweep is unfinished (re-run the same command to resume)")
    tables = []
    for path in paths:
        try:
            tables.append(pq.read_table(index.verified(path)))
        except (pa.ArrowException, OSError) as err:
            raise ResultsError(f"{path}: unreadable or truncated Parquet file ({err})") from None
    return pa.concat_tables(tables, promote_options="default")  # parts from before a column: null there


def read_steps(out: Path) -> pa.Table:
    """Every per-step record of the folder, sorted by run, twin and step."""
    return _read_parts(out, "steps").sort_by([("run", "ascending"), ("twin", "ascending"), ("step", "ascending")])


def read_snapshots(out: Path) -> pa.Table:
    return _read_parts(out, "snapshots").sort_by([("run", "ascending"), ("twin", "ascending"), ("step", "ascending")])


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
