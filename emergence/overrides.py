"""``--set FIELD=VALUE``: a field of a frozen config, named and typed by the config class itself.

A value is parsed to the field's type by the grammar a plugin's settings share (``contract.spec``:
``int``, ``float``, ``str``, ``bool``); ``xF`` on a numeric field means F times its current value
(``n_main=x2``: twice the preset's). A name the class lacks is one
line naming the closest known fields.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from attrs import fields_dict

from .config import ConfigError, replace
from .contract import parse_value

__all__ = ["parse_assignments", "split_scope", "field_value", "apply_settings"]


def parse_assignments(texts: Iterable[str]) -> dict[str, str]:
    """``["emo_noise=0.06", ...]`` as ``{"emo_noise": "0.06", ...}``; a malformed one names the fix."""
    settings = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ConfigError(f"--set {text!r}: write FIELD=VALUE, e.g. --set emo_noise=0.06")
        settings[name.strip()] = value.strip()
    return settings


def split_scope(name: str) -> tuple[str | None, str]:
    """``"hrls.variance_threshold"`` -> ``("hrls", "variance_threshold")``; a bare field -> ``(None, name)``."""
    scope, _, field = name.rpartition(".")
    return (scope or None), field


def field_value(config: Any, name: str, value: Any) -> Any:
    """``value`` for the field ``name`` of ``config``: a string is parsed to the field's type (``xF``: F
    times the current value); an unknown field or an unparsable value is a ConfigError naming the fix."""
    cls = type(config)
    known = fields_dict(cls)
    what = cls.__name__
    if name not in known:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(sorted(known))}"
        raise ConfigError(f"--set {name}: {what} has no field {name!r}{hint}")
    if not isinstance(value, str):
        return value
    try:
        return parse_value(cls, name, value, lambda: getattr(config, name))
    except ValueError as err:
        raise ConfigError(f"--set {name}={value}: {what}.{name} {err}") from None


def apply_settings(config: Any, settings: Mapping[str, Any]) -> Any:
    """A copy of ``config`` with each named field set (strings parsed to the field's type); the
    config's own validators check the values."""
    changes = {name: field_value(config, name, value) for name, value in settings.items()}
    return replace(config, **changes) if changes else config
