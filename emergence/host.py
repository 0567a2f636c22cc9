"""The host: plugin managers, hook resolution and the catalogue of names; the one place that loads
entry points.

Each population of agents gets its own manager, so twin A's scaffold never reaches twin B:
``build_agent`` makes it, resolves it once into ``AgentHooks`` (``resolve_agent_hooks``) and hands that
to the substrate's population, which never sees pluggy in its step loop. Name lookups (substrates,
scaffolds, metrics, protocols, executors) go through one ``Catalogue`` per command. Built-in plugins
are found through the ``emergence`` entry-point group exactly like third-party ones; only the core's
essential plugins (the field substrate, the local executor) are registered directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache, cached_property
from importlib.metadata import distributions, version
from typing import Any

import pluggy

from .config import ConfigError, check_seeds
from . import executors as local_executor
from .contract import (
    AgentHooks,
    Executor,
    PluginError,
    PluginSpec,
    Registry,
    Resources,
    Substrate,
    collect,
    hookspecs,
    plugin_label,
    plugin_package,
    resolve_spec,
)
from .fields import substrate as fields_substrate

__all__ = [
    "ENTRY_POINT_GROUP",
    "DEFAULT_SUBSTRATE",
    "make_plugin_manager",
    "resolve_agent_hooks",
    "check_scaffolds",
    "build_agent",
    "open_executor",
    "executor_workers",
    "Catalogue",
    "installed",
    "plugin_sources",
    "check_names",
    "check_entry_points",
    "scaffold_label",
]

ENTRY_POINT_GROUP = "emergence"
DEFAULT_SUBSTRATE = "fields"


def make_plugin_manager(
    plugins: Iterable[object] = (), *, entry_points: bool = True, essentials: bool = True
) -> pluggy.PluginManager:
    """A fresh manager: hook specs, the core's essential plugins (the field substrate, the local
    executor), installed plugins, then ``plugins``.

    Registered last, ``plugins`` are asked first. A hook implementation that matches no spec fails here
    (``check_pending``) rather than being silently ignored, and so does a plugin name that two installed
    packages register (``check_entry_points``) rather than one shadowing the other.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if essentials:
        pm.register(fields_substrate, name="emergence.fields")
        pm.register(local_executor, name="emergence.executors")
    if entry_points:
        check_entry_points([name for name, _ in pm.list_name_plugin()])
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in plugins:
        pm.register(plugin)
    _check_pending(pm)
    return pm


def _check_pending(pm: pluggy.PluginManager) -> None:
    """pluggy's ``check_pending`` (a hook implementation that matches no spec fails), with one line for a
    hook that was renamed (``hookspecs.RENAMED``): the plugin and the new name."""
    for old, new in hookspecs.RENAMED.items():
        impls = getattr(pm.hook, old).get_hookimpls() if hasattr(pm.hook, old) else []
        if impls:
            raise PluginError(
                f"plugin {plugin_label(pm, impls[0].plugin_name)}: the hook {old} is now {new}; rename {old} to {new}"
            )
    pm.check_pending()


def check_entry_points(taken: Iterable[str] = ()) -> None:
    """A PluginError when two installed packages register one plugin name in the ``emergence`` entry-point
    group, or a package registers a name in ``taken`` (the core's): pluggy would load one and skip the
    other without a word. One package found twice on the path is not a collision."""
    owners: dict[str, dict[str, str]] = {name: {"emergence": f"emergence {version('emergence')}"} for name in taken}
    for dist in distributions():
        entries = dist.entry_points.select(group=ENTRY_POINT_GROUP)
        package = dist.metadata["Name"] if entries else None  # reading the metadata is the slow part
        for entry in entries if package else ():
            owners.setdefault(entry.name, {})[re.sub(r"[-_.]+", "-", package).lower()] = f"{package} {dist.version}"
    for name, packages in owners.items():
        if len(packages) > 1:
            other = next(key for key in reversed(packages) if key != "emergence")
            raise PluginError(
                f"two installed packages register the plugin {name!r} ({', '.join(packages.values())}); "
                f"only one would be used: uninstall one of them (pip uninstall {other})"
            )


def check_names(kind: str, names: Any, items: tuple[type, ...] = (str,)) -> tuple[Any, ...]:
    """``names`` as a tuple of strings (or other ``items``); a bare one (``"hrls"`` for ``["hrls"]``) is a
    TypeError."""
    if isinstance(names, items) or not isinstance(names, Iterable):
        raise TypeError(f"{kind} must be a sequence of names, e.g. [{names!r}], got {type(names).__name__}")
    names = tuple(names)
    for name in names:
        if not isinstance(name, items):
            raise TypeError(f"{kind} must hold names (strings), got {name!r}")
    return names


def resolve_agent_hooks(
    config: Any,
    scaffolds: Sequence[str | PluginSpec] = (),
    plugins: Iterable[object] = (),
    *,
    entry_points: bool = True,
    catalogue: Catalogue | None = None,
) -> AgentHooks:
    """Build one population's manager and resolve its agent hooks (nothing is dispatched per step).

    Scaffolds are named by spec (resolved ``PluginSpec``s, or text: ``"hrls"``,
    ``"damp:threshold=0.02"``), looked up in ``catalogue``'s scaffolds (default: this manager's),
    instantiated (``factory(config, settings)``, or ``factory(config)`` for one without ``SETTINGS``) and
    registered on this manager only, then ``plugins``; the ``plasticity``, ``energy`` and ``noise`` hooks
    give one component each (None: the substrate's default), and the ``relational_drift`` and
    ``receive_feedback`` implementations become plain callables in pluggy's calling order. ``sources``
    labels the plugin behind each; a scaffold that cannot be built or a hook that raises is a PluginError
    naming the plugin (a ConfigError, a scaffold refusing its settings, passes as it is).
    """
    pm = make_plugin_manager(entry_points=entry_points)
    known_pm = catalogue.pm if catalogue is not None else pm
    known = catalogue.scaffolds if catalogue is not None else collect(pm, "register_scaffolds", "scaffold")
    instances, labels = _built(config, scaffolds, known_pm, known)
    for name, scaffold in instances.items():
        pm.register(scaffold, name=f"scaffold:{name}")
    for plugin in plugins:
        pm.register(plugin)
    _check_pending(pm)

    def label(impl: Any) -> str:
        return labels.get(impl.plugin_name) or f"plugin {plugin_label(pm, impl.plugin_name)}"

    parts = {hook: _component(getattr(pm.hook, hook), config, label) for hook in ("plasticity", "energy", "noise")}
    calls = {
        hook: list(reversed(getattr(pm.hook, hook).get_hookimpls()))
        for hook in ("relational_drift", "receive_feedback")
    }
    return AgentHooks(
        pm=pm,
        scaffolds=instances,
        plasticity=parts["plasticity"][0],
        energy=parts["energy"][0],
        noise=parts["noise"][0],
        drift=[impl.function for impl in calls["relational_drift"]],
        feedback=[impl.function for impl in calls["receive_feedback"]],
        sources={
            **{hook: (who,) for hook, (_, who) in parts.items() if who is not None},
            **{hook: tuple(map(label, impls)) for hook, impls in calls.items() if impls},
        },
    )


def check_scaffolds(config: Any, scaffolds: Sequence[str | PluginSpec], catalogue: Catalogue | None = None) -> None:
    """Fail early, in one line, where ``scaffolds`` cannot scaffold ``config``: each is built once and its
    hooks are checked against the specs (on a bare manager: no entry points are loaded, no population)."""
    catalogue = catalogue or installed()
    instances, _ = _built(config, scaffolds, catalogue.pm, catalogue.scaffolds)
    pm = make_plugin_manager(entry_points=False, essentials=False)
    for name, scaffold in instances.items():
        pm.register(scaffold, name=f"scaffold:{name}")
    _check_pending(pm)


def _built(
    config: Any, scaffolds: Sequence[str | PluginSpec], pm: pluggy.PluginManager, known: Registry
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each scaffold built for ``config`` by its name, and its label by plugin name (``scaffold:NAME``)."""
    instances, labels = {}, {}
    for spec in check_names("scaffolds", scaffolds, (str, PluginSpec)):
        scaffold = resolve_spec("scaffold", spec, known)
        if scaffold.name in instances:
            raise ConfigError(f"scaffold {scaffold.name!r} is named twice; give it once with all its settings")
        label = labels[f"scaffold:{scaffold.name}"] = scaffold_label(pm, known, scaffold.name)
        factory, settings = known[scaffold.name], scaffold.settings
        with _blamed(label, "its construction"):
            instances[scaffold.name] = factory(config) if settings is None else factory(config, settings)
    return instances, labels


def scaffold_label(pm: pluggy.PluginManager, registry: Registry, name: str) -> str:
    """How a message names the scaffold ``name``: ``scaffold 'damp' (emergence-damp 0.1.0)``, with the
    package of the plugin that registered it on ``pm`` where known."""
    owner = registry.owners.get(name)
    package = plugin_package(pm, owner) if owner is not None else None
    return f"scaffold {name!r}" + (f" ({' '.join(package)})" if package else "")


@contextmanager
def _blamed(label: str, hook: str) -> Iterator[None]:
    """An exception (but a ConfigError) raised inside as a PluginError naming ``label`` and ``hook``."""
    try:
        yield
    except ConfigError:
        raise
    except Exception as err:
        raise PluginError.raised(label, hook, err) from err


def _component(hook: Any, config: Any, label: Callable[[Any], str]) -> tuple[Any, str | None]:
    """The first non-None result of the component hook ``hook`` in pluggy's calling order, and the label
    of the plugin that gave it ((None, None): none did, the substrate's default is used)."""
    for impl in reversed(hook.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue
        with _blamed(label(impl), f"its {hook.name} hook"):
            result = impl.function(config=config)
        if result is not None:
            return result, label(impl)
    return None, None


def build_agent(
    config: Any,
    init_seeds: Sequence[int],
    noise_seeds: Sequence[int],
    *,
    scaffolds: Sequence[str | PluginSpec] = (),
    plugins: Iterable[object] = (),
    entry_points: bool = True,
    device: Any = "cpu",
    catalogue: Catalogue | None = None,
    input_seeds: Sequence[int] | None = None,
) -> Any:
    """A population of ``config``'s substrate, one agent per (init seed, noise seed), with its own
    plugin manager: the scaffolds named (``["hrls"]``, ``["damp:threshold=0.02"]``), installed plugins,
    then ``plugins``. ``catalogue`` (default: the installed plugins') supplies the substrate and the
    scaffolds."""
    substrate = (catalogue or installed()).substrate_of(config)
    check_seeds("init_seeds", init_seeds), check_seeds("noise_seeds", noise_seeds)
    hooks = resolve_agent_hooks(config, scaffolds, plugins, entry_points=entry_points, catalogue=catalogue)
    extra = {} if input_seeds is None else {"input_seeds": input_seeds}
    return substrate.build(config, init_seeds, noise_seeds, hooks=hooks, device=device, **extra)


def open_executor(spec: str | PluginSpec, resources: Resources, catalogue: Catalogue | None = None) -> Executor:
    """The executor named by ``spec`` (``"local"``, ``"ray:address=auto"``, or resolved) with ``resources``;
    an unknown name, field or a bad value is one error naming the executor and the field."""
    registry = (catalogue or installed()).executors
    spec = resolve_spec("executor", spec, registry)
    factory = registry[spec.name]
    return factory(resources) if spec.settings is None else factory(resources, spec.settings)


def executor_workers(spec: str | PluginSpec, resources: Resources, catalogue: Catalogue | None = None) -> int | None:
    """How many tasks the executor named by ``spec`` would run at once, without starting it: what its
    factory's ``planned_workers(resources, settings)`` says where it has one, else ``resources.workers``
    (None: as many as its machines allow)."""
    registry = (catalogue or installed()).executors
    spec = resolve_spec("executor", spec, registry)
    planned = getattr(registry[spec.name], "planned_workers", None)
    return resources.workers if planned is None else planned(resources, spec.settings)


class Catalogue:
    """The names installed plugins contribute, from one plugin manager: build one per command."""

    def __init__(self, pm: pluggy.PluginManager | None = None):
        self.pm = pm or make_plugin_manager()

    @cached_property
    def substrates(self) -> Registry:
        return collect(self.pm, "register_substrates", "substrate")

    @cached_property
    def scaffolds(self) -> Registry:
        return collect(self.pm, "register_scaffolds", "scaffold")

    @cached_property
    def metrics(self) -> Registry:
        return collect(self.pm, "register_emotion_metrics", "emotion metric")

    @cached_property
    def protocols(self) -> Registry:
        return collect(self.pm, "register_protocols", "protocol")

    @cached_property
    def studies(self) -> Registry:
        return collect(self.pm, "register_studies", "study")

    @cached_property
    def executors(self) -> Registry:
        return collect(self.pm, "register_executors", "executor")

    def substrate_of(self, config: Any) -> Substrate:
        """The substrate whose config class ``config`` is; anything else is a TypeError naming them."""
        for substrate in self.substrates.entries.values():
            if type(config) is substrate.config_class:
                return substrate
        known = ", ".join(f"{s.config_class.__name__} ({s.name})" for s in self.substrates.entries.values())
        raise TypeError(
            f"config must be a substrate's config ({known or 'none installed'}), got {type(config).__name__}"
        )

    def sources(self) -> list[tuple[str, str, str]]:
        return plugin_sources(self.pm)


@cache
def installed() -> Catalogue:
    """The process's catalogue of installed plugins, built on first use (plugins installed later in the
    same process are not seen; a test that registers its own builds a ``Catalogue(pm)``)."""
    return Catalogue()


def plugin_sources(pm: pluggy.PluginManager) -> list[tuple[str, str, str]]:
    """(plugin name, distribution, version) for every registered plugin; the core's for essentials."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    rows = []
    for name, plugin in pm.list_name_plugin():
        dist = dists.get(id(plugin))
        if dist is not None:
            rows.append((name, dist.project_name, dist.version))
        else:
            rows.append((name, "emergence", version("emergence")))
    return rows
