"""The one grammar that names a plugin with its settings, and the frozen spec it resolves to.

A *spec* names a plugin (a scaffold, an executor) and the settings it departs from: ``"hrls"``,
``"damp:threshold=0.02,factor=0.5"``; from Python also ``{"damp": {"threshold": 0.02}}``. A value
written as text is parsed to the type of its field in the plugin's ``SETTINGS``, as ``--set
FIELD=VALUE`` parses a config's field (``parse_value``): ``0.02``, ``true``, text; ``xF`` on a number
is F times its current value. A spec is resolved once, against a registry, into a ``PluginSpec``; its
text (``str(spec)``, the fields given as the settings hold them) is what a manifest records.
"""

from __future__ import annotations

import ast
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from attrs import Factory, fields_dict, frozen

from ..config import ConfigError, error_message
from .registry import Registry

__all__ = ["PluginSpec", "split_spec", "parse_value", "make_settings", "resolve_spec", "resolve_specs"]

_KINDS = {int: "an integer (or xF)", float: "a number (or xF)", bool: "true or false", str: "text"}


@frozen
class PluginSpec:
    """A plugin named and its settings validated, once: ``settings`` is an instance of its ``SETTINGS``
    (None when it declares none), ``given`` the fields the spec named (its text keeps only those)."""

    kind: str
    name: str
    settings: Any = None
    given: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.settings is None:
            return self.name
        return _join(self.name, {key: getattr(self.settings, key) for key in self.given})


def split_spec(spec: str, kind: str = "scaffold") -> tuple[str, dict[str, str]]:
    """``"damp:threshold=0.02,factor=0.5"`` -> ``("damp", {"threshold": "0.02", "factor": "0.5"})``: the
    values as text, typed later by their fields. ``kind`` names what is specified in errors."""
    name, _, rest = spec.partition(":")
    values: dict[str, str] = {}
    for item in filter(None, rest.split(",")):
        key, equals, text = item.partition("=")
        if not (equals and key.strip().isidentifier()):
            raise ConfigError(f"{kind} {spec!r}: write NAME or NAME:FIELD=VALUE[,FIELD=VALUE...]")
        values[key.strip()] = text.strip()
    if not name.strip():
        raise ConfigError(f"{kind} {spec!r}: the {kind}'s name is missing (NAME:FIELD=VALUE)")
    return name.strip(), values


def parse_value(cls: type, name: str, text: str, current: Callable[[], Any]) -> Any:
    """``text`` as a value of the field ``name`` of the attrs class ``cls``: its int, float, bool or str
    (``'quoted'`` text unquoted; ``none`` for an optional field), ``xF`` F times ``current()``. A number
    for an integer field that is not whole passes as it is, for the class's validator to word; text
    that fits no reading is a ValueError saying what the field takes."""
    kind = typing.get_type_hints(cls).get(name, str)
    options = [k for k in typing.get_args(kind) if k is not type(None)]
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(options) == 1:
        if text.lower() == "none":
            return None
        kind = options[0]
    if kind is str:
        return ast.literal_eval(text) if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"" else text
    if kind is bool:
        if text.lower() in ("true", "1", "yes", "on"):
            return True
        if text.lower() in ("false", "0", "no", "off"):
            return False
    elif kind in (int, float):
        try:
            if text.startswith("x"):
                value = float(text[1:]) * current()
                return round(value) if kind is int else value
            return float(text) if kind is float else _integer(text)
        except (ValueError, OverflowError):  # xinf on an integer field overflows
            pass
    else:
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
    raise ValueError(f"takes {_KINDS[kind]}")


def _integer(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)  # a number, not whole: the class's validator words it


def make_settings(
    name: str,
    factory: Callable[..., Any],
    values: Mapping[str, Any],
    kind: str = "scaffold",
    base: Any = None,
    texts: Mapping[str, str] | None = None,
) -> Any:
    """The ``SETTINGS`` of a plugin ``name`` with ``values`` and ``texts`` (parsed by ``parse_value``) over
    ``base`` (default: the defaults); None when it declares none. A bad or unknown value is a
    ConfigError naming the plugin and the field."""
    settings_class = getattr(factory, "SETTINGS", None)
    values = {**values, **(texts or {})}
    if settings_class is None:
        if values:
            raise ConfigError(f"{kind} {name!r} takes no settings, got {', '.join(values)}")
        return None
    known = fields_dict(settings_class)
    for key in values.keys() - known.keys():
        raise ConfigError(f"{kind} {name!r} has no setting {key!r}; known: {', '.join(known)}")
    start = {} if base is None else {key: getattr(base, key) for key in known if known[key].init}
    for key, text in (texts or {}).items():

        def current(key=key):
            return start[key] if key in start else _default(known[key].default)

        try:
            values[key] = parse_value(settings_class, key, text, current)
        except ValueError as err:
            raise ConfigError(f"{kind} {name!r}: {key!r} {err}, got {text!r}") from None
    try:
        return settings_class(**{**start, **values})
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{kind} {name!r}: {error_message(err)}") from None


def resolve_spec(
    kind: str,
    spec: str | PluginSpec,
    registry: Registry,
    values: Mapping[str, Any] | None = None,
    texts: Mapping[str, str] | None = None,
) -> PluginSpec:
    """``spec`` (its text, or a ``PluginSpec`` to change) resolved against ``registry``, with ``values``
    (Python values) and ``texts`` (``--set``'s, parsed by field) set on top; an unknown name, field or a
    bad value is one error naming the plugin and the field."""
    if isinstance(spec, PluginSpec) and not (values or texts):
        return spec
    texts = dict(texts or {})
    if isinstance(spec, PluginSpec):
        name, base, given = spec.name, spec.settings, set(spec.given)
    else:
        name, written = split_spec(spec, kind)
        base, given, texts = None, set(), {**written, **texts}
    values = dict(values or {})
    settings = make_settings(name, registry[name], values, kind, base, texts)
    given |= values.keys() | texts.keys()
    order = tuple(key for key in fields_dict(type(settings)) if key in given) if settings is not None else ()
    return PluginSpec(kind, name, settings, order)


def resolve_specs(kind: str, value: Any, registry: Registry, field: str | None = None) -> tuple[PluginSpec, ...]:
    """One spec, a sequence of specs (text or ``PluginSpec``) or a mapping ``{name: {field: value}}``
    resolved; ``field`` names the option in errors (default: ``kind``)."""
    field = field or kind
    if isinstance(value, (str, PluginSpec)):
        return (resolve_spec(kind, value, registry),)
    if isinstance(value, Mapping):
        return tuple(resolve_spec(kind, name, registry, dict(values or {})) for name, values in value.items())
    try:
        specs = tuple(value)
    except TypeError:
        raise ConfigError(
            f"'{field}' must name {kind}s (e.g. 'hrls' or 'damp:threshold=0.02'), got {value!r}"
        ) from None
    for spec in specs:
        if not isinstance(spec, (str, PluginSpec)):
            raise ConfigError(f"'{field}' must hold {kind} names (strings), got {spec!r}")
    return tuple(resolve_spec(kind, spec, registry) for spec in specs)


def _default(default: Any) -> Any:
    return default.factory() if isinstance(default, Factory) and not default.takes_self else default


def _join(name: str, values: Mapping[str, Any]) -> str:
    return name + (":" + ",".join(f"{k}={v!r}" for k, v in values.items()) if values else "")
