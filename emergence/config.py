"""Validated configuration: the field helpers and the settings every substrate shares.

A bad value fails at construction with a ``ConfigError`` naming the field. Each substrate's config
class (``emergence.fields.AgentConfig``, the transformer's) inherits the shared groups below.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

from attrs import Converter, evolve, field, fields, frozen
from attrs.validators import and_, ge, gt, le

__all__ = [
    "EmotionFieldConfig",
    "EnergyConfig",
    "DreamConfig",
    "ConfigError",
    "config_from_dict",
    "config_to_dict",
    "replace",
    "positive_int",
    "float_field",
    "choice_field",
    "bool_field",
    "finite",
    "check_seeds",
    "to_float",
    "error_message",
]


MAX_INT = 2**63 - 1  # the largest size a tensor or a buffer takes


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the field."""


def error_message(err: Exception) -> str:
    """A validator's error as one line: attrs' own validators (``instance_of``, ``in_``) pass the attribute
    and the values after their message, which ``str(err)`` would print as a raw tuple."""
    return err.args[0] if len(err.args) > 1 and isinstance(err.args[0], str) else str(err)


def _positive_int(instance, attribute, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"'{attribute.name}' must be a positive integer, got {value!r}")
    if value > MAX_INT:
        raise ConfigError(f"'{attribute.name}' must be at most 2**63 - 1, got {value!r}")


def _finite(instance, attribute, value):
    if not math.isfinite(value):
        raise ConfigError(f"'{attribute.name}' must be a finite number, got {value!r}")


def _to_float(value: Any, self_, attribute) -> float:
    """A number as a float; anything else (a string, None, a bool) is a ConfigError naming the field."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ConfigError(f"'{attribute.name}' must be a number, got {type(value).__name__} {value!r}")
    try:
        return float(value)
    except OverflowError:
        raise ConfigError(f"'{attribute.name}' must be a finite number, got {value!r}") from None


to_float = Converter(_to_float, takes_self=True, takes_field=True)


def _float(default: float, *checks) -> Any:
    """A float field: ints are accepted and converted; NaN, inf and out-of-range values are refused."""
    return field(default=default, converter=to_float, validator=and_(_finite, *checks))


def _choice(default: str, options: tuple[str, ...]) -> Any:
    def validate(instance, attribute, value):
        if value not in options:
            raise ConfigError(f"'{attribute.name}' must be one of {', '.join(options)}, got {value!r}")

    return field(default=default, validator=validate)


def _bool(default: bool) -> Any:
    def validate(instance, attribute, value):
        if not isinstance(value, bool):
            raise ConfigError(f"'{attribute.name}' must be True or False, got {value!r}")

    return field(default=default, validator=validate)


# The field helpers, public for the config classes of substrates and plugins.
positive_int, float_field, choice_field, bool_field, finite = _positive_int, _float, _choice, _bool, _finite


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
    wake_above: float = field(default=0.7, converter=to_float, validator=and_(_finite, ge(0), le(1), _wake_above_sleep))
    learn_above: float = _float(0.3, ge(0), le(1))
    initial_energy: float = _float(1.0, ge(0), le(1))


@frozen(slots=False)
class DreamConfig:
    """The autonomous drift (dream loop): first input, resonance markers, trail buffer (MODEL.md 4)."""

    seed_text: str = field(default="emergence begins", validator=_non_empty)
    resonance_every: int = field(default=10, validator=_positive_int)
    # "replace": each marker replaces the previous one (the string stays bounded); "append": the
    # write-up's literal "append a small marker" (the string grows, so each marker changes the code less)
    resonance_marker: str = _choice("replace", ("replace", "append"))
    trail_length: int = field(default=64, validator=_positive_int)


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-ready dict of a frozen config."""
    return {f.name: getattr(config, f.name) for f in fields(type(config))}


def config_from_dict(values: dict[str, Any], cls: type) -> Any:
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
        raise ConfigError(error_message(err)) from None


def replace(config: Any, **changes: Any) -> Any:
    """``attrs.evolve`` that reports bad values as ConfigError."""
    try:
        return evolve(config, **changes)
    except (TypeError, ValueError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(error_message(err)) from None


def check_seeds(name: str, seeds: Any) -> list[int]:
    """``seeds`` as a list of non-negative ints; a string, a float or a bool is a TypeError naming ``name``."""
    if isinstance(seeds, (str, bytes, dict)) or not (hasattr(seeds, "__len__") and hasattr(seeds, "__iter__")):
        raise TypeError(f"{name} must be a sequence of integers, got {type(seeds).__name__} {seeds!r}")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
            raise TypeError(f"{name} must hold non-negative integers, got {seed!r}")
    return [int(seed) for seed in seeds]
