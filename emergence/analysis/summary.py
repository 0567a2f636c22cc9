"""The summary of a sweep, typed: what ``summary.json`` holds, read by attribute, with its JSON round trip.

``to_json`` gives back the dict that ``summary.json`` holds (``write_json`` writes it with sorted keys, NaN
as null), so a summary read with ``from_json`` and written again gives the same bytes. ``from_json`` also
reads the summaries of older folders: a block added since (``other_windows``, ``regime``, ``nudges``,
``tables``, a metric's ``fingerprint``, the sweep's ``windows_text``) is None there.
"""

from __future__ import annotations

from typing import Any

from attrs import asdict, field, fields, frozen

__all__ = ["SweepSummary", "SweepInfo", "QuantitySummary", "OtherWindows", "MetricSummary"]


def _known(cls: type, data: dict) -> dict:
    """The entries of ``data`` that are fields of ``cls`` (a key an older folder held and this one drops
    is left out)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _optional(cls: type, data: dict | None):
    return None if data is None else cls.from_json(data)


@frozen(kw_only=True)
class SweepInfo:
    """What was grown and how it was read: the scaffolds, the sizes, init and input, the windows after the
    burn-in, the preset nearest the agent's config (``{"name", "changed"}``) and where its steps grew
    (``ResultsFolder.growth``; None for a summary written before it was recorded)."""

    protocol: str
    substrate: str
    a: tuple[str, ...] = field(converter=tuple)
    b: tuple[str, ...] = field(converter=tuple)
    runs: int
    steps: int
    window: int
    init: str
    input: str = "own"
    n_main: int
    n_emo: int
    snapshot_every: int
    weight_noise_mode: str
    preset: dict | None = None
    windows: str
    burn_in: int
    windows_text: str | None = None
    n_windows_per_run: int | None = None
    grown_on: list | None = None

    def to_json(self) -> dict:
        return {**asdict(self), "a": list(self.a), "b": list(self.b)}

    @classmethod
    def from_json(cls, data: dict) -> SweepInfo:
        return cls(**_known(cls, data))


@frozen(kw_only=True)
class QuantitySummary:
    """The statistics of one twin quantity (activity, or emotion by one metric) on a kind of window
    (``statistics.quantity_summary``): ``across_steps``, ``across_runs``, ``per_run``, ``dispersion``, and
    ``evolution`` (``step``, ``mean``, ``sd`` per window: the correlation-evolution figure's data). The
    blocks stay mappings of numbers, keyed as docs/statistics.md describes: a class per block would
    repeat those keys and add nothing."""

    across_steps: dict
    across_runs: dict
    per_run: dict
    dispersion: dict | None = None
    evolution: dict | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self, recurse=False).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict) -> QuantitySummary:
        return cls(**_known(cls, data))


@frozen(kw_only=True)
class OtherWindows:
    """The other kind of window than the headline's, summarised beside it (None: none fits the run)."""

    windows: str
    windows_text: str
    activity: QuantitySummary | None

    def to_json(self) -> dict:
        return {
            "windows": self.windows,
            "windows_text": self.windows_text,
            "activity": self.activity and self.activity.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> OtherWindows:
        return cls(
            windows=data["windows"],
            windows_text=data["windows_text"],
            activity=_optional(QuantitySummary, data.get("activity")),
        )


@frozen(kw_only=True)
class MetricSummary:
    """One emotion metric's results: its twin coupling (``emotion``, and on the other kind of window),
    corr(A_corr_run, E_corr_run), its null controls and the write-up's fingerprint; or, when no window
    of the metric's values fits, only why (``undefined``). ``corr_activity_emotion``
    (``statistics.coupling``), ``controls`` (``controls.run_controls``) and ``fingerprint``
    (``fingerprint.fingerprint``) stay the mappings those functions build and their readers walk."""

    description: str
    uses_snapshots: bool
    undefined: str | None = None
    points_per_window: int | None = None
    first_step: int | None = None
    emotion: QuantitySummary | None = None
    other_windows: QuantitySummary | None = None
    corr_activity_emotion: dict | None = None
    controls: dict | None = None
    fingerprint: dict | None = None

    @property
    def defined(self) -> bool:
        return self.undefined is None

    def to_json(self) -> dict:
        head = {"description": self.description, "uses_snapshots": self.uses_snapshots}
        if not self.defined:
            return {**head, "undefined": self.undefined}
        out = {
            **head,
            "points_per_window": self.points_per_window,
            "first_step": self.first_step,
            "emotion": self.emotion.to_json(),
            "other_windows": self.other_windows and self.other_windows.to_json(),
            "corr_activity_emotion": self.corr_activity_emotion,
            "controls": self.controls,
        }
        return out if self.fingerprint is None else {**out, "fingerprint": self.fingerprint}

    @classmethod
    def from_json(cls, data: dict) -> MetricSummary:
        known = _known(cls, data)
        return cls(
            **{
                **known,
                "emotion": _optional(QuantitySummary, known.get("emotion")),
                "other_windows": _optional(QuantitySummary, known.get("other_windows")),
            }
        )


@frozen(kw_only=True)
class SweepSummary:
    """Every statistic of a sweep (``summary.json``): the ``sweep`` measured, its twins' ``activity``
    coupling, the other kind of window, the ``regime`` diagnostics per window (``regime.regime_summary``;
    None for a folder recorded before them), the scaffolds' ``nudges`` per twin (``{"A": {"fraction",
    "per_run", "w_main_emo_change"}, "B": ...}``; None likewise), each emotion metric's results, and the
    SHA-256 of the ``tables`` written with it. ``regime`` and ``nudges`` stay the mappings that the
    regime lines, the report and the figures walk."""

    sweep: SweepInfo
    activity: QuantitySummary
    other_windows: OtherWindows | None = None
    regime: dict | None = None
    nudges: dict | None = None
    metrics: dict[str, MetricSummary]
    tables: dict[str, str] | None = None

    @property
    def defined(self) -> dict[str, MetricSummary]:
        """The metrics that have statistics (an undefined one carries only its reason)."""
        return {name: m for name, m in self.metrics.items() if m.defined}

    def to_json(self) -> dict:
        """The contents of ``summary.json``."""
        out = {
            "sweep": self.sweep.to_json(),
            "activity": self.activity.to_json(),
            "other_windows": self.other_windows and self.other_windows.to_json(),
            "regime": self.regime,
            "nudges": self.nudges,
            "metrics": {name: m.to_json() for name, m in self.metrics.items()},
        }
        return out if self.tables is None else {**out, "tables": self.tables}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SweepSummary:
        """A summary as ``summary.json`` holds it, this version's or an older one's."""
        return cls(
            sweep=SweepInfo.from_json(data["sweep"]),
            activity=QuantitySummary.from_json(data["activity"]),
            other_windows=_optional(OtherWindows, data.get("other_windows")),
            regime=data.get("regime"),
            nudges=data.get("nudges"),
            metrics={name: MetricSummary.from_json(m) for name, m in data["metrics"].items()},
            tables=data.get("tables"),
        )
