"""What differs between two folders' configurations, field by field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["config_differences"]


def _flat(values: dict, prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def config_differences(old: dict, new: dict, ignore: Iterable[str] = ()) -> list[str]:
    """``field: old -> new`` for each (dotted) field whose values differ, ``(none)`` where one has no such
    field; the fields in ``ignore`` are left out."""
    a, b = _flat(old), _flat(new)
    keys = sorted((a.keys() | b.keys()) - set(ignore))
    return [f"{k}: {a.get(k, '(none)')!r} -> {b.get(k, '(none)')!r}" for k in keys if a.get(k) != b.get(k)]
