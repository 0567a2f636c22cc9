"""What every figure shares: saving atomically, and histogram bins suited to the number of runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..results import atomic_write

__all__ = ["save", "histogram_bins"]


def save(fig, path: Path) -> Path:
    """Write ``fig`` as PNG to ``path`` (atomically) and close it."""
    import matplotlib.pyplot as plt

    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png"))
    plt.close(fig)
    return path


def histogram_bins(values, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """Bin edges over [low, high]: about sqrt(n) bins (at least 4, at most 30), snapped to the data's range
    so that a few runs still fill several bins."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    n = int(np.clip(np.ceil(np.sqrt(v.size)) + 1, 4, 30))
    if v.size and np.ptp(v) > 0:
        pad = 0.1 * np.ptp(v)
        low, high = max(low, v.min() - pad), min(high, v.max() + pad)
    return np.linspace(low, high, n + 1)
