"""What a study registers: a grid of Twins sweeps that answers one question (``emergence study NAME``)."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from ..config import ConfigError

__all__ = ["Study"]


def _axes(value: Any) -> dict[str, tuple]:
    if not isinstance(value, dict):
        raise ConfigError(f"a study's axes must map a field to its values, got {type(value).__name__}")
    axes = {
        str(name): tuple(values) if isinstance(values, (list, tuple)) else (values,) for name, values in value.items()
    }
    for name, values in axes.items():
        if not values:
            raise ConfigError(f"study axis {name!r} has no values")
    return axes


def _text(instance, attribute, value):
    if not isinstance(value, str):
        raise ConfigError(f"a study's {attribute.name!r} must be a field name, got {value!r}")


@frozen
class Study:
    """A question and the grid of sweeps that answers it.

    :param name: its registered name (``emergence study NAME``; results in ``results/study-NAME-PRESET``).
    :param question: the question, in words (the report's first line).
    :param axes: field -> its values, in order (the first is the reference each other level is compared
        with). A field is an option of the twins protocol (``a``, ``b``, ``init``, ...) or of the agent's
        config (``emo_noise``; a value ``"x0.5"`` is half the preset's). Numeric axes are ordered.
    :param zipped: False: every combination of the axes' values (crossed); True: the i-th values together.
    :param decompose: the report also apportions the reference's run-to-run variance among the arms
        (each arm removes one source: the share of the variance that goes with it).
    :param base: options every condition shares (``{"b": "surge"}``; ``emotion_metrics="all"``: every
        installed metric). A study without axes compares its emotion metrics with one another.
    :param split: a field of the agent's config that holds a step of the run (``"onset"``): in each
        condition where that step falls inside the runs, the report also compares every run's couplings
        before and after it, paired by run, and against the first condition split at the same step.
    """

    name: str
    question: str
    axes: dict[str, tuple] = field(factory=dict, converter=_axes)
    zipped: bool = False
    base: dict[str, Any] = field(factory=dict)
    decompose: bool = False
    split: str = field(default="", validator=_text)

    def __attrs_post_init__(self):
        if self.zipped and len({len(v) for v in self.axes.values()}) > 1:
            raise ConfigError(f"study {self.name!r}: zipped axes need the same number of values")
