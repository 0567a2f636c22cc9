"""A results folder as an object: every path, name and parse of its layout, in one place.

    DIR/manifest.json            full config, seeds, versions, command line
    DIR/index/chunk-CCC.json     the SHA-256 of every part of chunk C's runs (older folders: DIR/index.json)
    DIR/steps/run-RRRR-part-KKKKK.parquet      per-step records of window KKKKK, tidy (one row per twin and step)
    DIR/snapshots/run-RRRR-part-KKKKK.parquet  whole emotion field every snapshot_every steps of that window,
                                               with W_main_emo's relative change since birth
    DIR/checkpoints/chunk-CCC/step-SSSSSSSS/   both twins of a chunk at one step, committed by COMMIT.json
    DIR/summary.json, DIR/runs.parquet, DIR/controls.parquet, DIR/report.md, DIR/figures/*.png

Every file is written atomically, and every part is verified against the index when read.
``pandas.read_parquet(DIR / "steps")`` reads every run at once.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from attrs import field, frozen

from .index import FolderIndex, grown_on
from .layout import TWINS
from .lock import ChunkLock, FolderLock
from .markers import MARKER, removed, verified_files
from .provenance import manifest_machine
from .storage import TEMP_SUFFIX, ResultsError, read_json

if TYPE_CHECKING:  # pyarrow is imported where a table is read, not by `emergence --help`
    import pyarrow as pa

__all__ = ["ResultsFolder", "ChunkFolder"]

MANIFEST, SUMMARY, RUNS, CONTROLS, REPORT, HTML = (
    "manifest.json",
    "summary.json",
    "runs.parquet",
    "controls.parquet",
    "report.md",
    "report.html",
)
STUDY, COMPARISON = "study.json", "comparison.parquet"  # a study's folder: its conditions' sweeps below it
# What a results folder holds at its top, and the folders whose every file its layout writes.
TOP_FILES = (MANIFEST, "index.json", SUMMARY, RUNS, CONTROLS, REPORT, HTML)
TOP_FOLDERS = ("steps", "snapshots", "checkpoints", "index", "figures")
WRITTEN_FOLDERS = ("steps", "snapshots", "index", "figures", "checkpoints/chunk-*/step-*")
LOCKS = re.compile(r"\.(lock|chunk-\d+\.lock)")
CHUNK, STEP = re.compile(r"chunk-(\d+)"), re.compile(r"step-(\d+)")
# The manifest's config keys the layout and the statistics read, each a positive integer (seed: >= 0).
SWEEP_KEYS = ("runs", "steps", "checkpoint_every", "snapshot_every", "seed")


@frozen
class ResultsFolder:
    """The folder of one sweep (or of a study's analysis): ``ResultsFolder("results/x").manifest()``."""

    path: Path = field(converter=lambda p: Path(p.path if isinstance(p, ResultsFolder) else p))

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __str__(self) -> str:
        return str(self.path)

    # -- its files
    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    @property
    def summary_path(self) -> Path:
        return self.path / SUMMARY

    @property
    def runs_path(self) -> Path:
        return self.path / RUNS

    @property
    def controls_path(self) -> Path:
        return self.path / CONTROLS

    @property
    def report_path(self) -> Path:
        return self.path / REPORT

    @property
    def html_path(self) -> Path:
        return self.path / HTML

    @property
    def study_path(self) -> Path:
        return self.path / STUDY

    @property
    def comparison_path(self) -> Path:
        return self.path / COMPARISON

    def figure(self, name: str) -> Path:
        return self.path / "figures" / f"{name}.png"

    def figures(self) -> list[Path]:
        return sorted((self.path / "figures").glob("*.png"))

    def relative(self, path: Path) -> str:
        return Path(path).relative_to(self.path).as_posix()

    # -- the manifest and summary
    def is_sweep(self) -> bool:
        """Whether the folder holds a sweep (its manifest is written)."""
        return self.manifest_path.exists()

    def is_study(self) -> bool:
        """Whether the folder holds a study's analysis (its conditions' sweeps in folders below it)."""
        return self.study_path.exists()

    def require_sweep(self) -> ResultsFolder:
        """The folder, or a ResultsError saying it is not a results folder."""
        if not self.is_sweep():
            raise ResultsError(f"{self.path}: no {MANIFEST}; not a results folder")
        return self

    def manifest(self) -> dict:
        """The folder's manifest; a missing one, or one without the sweep's sizes, is a ResultsError."""
        path = self.require_sweep().manifest_path
        manifest = read_json(path)
        config = manifest.get("config") if isinstance(manifest, dict) else None
        if not isinstance(config, dict):
            raise ResultsError(f"{path}: not a sweep manifest (no 'config' object); the file is damaged")
        for key in SWEEP_KEYS:
            value = config.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < (0 if key == "seed" else 1):
                raise ResultsError(
                    f"{path}: config.{key} must be a positive integer, got {value!r}; the file is damaged"
                )
        return manifest

    def growth(self) -> list[dict]:
        """Where each chunk's steps grew: ``{"runs": [first, last], "from", "to", "machine"}`` in chunk order
        (``provenance.machine``); steps grown before chunks recorded it are the manifest's machine, the one
        that started the folder (a stand-in where an executor grew them elsewhere)."""
        manifest = self.manifest()
        runs, size, steps = manifest["config"]["runs"], manifest.get("chunk_size") or 1, manifest["config"]["steps"]
        recorded, started = grown_on(self.path), manifest_machine(manifest)
        found = []
        for chunk, first in enumerate(range(0, runs, size)):
            spans = recorded.get(chunk, [])
            if not spans or spans[0]["from"] > 0:
                spans = [{"from": 0, "to": spans[0]["from"] if spans else steps, "machine": started}, *spans]
            found += [{"runs": [first, min(first + size, runs) - 1], **span} for span in spans]
        return found

    def machines(self) -> list[dict]:
        """Every machine in ``growth``, once each, in the order they appear there."""
        found = []
        for span in self.growth():
            found += [span["machine"]] if span["machine"] not in found else []
        return found

    def summary(self) -> dict | None:
        """summary.json as written (None: not analysed yet)."""
        return read_json(self.summary_path) if self.summary_path.exists() else None

    # -- the recorded parts
    def step_part(self, run: int, part: int) -> Path:
        return self.path / "steps" / f"run-{run:04d}-part-{part:05d}.parquet"

    def snapshot_part(self, run: int, part: int) -> Path:
        return self.path / "snapshots" / f"run-{run:04d}-part-{part:05d}.parquet"

    def window_parts(self, config: dict, run: int, window: int) -> list[Path]:
        """The parts of one run's window: its steps, and its snapshots if a snapshot step falls in it."""
        C, every = config["checkpoint_every"], config["snapshot_every"]
        first_snapshot = -(-window * C // every) * every
        parts = [self.step_part(run, window)]
        return parts + [self.snapshot_part(run, window)] if first_snapshot < (window + 1) * C else parts

    def expected_parts(self, config: dict, runs: range | list[int] | None = None) -> list[Path]:
        """Every part a finished sweep of ``config`` holds (of ``runs``; default all), run by run, window by window."""
        windows = config["steps"] // config["checkpoint_every"]
        runs = range(config["runs"]) if runs is None else runs
        return [p for run in runs for w in range(windows) for p in self.window_parts(config, run, w)]

    def read_steps(self) -> pa.Table:
        """Every per-step record of the folder, each part verified, sorted by run, twin and step."""
        return self._read_parts("steps")

    def read_snapshots(self) -> pa.Table:
        """Every emotion snapshot of the folder, each part verified, sorted by run, twin and step."""
        return self._read_parts("snapshots")

    def _read_parts(self, kind: str) -> pa.Table:
        import pyarrow as pa
        import pyarrow.parquet as pq

        index = self.index()
        paths = [p for p in self.expected_parts(self.manifest()["config"]) if p.parent.name == kind]
        missing = [p for p in paths if not p.exists()]
        if missing and len(missing) == len(paths):
            raise ResultsError(f"{self.path / kind}: no parts; the sweep has not recorded anything yet")
        if len(missing) > 1:
            raise ResultsError(
                f"{self.path}: {len(missing)} of {len(paths)} {kind} parts missing (first: "
                f"{missing[0].name}); the sweep is unfinished (re-run the same command to resume)"
            )
        tables = []
        for path in paths:
            try:
                tables.append(pq.read_table(index.verified(path)))
            except (pa.ArrowException, OSError) as err:
                raise ResultsError(f"{path}: unreadable or truncated Parquet file ({err})") from None
        table = pa.concat_tables(tables, promote_options="default")  # parts from before a column: null there
        return table.sort_by([("run", "ascending"), ("twin", "ascending"), ("step", "ascending")])

    def index(self) -> FolderIndex:
        """Every index of the folder merged, to verify parts against."""
        return FolderIndex.load(self.path)

    def lock(self, reading: bool = False) -> FolderLock:
        """``with folder.lock():`` this process alone writes the folder (``reading``: a reader's hold)."""
        return FolderLock(self.path, reading)

    # -- checkpoints
    def chunk(self, number: int) -> ChunkFolder:
        return ChunkFolder(self, number)

    def chunks(self) -> list[ChunkFolder]:
        """The chunks that hold checkpoints, in order."""
        found = (CHUNK.fullmatch(p.name) for p in (self.path / "checkpoints").glob("chunk-*"))
        return [self.chunk(n) for n in sorted(int(m.group(1)) for m in found if m)]

    # -- what else it holds
    def remove_leftovers(self) -> list[Path]:
        """Remove what interrupted writes left: the layout's temporaries and checkpoint directories
        without their commit marker; returns them. A user's files beside them are never touched."""
        found = [p for p in self.path.iterdir() if p.is_file() and _top_temporary(p.name)] if self.path.is_dir() else []
        for pattern in WRITTEN_FOLDERS:
            for folder in self.path.glob(pattern):
                found += [p for p in folder.glob(f".*{TEMP_SUFFIX}") if p.is_file()]
        for path in found:
            path.unlink(missing_ok=True)
        uncommitted = [d for d in self.path.glob("checkpoints/chunk-*/step-*") if not (d / MARKER).exists()]
        for folder in uncommitted:
            removed(folder)
        return found + uncommitted

    def foreign_entries(self) -> list[str]:
        """The names at its top that no results folder writes (none: missing, empty, or holding only
        what a sweep interrupted before its manifest wrote)."""
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if not _written(p.name))

    # -- its check
    def problems(self, checkpoints: bool = True) -> list[str]:
        """One line per problem (empty: every expected part present and matching the index, and, with
        ``checkpoints``, every committed checkpoint matching its marker)."""
        try:
            config = self.manifest()["config"]
            index = self.index()
        except ResultsError as err:
            return [str(err)]
        found = ((path, index.problem(path)) for path in self.expected_parts(config))  # each part hashed once
        problems = [f"{self.relative(path)}: {problem}" for path, problem in found if problem]
        for chunk in self.chunks() if checkpoints else []:
            for _, directory in chunk.committed():
                try:
                    verified_files(directory, TWINS)
                except ResultsError as err:
                    problems.append(str(err).replace(f"{self.path}/", "", 1))
        return problems

    def problems_line(self, problems: list[str]) -> str:
        """The folder's problems in one line, with what to do."""
        more = f" (and {len(problems) - 1} more: `emergence check {self}` lists them)" if len(problems) > 1 else ""
        return f"{self}: {problems[0]}{more}; re-run the sweep's command to resume and rebuild what is missing"


@frozen
class ChunkFolder:
    """One chunk's checkpoints: ``checkpoints/chunk-CCC/step-SSSSSSSS/``, each committed by its marker."""

    folder: ResultsFolder
    number: int

    @property
    def path(self) -> Path:
        return self.folder.path / "checkpoints" / f"chunk-{self.number:03d}"

    def step_dir(self, step: int) -> Path:
        return self.path / f"step-{step:08d}"

    def committed(self) -> list[tuple[int, Path]]:
        """The chunk's committed checkpoint directories as (step, path), newest first."""
        found = ((STEP.fullmatch(d.name), d) for d in self.path.glob("step-*") if (d / MARKER).exists())
        return sorted(((int(m.group(1)), d) for m, d in found if m), reverse=True)

    def grown(self) -> int:
        """The step of its newest committed checkpoint (0: none)."""
        newest = self.committed()
        return newest[0][0] if newest else 0

    def remove(self) -> None:
        """Remove every checkpoint of the chunk (a finished chunk under ``--keep-checkpoints none``)."""
        removed(self.path)

    def lock(self) -> ChunkLock:
        """``with chunk.lock():`` this process alone grows the chunk."""
        return ChunkLock(self.folder.path, self.number)

    def index(self, say) -> FolderIndex:
        """The index the chunk's grower checks its parts against and records into."""
        return FolderIndex.for_chunk(self.folder.path, self.number, say)


def _top_temporary(name: str) -> bool:
    """Whether ``name`` is the temporary of an atomic write of one of the top files."""
    return name.endswith(TEMP_SUFFIX) and any(name.startswith(f".{target}.") for target in TOP_FILES)


def _written(name: str) -> bool:
    """Whether a results folder writes ``name`` at its top."""
    return name in TOP_FILES + TOP_FOLDERS or bool(LOCKS.fullmatch(name)) or _top_temporary(name)
