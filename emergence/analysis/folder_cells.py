"""From analysed results folders to the cells of a comparison, and the comparison of separate sweeps.

Two folders are paired when their runs were grown from the same seeds: the same run count and, per run,
the same init seed of twin A and noise seeds of both twins (twin B's init seed differs with ``--init``
by design, and is what such a contrast varies).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..results import ResultsError, ResultsFolder, read_json
from ..results.differences import config_differences
from .comparison import Axis, Cell, adjust, compare_cells
from .summary import SweepSummary

__all__ = ["pairing_key", "folder_cells", "compare_folders", "sweep_differences", "MEASUREMENT"]

# What sets the windows a coupling is measured on: sweeps that differ in one measure different things.
MEASUREMENT = ("steps", "windows", "burn_in")


def pairing_key(manifest: dict) -> tuple:
    """The run seeds two folders must share to be compared run by run."""
    return tuple((s["init_a"], s["noise_a"], s["noise_b"]) for s in manifest["seeds"])


def folder_cells(out: str | Path, levels: dict[str, str]) -> dict[str, Cell]:
    """Metric -> the ``Cell`` of an analysed folder (its runs.parquet), at ``levels`` of the study's axes."""
    out = ResultsFolder(out)
    key = pairing_key(out.manifest())
    try:
        runs = pq.read_table(out.runs_path).to_pandas().sort_values(["metric", "run"])
    except (pa.ArrowException, OSError, KeyError) as err:
        what = "missing" if isinstance(err, FileNotFoundError) else "unreadable or truncated"
        raise ResultsError(f"{out.runs_path}: {what}; rebuild it with `emergence report {out}`") from None
    return {
        metric: Cell(
            levels=levels, pairing=key, activity=group.A_corr_run.to_numpy(), emotion=group.E_corr_run.to_numpy()
        )
        for metric, group in runs.groupby("metric", sort=False)
    }


def compare_folders(folders: list[Path], labels: list[str], seed: int = 0) -> list[dict]:
    """Each folder against the first, for every emotion metric all of them hold (Holm-adjusted rows)."""
    cells = [folder_cells(out, {"sweep": label}) for out, label in zip(folders, labels)]
    metrics = [m for m in cells[0] if all(m in c for c in cells[1:])]
    axis = Axis("sweep", labels)
    rows = []
    for i, metric in enumerate(metrics):
        rows += compare_cells([c[metric] for c in cells], [axis], metric, activity=i == 0, seed=seed)
    return adjust(rows)


def _measured(out: Path) -> dict:
    """A folder's configuration as analysed: its manifest's, with the windows and burn-in its summary used."""
    folder = ResultsFolder(out)
    config = folder.manifest()["config"]
    sweep = SweepSummary.from_json(read_json(folder.summary_path)).sweep
    return {**config, "windows": sweep.windows, "burn_in": sweep.burn_in}


def _grown_on(out: Path) -> dict:
    """What a folder's runs also depend on beyond its configuration (``provenance.machine``), each value
    joined with " + " in sorted order where more than one machine grew it (a run grown with another may
    round differently, and the dynamics make it another draw)."""
    machines = ResultsFolder(out).machines()
    return {key: " + ".join(sorted({str(m.get(key)) for m in machines})) for key in machines[0]}


def sweep_differences(folders: list[Path], labels: list[str]) -> tuple[list[str], list[str]]:
    """(every configuration field in which a folder differs from the first, as ``label: field: a -> b``,
    then what it grew on, as ``label: grown on.what: a -> b``; the ones in ``MEASUREMENT``). ``chunk_size``
    never changes results and is left out."""
    first, first_grown_on = _measured(folders[0]), _grown_on(folders[0])
    lines, measurement = [], []
    for out, label in zip(folders[1:], labels[1:]):
        for line in config_differences(first, _measured(out), ignore=("chunk_size",)):
            lines.append(f"{label}: {line}")
            if line.split(":")[0] in MEASUREMENT:
                measurement.append(lines[-1])
        lines += [f"{label}: grown on.{line}" for line in config_differences(first_grown_on, _grown_on(out))]
    return lines, measurement
