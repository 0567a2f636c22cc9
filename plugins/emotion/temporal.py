"""Temporal structure of the per-step mean series over trailing sliding windows.

Every metric here needs only ``mean`` (every step). Records are taken as one step apart, so frequencies
are in cycles per step and lags and intervals in steps. A window-metric's series starts at its first full
window; where a window's value is undefined (a flat window for a shape statistic, too few events for
burstiness) the value is NaN, the same for both twins' computation.
"""

from __future__ import annotations

import numpy as np
from attrs import field, frozen
from scipy.signal import welch

from emergence.config import ConfigError, finite, positive_int, to_float
from emergence.contract import EmotionData

from .windows import WindowMetric, constant_rows

__all__ = ["SpectralCentroid", "Autocorrelation", "Volatility", "Burstiness"]


def _below_window(instance, attribute, value):
    if value > instance.window - 2:
        raise ConfigError(f"{attribute.name}={value} leaves fewer than 2 pairs in a window of {instance.window}")


def _fits_window(instance, attribute, value):
    if value > instance.window:
        raise ConfigError(f"{attribute.name}={value} exceeds window={instance.window}")


@frozen
class SpectralCentroid(WindowMetric):
    """Spectral centroid of the mean series in each window: sum(f P(f)) / sum(P(f)), f in cycles per step.

    P is Welch's power spectral density of the window (``scipy.signal.welch``: Hann segments of
    ``nperseg`` records, half overlap, each segment's mean removed), so the centroid lies in [0, 0.5].
    A flat window has no spectrum: NaN.
    """

    window: int = field(default=256, validator=positive_int)
    hop: int = field(default=1, validator=positive_int)
    nperseg: int = field(default=64, validator=[positive_int, _fits_window])

    name = "spectral"

    @property
    def description(self) -> str:
        return f"spectral centroid (cycles/step) of the mean over {self.window}-step windows (Welch, {self.nperseg})"

    def reduce(self, windows):
        freqs, power = welch(windows, fs=1.0, nperseg=self.nperseg, axis=-1)
        total = power.sum(axis=-1)
        flat = constant_rows(windows) | (total <= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(flat, np.nan, power @ freqs / total)


@frozen
class Autocorrelation(WindowMetric):
    """Lag-``lag`` autocorrelation of the mean series in each window.

    The Pearson correlation of the window's pairs (x_i, x_{i+lag}), each side centred on its own mean, so a
    sine whose period divides ``window - lag`` gives exactly cos(2 pi lag / period). Lag 1 with rolling
    windows is the usual early-warning indicator. A window with a flat side: NaN.
    """

    window: int = field(default=256, validator=positive_int)
    hop: int = field(default=1, validator=positive_int)
    lag: int = field(default=1, validator=[positive_int, _below_window])

    name = "autocorr"

    @property
    def description(self) -> str:
        return f"lag-{self.lag} autocorrelation of the mean over {self.window}-step windows"

    def reduce(self, windows):
        head, tail = windows[:, : -self.lag], windows[:, self.lag :]
        head = head - head.mean(axis=-1, keepdims=True)
        tail = tail - tail.mean(axis=-1, keepdims=True)
        denom = np.sqrt((head * head).sum(axis=-1) * (tail * tail).sum(axis=-1))
        flat = constant_rows(windows[:, : -self.lag]) | constant_rows(windows[:, self.lag :]) | (denom <= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.clip((head * tail).sum(axis=-1) / denom, -1.0, 1.0)
        return np.where(flat, np.nan, r)


@frozen
class Volatility(WindowMetric):
    """Rolling standard deviation (ddof 0) of the increments x_t - x_{t-1} of the mean series.

    Each window holds ``window`` increments, so the first value is at record index ``window`` (the first
    ``window`` records are the warm-up). Always defined: a flat or linear stretch gives 0.
    """

    window: int = field(default=256, validator=positive_int)
    hop: int = field(default=1, validator=positive_int)

    name = "volatility"

    @property
    def description(self) -> str:
        return f"SD of the mean's per-step increments over {self.window}-step windows"

    def source(self, data: EmotionData):
        return np.asarray(data.steps)[1:], np.diff(data.mean)

    def reduce(self, windows):
        return windows.std(axis=-1)


@frozen
class Burstiness(WindowMetric):
    """Goh-Barabasi burstiness B = (sigma - mu) / (sigma + mu) of inter-event intervals in each window.

    Events are upward crossings of the window's own threshold theta = mean + ``threshold`` * SD (ddof 0):
    records i with x_{i-1} < theta <= x_i, both in the window. mu and sigma (ddof 0) are the mean and SD of
    the intervals between consecutive events. B is -1 for periodic events, ~0 for Poisson-like ones and
    tends to 1 for bursts. A window with fewer than 2 intervals (3 events) has no B: NaN.
    """

    window: int = field(default=512, validator=positive_int)
    hop: int = field(default=1, validator=positive_int)
    threshold: float = field(default=1.0, converter=to_float, validator=finite)

    name = "burstiness"

    @property
    def description(self) -> str:
        return (
            f"burstiness of upward crossings of mean + {self.threshold:g} SD, "
            f"over {self.window}-step windows (NaN: < 3 events)"
        )

    def reduce(self, windows):
        theta = windows.mean(axis=-1, keepdims=True) + self.threshold * windows.std(axis=-1, keepdims=True)
        above = windows >= theta
        rows, cols = np.nonzero(above[:, 1:] & ~above[:, :-1])
        same = rows[1:] == rows[:-1]
        owner, gaps = rows[1:][same], np.diff(cols)[same].astype(np.float64)
        n = np.bincount(owner, minlength=len(windows)).astype(np.float64)
        s1 = np.bincount(owner, gaps, minlength=len(windows))
        s2 = np.bincount(owner, gaps * gaps, minlength=len(windows))
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = s1 / n
            sigma = np.sqrt(np.maximum(n * s2 - s1 * s1, 0.0)) / n  # integer gaps: the sums are exact
            b = (sigma - mu) / (sigma + mu)
        return np.where(n >= 2, b, np.nan)
