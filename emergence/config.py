"""Frozen, validated configuration of one agent and its presets.

Every number the write-up states is the default of the ``paper`` preset; every number it leaves open
is a decision documented in ``docs/model.md``. A bad value fails at construction with a message that
names the field.
"""

from __future__ import annotations

import math
from typing import Any

from attrs import evolve, field, fields, frozen
from attrs.validators import and_, ge, gt, instance_of, le

__all__ = [
    "AgentConfig", "EmotionFieldConfig", "EnergyConfig", "DreamConfig", "PRESETS", "ConfigError", "preset",
    "config_from_dict", "config_to_dict", "replace", "positive_int", "float_field", "choice_field",
]


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the field."""


def _positive_int(instance, attribute, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"'{attribute.name}' must be a positive integer, got {value!r}")


def _finite(instance, attribute, value):
    if not math.isfinite(value):
        raise ConfigError(f"'{attribute.name}' must be a finite number, got {value!r}")


def _float(default: float, *checks) -> Any:
    """A float field: ints are accepted and converted; NaN, inf and out-of-range values are refused."""
    return field(default=default, converter=float, validator=and_(_finite, *checks))


def _choice(default: str, options: tuple[str, ...]) -> Any:
    def validate(instance, attribute, value):
        if value not in options:
            raise ConfigError(f"'{attribute.name}' must be one of {', '.join(options)}, got {value!r}")
    return field(default=default, validator=validate)


# The field helpers, public for the config classes of other substrates.
positive_int, float_field, choice_field = _positive_int, _float, _choice


def _wake_above_sleep(instance, attribute, value):
    if value <= instance.sleep_below:
        raise ConfigError(f"wake_above ({value}) must be greater than sleep_below ({instance.sleep_below})")


def _non_empty(instance, attribute, value):
    if not isinstance(value, str) or not value:
        raise ConfigError(f"'{attribute.name}' must be a non-empty string, got {value!r}")


# Settings every substrate shares, as groups its config class inherits; the energy model, the noise
# model and the dream loop read them by name from any substrate's config. Not slotted: a class may
# inherit several groups (slotted bases cannot be combined).
@frozen(slots=False)
class EmotionFieldConfig:
    """The emotion field, the same leaky field in every substrate, and its synapses (MODEL.md 1-2)."""

    n_emo: int = field(default=256, validator=_positive_int)
    # v += dt * (-v + drive) / tau, a = tanh(v); dt is the step of every leaky field of the agent
    dt: float = _float(1.0, gt(0))
    tau_emo: float = _float(10.0, gt(0))
    # initial weights: standard deviation gain / sqrt(n_pre); biases fixed, N(0, bias_scale^2)
    emo_recurrent_gain: float = _float(1.0, ge(0))
    feedforward_gain: float = _float(1.0, ge(0))
    bias_scale: float = _float(0.1, ge(0))
    # state-dependent noise: emo_noise * (1 + |a|) per neuron
    emo_noise: float = _float(0.03, ge(0))
    # normalised Oja on W_main_emo and W_rec_emo (and, for fields, on every synapse)
    eta_main_emo: float = _float(1e-3, ge(0))
    eta_rec_emo: float = _float(1e-4, ge(0))
    oja_post: str = _choice("rms", ("rms", "unit"))


@frozen(slots=False)
class EnergyConfig:
    """Energy: homeostatic pull to a setpoint, depletion by activity, sleep/wake hysteresis (MODEL.md 3)."""

    energy_setpoint: float = _float(1.0, ge(0), le(1))
    energy_homeostasis: float = _float(0.005, ge(0), le(1))
    energy_cost: float = _float(0.01, ge(0))
    energy_sleep_cost: float = _float(0.1, ge(0), le(1))
    sleep_below: float = _float(0.3, ge(0), le(1))
    wake_above: float = field(default=0.7, converter=float, validator=and_(_finite, ge(0), le(1), _wake_above_sleep))
    learn_above: float = _float(0.3, ge(0), le(1))
    initial_energy: float = _float(1.0, ge(0), le(1))


@frozen(slots=False)
class DreamConfig:
    """The autonomous drift (dream loop): first input, resonance markers, trail buffer (MODEL.md 4)."""

    seed_text: str = field(default="emergence begins", validator=_non_empty)
    resonance_every: int = field(default=10, validator=_positive_int)
    trail_length: int = field(default=64, validator=_positive_int)


@frozen
class AgentConfig(EmotionFieldConfig, EnergyConfig, DreamConfig):
    """One agent of continuous neural fields (MODEL.md sections 1-4); the shared groups are inherited."""

    # sizes
    n_input: int = field(default=128, validator=_positive_int)
    n_main: int = field(default=10_000, validator=_positive_int)
    # leaky field dynamics: v += dt * (-v + input) / tau, a = tanh(v)
    tau_sensory: float = _float(2.0, gt(0))
    tau_main: float = _float(5.0, gt(0))
    trace_rate: float = _float(0.01, gt(0), le(1))
    # initial weights: standard deviation gain / sqrt(n_pre)
    recurrent_gain: float = _float(1.2, ge(0))
    # state-dependent noise: amplitude * (1 + |a|) per neuron
    sensory_noise: float = _float(0.01, ge(0))
    main_noise: float = _float(0.02, ge(0))
    text_noise: float = _float(0.05, ge(0))
    # normalised Oja plasticity; learning rates per synapse
    eta_in_main: float = _float(1e-3, ge(0))
    eta_rec_main: float = _float(1e-4, ge(0))
    weight_noise: float = _float(1e-4, ge(0))
    weight_noise_every: int = field(default=1, validator=_positive_int)
    # numerics
    dtype: str = _choice("float32", ("float32", "float64"))
    # storage of the four weight matrices: "same" = ``dtype``; "bfloat16" halves their memory traffic
    # (their products run in bfloat16, inputs rounded; the state stays in ``dtype``; stores round to
    # nearest; plain engine only; its effect on the statistics is measured in docs/performance.md)
    weight_dtype: str = _choice("same", ("same", "bfloat16"))
    # which code advances a step (docs/performance.md): "fast" = the device's fused engine (numba on
    # CPU, Triton on CUDA in float32), else the plain one; "plain" = the torch-ops reference. Same model,
    # same weight-noise streams.
    engine: str = _choice("fast", ("fast", "plain"))

    @property
    def weight_noise_mode(self) -> str:
        """``"exact"`` (a fresh Gaussian per weight per learning step, the write-up's reading) when
        ``weight_noise_every`` is 1, else ``"every_k"``: noise on every k-th step with SD times sqrt(k),
        the same variance of each weight's random walk over k steps (MODEL.md section 2)."""
        return "exact" if self.weight_noise_every == 1 else "every_k"

    @property
    def noise_levels(self) -> dict[str, float]:
        """Base noise amplitude per field, for ``StateDependentNoise``."""
        return {"sensory": self.sensory_noise, "main": self.main_noise, "emotion": self.emo_noise}


PRESETS: dict[str, dict[str, Any]] = {
    # The write-up's sizes and stated values; weight noise exact (every step).
    "paper": dict(n_input=128, n_main=10_000, n_emo=256, weight_noise=1e-4, weight_noise_every=1),
    # Calibrated to show the write-up's qualitative pattern in a one-minute sweep (docs/model.md):
    # recurrent gain 1.5, weight noise 1e-2 applied every 10 steps with its scale times sqrt(10).
    "small": dict(n_input=128, n_main=500, n_emo=64, recurrent_gain=1.5, weight_noise=1e-2, weight_noise_every=10),
}


def preset(
    name: str, *, presets: dict[str, dict[str, Any]] = PRESETS, cls: type = AgentConfig, **overrides: Any
) -> Any:
    """The named preset of ``presets`` (a config class ``cls``) with ``overrides`` applied; unknown names
    list the known ones."""
    if name not in presets:
        raise ConfigError(f"unknown preset {name!r}; known presets: {', '.join(sorted(presets))}")
    return config_from_dict({**presets[name], **overrides}, cls)


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-ready dict of a frozen config."""
    return {f.name: getattr(config, f.name) for f in fields(type(config))}


def config_from_dict(values: dict[str, Any], cls: type = AgentConfig) -> Any:
    """Build ``cls`` from a dict; an unknown key is an error naming it."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown config field(s) {', '.join(unknown)} for {cls.__name__}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(str(err)) from None


def replace(config: Any, **changes: Any) -> Any:
    """``attrs.evolve`` that reports bad values as ConfigError."""
    try:
        return evolve(config, **changes)
    except (TypeError, ValueError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(str(err)) from None
