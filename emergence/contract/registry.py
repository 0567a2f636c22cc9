"""Named objects that plugins contribute through a register hook (``register_scaffolds``, ...)."""

from __future__ import annotations

from typing import Any

import pluggy

__all__ = ["Registry", "UnknownPluginError", "collect"]


class UnknownPluginError(LookupError):
    """A name that no installed plugin provides; the message lists the known names."""


class Registry:
    """Named objects contributed through one register hook."""

    def __init__(self, kind: str, entries: dict[str, Any]):
        self.kind = kind
        self.entries = entries

    def __getitem__(self, name: str) -> Any:
        try:
            return self.entries[name]
        except KeyError:
            known = ", ".join(sorted(self.entries)) or "none"
            raise UnknownPluginError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def names(self) -> list[str]:
        return sorted(self.entries)


def collect(pm: pluggy.PluginManager, hook: str, kind: str) -> Registry:
    """Collect the ``register(name, obj)`` calls of the register hook ``hook`` into a Registry."""
    entries: dict[str, Any] = {}

    def register(name: str, obj: Any) -> None:
        if name in entries:
            raise ValueError(f"two plugins register the {kind} {name!r}")
        entries[name] = obj

    getattr(pm.hook, hook)(register=register)
    return Registry(kind, entries)
