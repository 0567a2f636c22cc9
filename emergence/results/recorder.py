"""The recorder: per-step scalars and emotion snapshots of a chunk of twin pairs, written per window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import torch

from ..contract import Agent
from .folder import ResultsFolder
from .layout import BOOLEAN_COLUMNS, STEP_COLUMNS, TWINS, write_table
from .storage import ResultsError

__all__ = ["Recorder", "RECORDED", "NotFinite"]

# The per-step columns read from the agents (the rest of STEP_COLUMNS say which run, twin and step).
RECORDED = STEP_COLUMNS[3:]
# |a| above this counts as saturated (tanh fields: within 1 % of their bound).
SATURATED = 0.99


class NotFinite(ResultsError):
    """A recorded value is not finite: the agents left the range of floating point, and a re-run of the
    same sweep would stop at the same step."""


class Recorder:
    """Per-step scalars of each twin of the chunk's ``runs`` (``RECORDED``), and the whole emotion field
    every ``snapshot_every`` steps; ``flush(part)`` writes window ``part`` (``window`` steps) per run."""

    def __init__(self, runs: list[int], folder: ResultsFolder, window: int, snapshot_every: int):
        self.runs, self.folder, self.window, self.snapshot_every = runs, folder, window, snapshot_every
        self.columns = {
            twin: {name: torch.zeros(len(runs), window, dtype=torch.float64) for name in RECORDED} for twin in TWINS
        }
        self.snapshots: dict[str, list[tuple[int, torch.Tensor, torch.Tensor]]] = {twin: [] for twin in TWINS}

    def record(self, step: int, twins: dict[str, Agent]) -> None:
        k = step % self.window
        for twin, agent in twins.items():
            columns = self.columns[twin]
            columns["activity"][:, k] = agent.activity
            columns["emotion"][:, k] = agent.emotion.mean(dim=1)
            columns["emotion_var"][:, k] = agent.emotion.var(dim=1, correction=0)
            columns["energy"][:, k] = agent.energy
            columns["awake"][:, k] = agent.awake
            magnitude = agent.main.abs()
            columns["main_abs"][:, k] = magnitude.mean(dim=1)
            columns["main_saturated"][:, k] = (magnitude > SATURATED).to(torch.float64).mean(dim=1)
            columns["nudged"][:, k] = agent.nudged
            for name, values in getattr(agent, "channels", {}).items():  # a substrate's own readouts (rl: valence)
                if name not in columns:
                    columns[name] = torch.zeros(len(self.runs), self.window, dtype=torch.float64)
                columns[name][:, k] = values
            if step % self.snapshot_every == 0:
                self.snapshots[twin].append(
                    (
                        step,
                        agent.emotion.detach().to("cpu", torch.float32).clone(),
                        agent.w_main_emo_change.to("cpu", torch.float64),
                    )
                )

    def check_finite(self, part: int) -> None:
        """A NotFinite naming the first run, twin, column and step of window ``part`` that is not finite."""
        for twin in TWINS:
            for name, values in self.columns[twin].items():
                bad = (~torch.isfinite(values)).nonzero()
                if len(bad):
                    i, k = bad[0].tolist()
                    raise NotFinite(
                        f"run {self.runs[i]}, twin {twin}: {name} is not finite at step {part * self.window + k}; "
                        "the sweep stopped (the configuration drives the agent out of range)"
                    )

    def flush(self, part: int) -> list[Path]:
        """Write window ``part`` (steps part*window .. (part+1)*window - 1) of every run of the chunk; returns
        the parts written. A non-finite record stops it before anything is written."""
        self.check_finite(part)
        C = self.window
        written = []
        steps = np.arange(part * C, (part + 1) * C, dtype=np.int64)
        for i, run in enumerate(self.runs):
            recorded = list(self.columns[TWINS[0]])  # RECORDED, then the substrate's channels
            rows = {name: [] for name in (*STEP_COLUMNS[:3], *recorded)}
            snap = {"run": [], "twin": [], "step": [], "field": [], "w_main_emo_change": []}
            for twin in TWINS:
                columns = self.columns[twin]
                rows["run"].append(np.full(C, run, dtype=np.int32))
                rows["twin"].append(np.full(C, twin))
                rows["step"].append(steps)
                for name in recorded:
                    values = columns[name][i].numpy()
                    rows[name].append(values.astype(bool) if name in BOOLEAN_COLUMNS else values.copy())
                for step, field, change in self.snapshots[twin]:
                    snap["run"].append(run)
                    snap["twin"].append(twin)
                    snap["step"].append(step)
                    snap["field"].append(field[i].numpy())
                    snap["w_main_emo_change"].append(float(change[i]))
            table = pa.table({name: np.concatenate(parts) for name, parts in rows.items()})
            written.append(write_table(self.folder.step_part(run, part), table))
            if snap["step"]:
                snaps = pa.table(
                    {
                        "run": pa.array(snap["run"], pa.int32()),
                        "twin": pa.array(snap["twin"]),
                        "step": pa.array(snap["step"], pa.int64()),
                        "field": pa.array([f.tolist() for f in snap["field"]], pa.list_(pa.float32())),
                        "w_main_emo_change": pa.array(snap["w_main_emo_change"], pa.float64()),
                    }
                )
                written.append(write_table(self.folder.snapshot_part(run, part), snaps))
        self.snapshots = {twin: [] for twin in TWINS}
        return written
