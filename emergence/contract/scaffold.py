"""What a scaffold declares, and how one is named with its settings (``damp:threshold=0.02``).

A scaffold is registered as a factory (usually its class) through ``register_scaffolds``. Two class
attributes declare the rest:

* ``SETTINGS``: a frozen, validated attrs class of its parameters; the factory is then called as
  ``factory(config, settings)`` (without ``SETTINGS``: ``factory(config)``, and it takes no parameters);
* ``STATE``: the names of the attributes a checkpoint saves and restores (tensors or JSON-ready values).

A *spec* names a scaffold and the settings it departs from: ``"hrls"``, ``"damp:threshold=0.02"``,
``"damp:threshold=0.02,factor=0.5"``; from Python also ``{"damp": {"threshold": 0.02}}``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from attrs import asdict, fields_dict, has

from ..config import ConfigError, error_message

__all__ = ["scaffold_specs", "split_spec", "make_settings", "canonical_spec", "declared_state", "settings_dict"]


def scaffold_specs(kind: str, value: Any) -> tuple[str, ...]:
    """One spec, a sequence of specs, or a mapping ``{name: {field: value}}`` as a tuple of spec strings."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Mapping):
        return tuple(_join(name, dict(values or {})) for name, values in value.items())
    try:
        specs = tuple(value)
    except TypeError:
        raise ConfigError(f"'{kind}' must name scaffolds (e.g. 'hrls' or 'damp:threshold=0.02'), got {value!r}") from None
    for spec in specs:
        if not isinstance(spec, str):
            raise ConfigError(f"'{kind}' must hold scaffold names (strings), got {spec!r}")
    return specs


def split_spec(spec: str, kind: str = "scaffold") -> tuple[str, dict[str, Any]]:
    """``"damp:threshold=0.02,factor=0.5"`` -> ``("damp", {"threshold": 0.02, "factor": 0.5})``.

    Values are Python literals (``0.02``, ``3``, ``True``, ``'text'``); anything else is kept as text.
    ``kind`` names what is specified in errors (a scaffold, an executor).
    """
    name, _, rest = spec.partition(":")
    values: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, equals, text = item.partition("=")
        if not (equals and key.strip().isidentifier()):
            raise ConfigError(f"{kind} {spec!r}: write NAME or NAME:FIELD=VALUE[,FIELD=VALUE...]")
        values[key.strip()] = _literal(text.strip())
    if not name.strip():
        raise ConfigError(f"{kind} {spec!r}: the {kind}'s name is missing (NAME:FIELD=VALUE)")
    return name.strip(), values


def make_settings(name: str, factory: Callable[..., Any], values: Mapping[str, Any], kind: str = "scaffold") -> Any:
    """The ``SETTINGS`` of a scaffold (or another ``kind`` of plugin) with ``values`` (None when it
    declares none); a bad or unknown value is a ConfigError naming the plugin and the field."""
    settings_class = getattr(factory, "SETTINGS", None)
    if settings_class is None:
        if values:
            raise ConfigError(f"{kind} {name!r} takes no settings, got {', '.join(values)}")
        return None
    known = fields_dict(settings_class)
    for key in values.keys() - known.keys():
        raise ConfigError(f"{kind} {name!r} has no setting {key!r}; known: {', '.join(known)}")
    try:
        return settings_class(**values)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{kind} {name!r}: {error_message(err)}") from None


def canonical_spec(name: str, settings: Any, given: Mapping[str, Any]) -> str:
    """The spec of ``name`` with the fields in ``given``, their values as ``settings`` holds them."""
    if settings is None:
        return name
    return _join(name, {key: getattr(settings, key) for key in fields_dict(type(settings)) if key in given})


def declared_state(scaffold: object) -> tuple[str, ...]:
    """The attribute names a scaffold declares in ``STATE`` (none: nothing is checkpointed)."""
    return tuple(getattr(scaffold, "STATE", ()))


def settings_dict(settings: Any) -> dict[str, Any]:
    """A scaffold's settings as a JSON-ready dict (empty when it declares none)."""
    return asdict(settings) if settings is not None and has(type(settings)) else {}


def _join(name: str, values: Mapping[str, Any]) -> str:
    return name + (":" + ",".join(f"{k}={v!r}" for k, v in values.items()) if values else "")


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
