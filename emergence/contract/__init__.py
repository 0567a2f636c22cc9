"""What plugin authors code against: the hooks, the agent and component interfaces, the substrate
record, the emotion-metric interface and the registries. Imports nothing of the core but ``config``
(no torch)."""

from .agent import Agent, AgentHooks, EnergyModel, NoiseModel, PlasticityRule
from .executor import Executor, Resources, TaskFailed
from .hookspecs import PROJECT, hookimpl, hookspec
from .metric import EmotionData, EmotionMetric, PerTwinMetric
from .protocol import ProtocolEntry
from .registry import PluginError, Registry, UnknownPluginError, collect, plugin_label, plugin_package
from .scaffold import declared_state, settings_dict
from .spec import PluginSpec, make_settings, parse_value, resolve_spec, resolve_specs, split_spec
from .study import Study
from .substrate import Substrate

__all__ = [
    "Agent",
    "AgentHooks",
    "EnergyModel",
    "NoiseModel",
    "PlasticityRule",
    "PROJECT",
    "hookimpl",
    "hookspec",
    "EmotionData",
    "EmotionMetric",
    "PerTwinMetric",
    "ProtocolEntry",
    "Registry",
    "UnknownPluginError",
    "PluginError",
    "collect",
    "plugin_label",
    "plugin_package",
    "Study",
    "Substrate",
    "Executor",
    "Resources",
    "TaskFailed",
    "declared_state",
    "settings_dict",
    "PluginSpec",
    "split_spec",
    "parse_value",
    "make_settings",
    "resolve_spec",
    "resolve_specs",
]
