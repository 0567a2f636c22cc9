"""Trailing sliding windows over a per-step series, shared by the temporal emotion metrics.

The value at step t summarises the ``window`` records ending at t; a window-metric's series starts at
its first full window (the warm-up is trimmed, never padded) and advances by ``hop`` records. Windows
are evaluated in chunks, so memory stays bounded for long runs (T = 50,000 and more).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from emergence.contract import EmotionData, PerTwinMetric

__all__ = ["rolling", "constant_rows", "WindowMetric"]

CHUNK_ELEMENTS = 1 << 22  # window values evaluated at once (~32 MiB of float64)


def rolling(x: np.ndarray, window: int, hop: int, reduce: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``reduce`` applied to every trailing window of ``x`` (rows of an (n, window) view), one value each."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    if len(x) < window:
        return np.empty(0)
    view = sliding_window_view(x, window)[::hop]
    rows = max(1, CHUNK_ELEMENTS // window)
    return np.concatenate([reduce(view[i : i + rows]) for i in range(0, len(view), rows)])


def constant_rows(windows: np.ndarray) -> np.ndarray:
    """Rows whose values are all equal: statistics of shape (correlation, spectrum) are undefined there."""
    return np.ptp(windows, axis=-1) == 0


class WindowMetric(PerTwinMetric):
    """A per-twin metric that reduces trailing windows of one per-step series.

    Subclasses are attrs classes with ``window`` and ``hop`` fields and define ``source(data) -> (steps,
    x)`` and ``reduce(windows) -> values``. The output steps are the last step of each window.
    """

    window: int
    hop: int

    def source(self, data: EmotionData) -> tuple[np.ndarray, np.ndarray]:
        return data.steps, data.mean

    def reduce(self, windows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def one(self, data: EmotionData):
        steps, x = self.source(data)
        return np.asarray(steps)[self.window - 1 :: self.hop], rolling(x, self.window, self.hop, self.reduce)
