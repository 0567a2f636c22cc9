"""Substrates: the kinds of agent a protocol can grow, each behind the ``Agent`` interface.

A substrate is a ``Substrate`` registered through the ``register_substrates`` hook: a name, a frozen
config class with its presets, and a ``build`` that returns a population (``emergence.components.Agent``).
The core registers the continuous-field substrate ``fields`` (``ContinuousEmergeBase``); plugins add
others (``transformer``). Protocols, metrics and statistics never ask which substrate runs.
Importing this module does not import torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pluggy
from attrs import field, frozen

from .components import Agent
from .config import PRESETS, AgentConfig, config_from_dict, preset
from .plugins import Registry, UnknownPluginError, make_plugin_manager, registry

__all__ = ["Substrate", "FIELDS", "DEFAULT_SUBSTRATE", "substrates", "substrate_of", "build_agent"]

DEFAULT_SUBSTRATE = "fields"


@frozen
class Substrate:
    """One kind of agent.

    :param name: its registered name (``--substrate NAME``).
    :param config_class: its frozen config class (shares the core's emotion, energy and dream groups).
    :param presets: preset name -> config values; ``small`` and ``paper`` match the protocols' presets.
    :param build: ``build(config, init_seeds, noise_seeds, *, scaffolds=(), plugins=(),
        entry_points=True, device="cpu") -> Agent``: a population, one agent per seed pair.
    :param agent_bytes: bytes of one agent (weights, state and the temporaries of a step), for planning.
    :param weight_noise_mode: a line saying how weight noise is applied, for the manifest and the report.
    :param plastic: names of the agent's tensors that learning may change (and only learning).
    :param bounded: names of the agent's activations that stay within [-1, 1].
    :param engine: ``engine(config, device) -> str``: which engine a population of ``config`` runs on
        ``device`` (recorded in the manifest; ``"plain"``: torch ops).
    """

    name: str
    config_class: type
    presets: dict[str, dict[str, Any]]
    build: Callable[..., Agent]
    agent_bytes: Callable[[Any], int]
    weight_noise_mode: Callable[[Any], str]
    plastic: tuple[str, ...] = field(converter=tuple)
    bounded: tuple[str, ...] = field(converter=tuple)
    engine: Callable[[Any, Any], str] = lambda config, device: "plain"

    def preset(self, name: str, **overrides: Any) -> Any:
        """The named preset with ``overrides``; an unknown preset lists the known ones."""
        return preset(name, presets=self.presets, cls=self.config_class, **overrides)

    def config_from_dict(self, values: dict[str, Any]) -> Any:
        return config_from_dict(values, self.config_class)


def substrates(pm: pluggy.PluginManager | None = None) -> Registry:
    """Every registered substrate by name (an unknown name lists the known ones)."""
    return registry(pm or make_plugin_manager(), "register_substrates", "substrate")


def substrate_of(config: Any, pm: pluggy.PluginManager | None = None) -> Substrate:
    """The substrate whose config class ``config`` is."""
    known = substrates(pm)
    for substrate in known.entries.values():
        if type(config) is substrate.config_class:
            return substrate
    raise UnknownPluginError(
        f"no substrate grows a {type(config).__name__}; known substrates: {', '.join(known.names()) or 'none'}"
    )


def build_agent(config: Any, init_seeds: Sequence[int], noise_seeds: Sequence[int], **kwargs: Any) -> Agent:
    """A population of the substrate that ``config`` belongs to."""
    return substrate_of(config).build(config, init_seeds, noise_seeds, **kwargs)


# -- the continuous-field substrate (MODEL.md sections 1-4) -------------------------------------------
def _build_fields(config: AgentConfig, init_seeds, noise_seeds, **kwargs) -> Agent:
    from .base import ContinuousEmergeBase

    return ContinuousEmergeBase(config, init_seeds, noise_seeds, **kwargs)


def _field_bytes(config: AgentConfig) -> int:
    """Weights and state of one field agent (the recurrent matrix dominates); the engines allocate no
    temporary of a matrix's size."""
    n_in, n, e = config.n_input, config.n_main, config.n_emo
    itemsize = 4 if config.dtype == "float32" else 8
    weight_itemsize = 2 if config.weight_dtype == "bfloat16" else itemsize
    return weight_itemsize * (n * n + n * n_in + e * n + e * e) + itemsize * 8 * (n + e + n_in)


def _field_engine(config: AgentConfig, device) -> str:
    from .base import engine_for

    return engine_for(config, device)


def _field_weight_noise(config: AgentConfig) -> str:
    if config.weight_noise_every == 1:
        return "exact: fresh Gaussian weight noise every learning step"
    return (f"every {config.weight_noise_every} steps with SD x sqrt({config.weight_noise_every}) "
            "(same random-walk variance as per-step noise)")


FIELDS = Substrate(
    name="fields",
    config_class=AgentConfig,
    presets=PRESETS,
    build=_build_fields,
    agent_bytes=_field_bytes,
    weight_noise_mode=_field_weight_noise,
    plastic=("W_in_main", "W_rec_main", "W_main_emo", "W_rec_emo"),
    bounded=("sensory", "main", "emotion"),
    engine=_field_engine,
)
