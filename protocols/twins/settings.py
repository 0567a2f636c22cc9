"""The settings of one Twins sweep (MODEL.md section 6), frozen and validated."""

from __future__ import annotations

from typing import Any

from attrs import field, fields, frozen
from attrs.validators import deep_iterable, ge, gt, in_, instance_of

from emergence.config import ConfigError, config_to_dict
from emergence.substrates import DEFAULT_SUBSTRATE, substrates

__all__ = ["TwinsConfig", "PROTOCOL_DEFAULTS"]

# Protocol defaults per preset: steps and windows sized to the preset's cost.
PROTOCOL_DEFAULTS: dict[str, dict[str, Any]] = {
    "small": dict(runs=8, steps=2_000, checkpoint_every=250, snapshot_every=10),
    "paper": dict(runs=100, steps=50_000, checkpoint_every=2_500, snapshot_every=100),
}


def _names(value) -> tuple[str, ...]:
    return tuple(value)


@frozen
class TwinsConfig:
    """A sweep of ``runs`` twin pairs grown side by side for ``steps`` post-birth steps.

    Twin A carries the scaffolds ``a``, twin B the scaffolds ``b``; both are agents of the registered
    ``substrate`` and ``agent`` is that substrate's config. ``init="same"`` starts both twins of a pair
    from the same weights and state; ``"different"`` gives each its own. The window of the statistics
    is ``checkpoint_every`` steps.
    """

    agent: Any = field()
    a: tuple[str, ...] = field(default=("hrls",), converter=_names)
    b: tuple[str, ...] = field(default=("surge",), converter=_names)
    runs: int = field(default=8, validator=[instance_of(int), gt(0)])
    steps: int = field(default=2_000, validator=[instance_of(int), gt(0)])
    seed: int = field(default=0, validator=[instance_of(int), ge(0)])
    init: str = field(default="same", validator=in_(("same", "different")))
    checkpoint_every: int = field(default=250, validator=[instance_of(int), gt(0)])
    snapshot_every: int = field(default=10, validator=[instance_of(int), gt(0)])
    feedback_every: int = field(default=500, validator=[instance_of(int), gt(0)])
    feedback_message: str = field(default="Be kind to small voices", validator=instance_of(str))
    feedback_strength: float = field(default=1.0, converter=float)
    emotion_metrics: tuple[str, ...] = field(
        default=("mean",), converter=_names, validator=deep_iterable(instance_of(str))
    )
    chunk_size: int = field(default=0, validator=[instance_of(int), ge(0)])
    substrate: str = field(default=DEFAULT_SUBSTRATE, validator=instance_of(str))

    def __attrs_post_init__(self):
        config_class = substrates()[self.substrate].config_class
        if not isinstance(self.agent, config_class):
            raise ConfigError(
                f"'agent' must be a {config_class.__name__} for the substrate {self.substrate!r}, "
                f"got {type(self.agent).__name__}"
            )
        if self.steps % self.checkpoint_every:
            raise ConfigError(
                f"'steps' ({self.steps}) must be a multiple of 'checkpoint_every' ({self.checkpoint_every}): "
                "a window is the steps between two checkpoints"
            )
        if not self.emotion_metrics:
            raise ConfigError("'emotion_metrics' must name at least one metric")

    def to_dict(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(type(self)) if f.name != "agent"}
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
        return {"agent": config_to_dict(self.agent), **values}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TwinsConfig:
        values = dict(values)
        substrate = substrates()[values.get("substrate", DEFAULT_SUBSTRATE)]
        agent = substrate.config_from_dict(values.pop("agent"))
        try:
            return cls(agent=agent, **values)
        except (TypeError, ValueError) as err:
            raise ConfigError(str(err)) from None
