"""The plugin-manager factory and the registries filled by the register hooks.

Each population of agents gets its own manager (``make_plugin_manager``), so twin A's scaffold never
reaches twin B; ``resolve_agent_hooks`` builds it and resolves it once into the components of the step
loop. Built-in plugins are found through the ``emergence`` entry-point group exactly like third-party
ones; only the core's essential defaults (and a substrate's own defaults) are registered directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pluggy
from attrs import frozen

from . import hookspecs

__all__ = ["make_plugin_manager", "resolve_agent_hooks", "AgentHooks", "Registry", "UnknownPluginError", "registry"]

ENTRY_POINT_GROUP = "emergence"


class UnknownPluginError(LookupError):
    """A name that no installed plugin provides; the message lists the known names."""


def make_plugin_manager(
    plugins: Iterable[object] = (),
    *,
    entry_points: bool = True,
    essentials: bool = True,
    defaults: Iterable[object] = (),
) -> pluggy.PluginManager:
    """A fresh manager: hook specs, the core's defaults, ``defaults``, installed plugins, then ``plugins``.

    Registered last, ``plugins`` are asked first. ``defaults`` (a substrate's own default components)
    are asked just before the core's, after every installed plugin. A hook implementation that matches
    no spec fails here (``check_pending``) rather than being silently ignored.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if essentials:
        from . import defaults as core_defaults

        pm.register(core_defaults, name="emergence.defaults")
    for plugin in defaults:
        pm.register(plugin)
    if entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


@frozen
class AgentHooks:
    """A population's plugin manager resolved once: its scaffolds and the components of its step loop."""

    pm: pluggy.PluginManager
    scaffolds: dict[str, object]
    plasticity: Any
    energy: Any
    noise: Any
    drift: list[Callable[..., None]]


def resolve_agent_hooks(
    config: Any,
    scaffolds: Iterable[str] = (),
    plugins: Iterable[object] = (),
    *,
    entry_points: bool = True,
    defaults: Iterable[object] = (),
) -> AgentHooks:
    """Build one population's manager and resolve its agent hooks (nothing is dispatched per step).

    Scaffolds are instantiated by name (``factory(config)``) and registered on this manager only, then
    ``plugins``; the ``plasticity``, ``energy`` and ``noise`` hooks give one component each, and the
    ``relational_drift`` implementations become plain callables in pluggy's calling order.
    """
    pm = make_plugin_manager(entry_points=entry_points, defaults=defaults)
    known = registry(pm, "register_scaffolds", "scaffold")
    instances = {name: known[name](config) for name in scaffolds}
    for name, scaffold in instances.items():
        pm.register(scaffold, name=f"scaffold:{name}")
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return AgentHooks(
        pm=pm,
        scaffolds=instances,
        plasticity=pm.hook.plasticity(config=config),
        energy=pm.hook.energy(config=config),
        noise=pm.hook.noise(config=config),
        drift=[impl.function for impl in reversed(pm.hook.relational_drift.get_hookimpls())],
    )


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
