"""The plugin-manager factory and the registries filled by the register hooks.

Each population of agents gets its own manager (``make_plugin_manager``), so twin A's scaffold never
reaches twin B. Built-in plugins are found through the ``emergence`` entry-point group exactly like
third-party ones; only the core's essential defaults are registered directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pluggy

from . import hookspecs

__all__ = ["make_plugin_manager", "Registry", "UnknownPluginError", "registry"]

ENTRY_POINT_GROUP = "emergence"


class UnknownPluginError(LookupError):
    """A name that no installed plugin provides; the message lists the known names."""


def make_plugin_manager(
    plugins: Iterable[object] = (), *, entry_points: bool = True, essentials: bool = True
) -> pluggy.PluginManager:
    """A fresh manager: hook specs, the core's defaults, installed plugins, then ``plugins``.

    Registered last, ``plugins`` are asked first. A hook implementation that matches no spec fails
    here (``check_pending``) rather than being silently ignored.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if essentials:
        from . import defaults

        pm.register(defaults, name="emergence.defaults")
    if entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


class Registry:
    """Named objects contributed through one register hook, with the plugin that gave each."""

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


def registry(pm: pluggy.PluginManager, hook: str, kind: str) -> Registry:
    """Collect ``register(name, obj)`` calls of the register hook ``hook`` into a Registry."""
    entries: dict[str, Any] = {}

    def register(name: str, obj: Any) -> None:
        if name in entries:
            raise ValueError(f"two plugins register the {kind} {name!r}")
        entries[name] = obj

    getattr(pm.hook, hook)(register=register)
    return Registry(kind, entries)


def plugin_sources(pm: pluggy.PluginManager) -> list[tuple[str, str, str]]:
    """(plugin name, distribution, version) for every registered plugin; the core's for essentials."""
    from importlib.metadata import version

    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    rows = []
    for name, plugin in pm.list_name_plugin():
        dist = dists.get(id(plugin))
        if dist is not None:
            rows.append((name, dist.project_name, dist.version))
        else:
            rows.append((name, "emergence", version("emergence")))
    return rows
