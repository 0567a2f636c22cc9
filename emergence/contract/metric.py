"""The emotion-metric interface: from one run's recorded emotion data to a scalar series per twin.

The recorder keeps, for every step, the mean and the variance of each twin's emotion field, and the
whole field every ``snapshot_every`` steps. A metric reads what it needs from an ``EmotionData`` per twin
and returns one scalar series per twin on a common step axis, so the twins statistics apply unchanged.
Metrics are computed from saved data only, so a metric computed during a run and one recomputed later
from the results folder are the same computation.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from attrs import field, frozen

__all__ = ["EmotionData", "EmotionMetric", "PerTwinMetric"]


def _array(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


@frozen
class EmotionData:
    """One twin's recorded emotion data over one run."""

    steps: np.ndarray = field(converter=np.asarray)  # (T,) step index of each per-step record
    mean: np.ndarray = field(converter=_array)  # (T,) mean of the emotion field
    var: np.ndarray = field(converter=_array)  # (T,) variance of the emotion field
    snapshot_steps: np.ndarray = field(converter=np.asarray)  # (S,) steps of the snapshots
    snapshots: np.ndarray = field(converter=_array)  # (S, n_emo) the whole field at those steps


class EmotionMetric(Protocol):
    """A way to read "emotion" from the recorded data.

    ``uses_snapshots`` says whether it works from field snapshots (every ``snapshot_every`` steps) rather
    than from every step; the report says so beside its figures.
    """

    name: str
    description: str
    uses_snapshots: bool

    def series(self, a: EmotionData, b: EmotionData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(steps, series of twin A, series of twin B), three arrays of one length."""


class PerTwinMetric:
    """Base for metrics that read each twin on its own: subclasses define ``one(data) -> (steps, values)``."""

    name = ""
    description = ""
    uses_snapshots = False

    def one(self, data: EmotionData) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def series(self, a: EmotionData, b: EmotionData):
        steps_a, values_a = self.one(a)
        steps_b, values_b = self.one(b)
        if not np.array_equal(steps_a, steps_b):
            raise ValueError(f"metric {self.name!r}: twins were recorded on different steps")
        return steps_a, values_a, values_b
