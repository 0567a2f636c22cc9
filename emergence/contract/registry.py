"""Named objects that plugins contribute through a register hook (``register_scaffolds``, ...)."""

from __future__ import annotations

from typing import Any

import pluggy

__all__ = ["Registry", "UnknownPluginError", "PluginError", "collect", "plugin_label", "plugin_package"]


class UnknownPluginError(LookupError):
    """A name that no installed plugin provides; the message lists the known names."""


class PluginError(Exception):
    """A plugin misbehaved: it registers a name another plugin has, raised in one of its hooks or handed
    the agent a value of the wrong shape or not finite; the message names the plugin and the hook."""

    FIX = "fix or update that plugin"

    @classmethod
    def raised(cls, plugin: str, hook: str, err: BaseException, step: int | None = None) -> PluginError:
        """The error for ``err``, raised in the ``hook`` of ``plugin`` (a label: ``scaffold 'damp'
        (emergence-damp 0.1.0)``), at ``step`` of the agent when given; its message is one line."""
        at = "" if step is None else f" at step {step}"
        text = next(iter(str(err).splitlines()), "")
        return cls(f"{plugin}: {hook} raised {type(err).__name__}{at}: {text}; {cls.FIX}")


class Registry:
    """Named objects contributed through one register hook, and the plugin (its name on the manager
    that collected them) that registered each."""

    def __init__(self, kind: str, entries: dict[str, Any], owners: dict[str, str] | None = None):
        self.kind = kind
        self.entries = entries
        self.owners = owners or {}

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
    """Collect the ``register(name, obj)`` calls of the register hook ``hook`` into a Registry, in
    pluggy's calling order; a name registered twice is a PluginError naming both plugins."""
    entries: dict[str, Any] = {}
    owners: dict[str, str] = {}
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue

        def register(name: str, obj: Any, plugin: str = impl.plugin_name) -> None:
            if name in entries:
                raise PluginError(
                    f"two plugins register the {kind} {name!r}: {plugin_label(pm, owners[name])} and "
                    f"{plugin_label(pm, plugin)}; uninstall one of them"
                )
            entries[name], owners[name] = obj, plugin

        impl.function(register=register)
    return Registry(kind, entries, owners)


def plugin_package(pm: pluggy.PluginManager, name: str) -> tuple[str, str] | None:
    """(package, version) of the installed package whose entry point registered the plugin ``name`` on
    ``pm``; None for a plugin registered otherwise (the core's essentials, a test's objects)."""
    plugin = pm.get_plugin(name)
    for registered, dist in pm.list_plugin_distinfo():
        if registered is plugin:
            return dist.project_name, dist.version
    return None


def plugin_label(pm: pluggy.PluginManager, name: str) -> str:
    """How a message names the plugin registered on ``pm`` as ``name``: ``'faulty' (emergence-faulty
    0.1.0)``; its class for a plugin registered without a name."""
    plugin = pm.get_plugin(name)
    label = type(plugin).__name__ if name == str(id(plugin)) else repr(name)
    package = plugin_package(pm, name)
    return f"{label} ({' '.join(package)})" if package else label
