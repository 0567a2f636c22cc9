"""Where the twin statistics take their windows: the write-up's trail windows or contiguous blocks,
after a burn-in.

A window is a span of steps ``[start, stop)`` of a run; its Pearson r of twin A's and twin B's series is
one "window r". Two kinds:

- ``trail:L`` (``trail:L@E``): at each checkpoint, every ``E`` steps (default: ``steps // 100``, the
  write-up's ~100 checkpoints), the last ``L`` steps before it: "from the trail info embedded in
  checkpoints ... for each checkpoint/time slice". Short windows, many per run.
- ``contiguous``: consecutive blocks of ``E`` steps (the checkpoint interval), the last one ending the run.

Every window lies after the burn-in: ``burn_in`` steps from the start are dropped (all fields start at
zero and rise together for a few dozen steps, a transient that any two agents share), so a contiguous
window that straddles it is cut short and a trail window that reaches into it is left out.
"""

from __future__ import annotations

import numpy as np
from attrs import field, frozen

__all__ = [
    "MIN_POINTS",
    "Windows",
    "parse_windows",
    "DEFAULT_WINDOWS",
    "DEFAULT_BURN_IN",
    "DETRENDS",
    "default_burn_in",
    "segments",
    "unit_segments",
]

MIN_POINTS = 3  # fewest points a window needs (a Pearson r of 2 points is always +-1)
DEFAULT_WINDOWS = "trail:16"
DEFAULT_BURN_IN = 100
TRAIL_CHECKPOINTS = 100  # the write-up's checkpoints per run, about: trail windows' default spacing
DETRENDS = ("none", "diff", "linear")
_RTOL = 1e-12  # a window whose spread is below this fraction of its magnitude counts as constant
_FLAT = 1e-12  # a detrended window below this fraction of the raw magnitude was a line: exactly 0


def default_burn_in(steps: int) -> int:
    """The burn-in when none is given: ``DEFAULT_BURN_IN`` steps, or a tenth of a shorter run."""
    return min(DEFAULT_BURN_IN, steps // 10)


def _non_negative(instance, attribute, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{attribute.name} must be a non-negative integer, got {value!r}")


@frozen
class Windows:
    """The windows of the statistics: ``kind`` "trail" (``length`` steps before each of the checkpoints
    every ``every`` steps) or "contiguous" (blocks of ``every`` steps), after ``burn_in`` steps.
    ``every`` 0 means the default (trail: ``steps // 100``; contiguous needs it given)."""

    kind: str = field(default="contiguous")
    length: int = field(default=0, validator=_non_negative)
    every: int = field(default=0, validator=_non_negative)
    burn_in: int = field(default=0, validator=_non_negative)

    def __attrs_post_init__(self):
        if self.kind not in ("trail", "contiguous"):
            raise ValueError(f"windows must be 'trail:L' or 'contiguous', got kind {self.kind!r}")
        if self.kind == "trail" and self.length < MIN_POINTS:
            raise ValueError(f"a trail window needs at least {MIN_POINTS} steps, got trail:{self.length}")
        if self.kind == "contiguous" and 0 < self.every < MIN_POINTS:
            raise ValueError(f"a contiguous window needs at least {MIN_POINTS} steps, got {self.every}")

    @classmethod
    def blocks(cls, window: int, burn_in: int = 0) -> Windows:
        """Contiguous windows of ``window`` steps."""
        if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < MIN_POINTS:
            raise ValueError(f"window must be an integer >= {MIN_POINTS}, got {window!r}")
        return cls("contiguous", int(window), int(window), burn_in)

    @property
    def spec(self) -> str:
        """The text form: ``trail:16``, ``trail:16@500`` or ``contiguous``."""
        if self.kind == "contiguous":
            return "contiguous"
        return f"trail:{self.length}" + (f"@{self.every}" if self.every else "")

    def spacing(self, n_steps: int) -> int:
        """Steps between window ends."""
        if self.every:
            return self.every
        if self.kind == "contiguous":
            raise ValueError("contiguous windows need their length (the checkpoint interval)")
        return max(1, n_steps // TRAIL_CHECKPOINTS)

    def bounds(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """(starts, stops) of the windows of a run of ``n_steps``, in order; windows of fewer than 3 points
        are left out."""
        every = self.spacing(n_steps)
        if self.kind == "trail":
            stops = np.arange(every, n_steps + 1, every)
            starts = stops - self.length
        else:
            stops = np.unique(np.append(np.arange(every, n_steps + 1, every), n_steps))
            starts = np.maximum(np.append(0, stops[:-1]), self.burn_in)
        keep = (starts >= self.burn_in) & (stops - starts >= MIN_POINTS)
        return starts[keep].astype(np.int64), stops[keep].astype(np.int64)

    def count(self, n_steps: int) -> int:
        """Windows per run."""
        return int(self.bounds(n_steps)[0].size)

    def lengths(self, n_steps: int) -> np.ndarray:
        starts, stops = self.bounds(n_steps)
        return stops - starts

    def scaled(self, factor: float) -> Windows:
        """The same kind with its length (trail) or blocks (contiguous) times ``factor``, at least 3 steps."""
        if self.kind == "trail":
            return Windows("trail", max(MIN_POINTS, int(round(self.length * factor))), self.every, self.burn_in)
        return Windows("contiguous", 0, max(MIN_POINTS, int(round(self.every * factor))), self.burn_in)

    def with_burn_in(self, burn_in: int) -> Windows:
        return Windows(self.kind, self.length, self.every, burn_in)

    def on_axis(self, first: int, spacing: int) -> Windows | None:
        """These windows on a series sampled every ``spacing`` steps from step ``first`` (a metric's axis),
        in samples; None where a window would hold fewer than 3 samples."""
        if spacing == 1 and first == 0:
            return self
        burn_in = max(0, -(-(self.burn_in - first) // spacing))
        if self.kind == "trail":
            length = self.length // spacing
            every = max(1, self.every // spacing) if self.every else 0
            return Windows("trail", length, every, burn_in) if length >= MIN_POINTS else None
        every = self.every // spacing
        return Windows("contiguous", 0, every, burn_in) if every >= MIN_POINTS else None

    def describe(self, n_steps: int) -> str:
        """In words, for reports."""
        n, every = self.count(n_steps), self.spacing(n_steps)
        where = f"after a burn-in of {self.burn_in:,} steps" if self.burn_in else "from step 0 (no burn-in)"
        if self.kind == "trail":
            return (
                f"trail windows: r over the last {self.length} steps before each of {n} checkpoints "
                f"(every {every:,} steps), {where}"
            )
        return f"contiguous windows: {n} blocks of up to {every:,} steps, {where}"


def parse_windows(spec: str, every: int = 0, burn_in: int = 0) -> Windows:
    """``"trail:16"``, ``"trail:16@500"`` or ``"contiguous"`` (blocks of ``every`` steps) as Windows."""
    if not isinstance(spec, str):
        raise ValueError(f"windows must be text like 'trail:16' or 'contiguous', got {spec!r}")
    text = spec.strip()
    if text == "contiguous":
        return Windows("contiguous", 0, every, burn_in)
    kind, _, rest = text.partition(":")
    length, _, spacing = rest.partition("@")
    if kind != "trail" or not length.isdigit() or (spacing and not spacing.isdigit()):
        raise ValueError(
            f"windows {spec!r}: write trail:L (L steps before each checkpoint), trail:L@E "
            "(checkpoints every E steps) or contiguous"
        )
    return Windows("trail", int(length), int(spacing or 0), burn_in)


def segments(x, windows: Windows, detrend: str = "none") -> tuple[np.ndarray, np.ndarray]:
    """Each window of the series ``x`` (..., T), detrended: (values (..., W, L), mask (W, L)).

    L is the longest window; shorter windows are padded (mask False, value 0). "diff" takes the
    differences within each window (one point fewer), "linear" removes each window's least-squares line
    (a window that was a line up to rounding becomes exactly 0).
    """
    if detrend not in DETRENDS:
        raise ValueError(f"detrend must be one of {', '.join(DETRENDS)}, got {detrend!r}")
    x = np.asarray(x, dtype=np.float64)
    starts, stops = windows.bounds(x.shape[-1])
    width = int((stops - starts).max()) if starts.size else 0
    offsets = np.arange(width)
    mask = offsets[None, :] < (stops - starts)[:, None]
    index = np.where(mask, starts[:, None] + offsets[None, :], 0)
    values = np.where(mask, x[..., index], 0.0)
    if detrend == "diff":
        mask = mask[:, 1:] & mask[:, :-1]
        values = np.where(mask, values[..., 1:] - values[..., :-1], 0.0)
    elif detrend == "linear":
        values = _remove_lines(values, mask)
    return values, mask


def _remove_lines(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n = mask.sum(axis=-1)
    position = np.where(mask, np.arange(mask.shape[-1]), 0.0)
    ramp = np.where(mask, position - (position.sum(axis=-1) / np.maximum(n, 1))[:, None], 0.0)
    centred = np.where(mask, values - (values.sum(axis=-1, keepdims=True) / np.maximum(n, 1)[:, None]), 0.0)
    slope = np.einsum("...wi,wi->...w", centred, ramp) / np.maximum(np.einsum("wi,wi->w", ramp, ramp), 1e-300)
    resid = centred - slope[..., None] * ramp
    flat = np.einsum("...i,...i->...", resid, resid) <= _FLAT**2 * np.einsum("...i,...i->...", values, values)
    resid[flat] = 0.0
    return resid


def unit_segments(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Windows centred and scaled to unit norm (padding stays 0): the dot product of two is their Pearson
    r. A constant window, or one holding a NaN, is all NaN."""
    n = np.maximum(mask.sum(axis=-1), 1)
    high = np.where(mask, values, -np.inf).max(axis=-1, keepdims=True)
    low = np.where(mask, values, np.inf).min(axis=-1, keepdims=True)
    constant = ~(high - low > _RTOL * np.maximum(np.abs(high), np.abs(low)))  # NaN compares False: constant
    centred = np.where(mask, values - values.sum(axis=-1, keepdims=True) / n[:, None], 0.0)
    norm = np.sqrt(np.einsum("...i,...i->...", centred, centred))[..., None]
    constant |= ~(norm > 0)
    centred /= np.where(constant, 1.0, norm)
    centred[np.broadcast_to(constant, centred.shape)] = np.nan
    return centred
