"""What a scaffold declares beside its hooks.

A scaffold is registered as a factory (usually its class) through ``register_scaffolds``. Two class
attributes declare the rest:

* ``SETTINGS``: a frozen, validated attrs class of its parameters; the factory is then called as
  ``factory(config, settings)`` (without ``SETTINGS``: ``factory(config)``, and it takes no parameters);
* ``STATE``: the names of the attributes a checkpoint saves and restores (tensors or JSON-ready values).

A scaffold is named with its settings by a spec (``damp:threshold=0.02``, ``spec.py``).
"""

from __future__ import annotations

from typing import Any

from attrs import asdict, has

__all__ = ["declared_state", "settings_dict"]


def declared_state(scaffold: object) -> tuple[str, ...]:
    """The attribute names a scaffold declares in ``STATE`` (none: nothing is checkpointed)."""
    return tuple(getattr(scaffold, "STATE", ()))


def settings_dict(settings: Any) -> dict[str, Any]:
    """A scaffold's settings as a JSON-ready dict (empty when it declares none)."""
    return asdict(settings) if settings is not None and has(type(settings)) else {}
