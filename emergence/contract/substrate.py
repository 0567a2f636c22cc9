"""Substrates: the kinds of agent a protocol can grow, each behind the ``Agent`` interface.

A substrate is a ``Substrate`` registered through the ``register_substrates`` hook: a name, a frozen
config class with its presets, and a ``build`` that returns a population (``emergence.contract.Agent``).
The core registers the continuous-field substrate ``fields`` (``emergence.fields``); plugins add
others (``transformer``). Protocols, metrics and statistics never ask which substrate runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import field, frozen

from ..config import ConfigError, config_from_dict
from .agent import Agent

__all__ = ["Substrate"]


@frozen
class Substrate:
    """One kind of agent.

    :param name: its registered name (``--substrate NAME``).
    :param config_class: its frozen config class (shares the core's emotion, energy and dream groups).
    :param presets: preset name -> config values; ``small`` and ``paper`` match the protocols' presets.
    :param build: ``build(config, init_seeds, noise_seeds, *, hooks=None, device="cpu") -> Agent``: a
        population, one agent per seed pair, whose step runs the components of ``hooks``
        (``emergence.contract.AgentHooks``, resolved by ``emergence.build_agent``; None: the defaults).
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
        if name not in self.presets:
            raise ConfigError(f"unknown preset {name!r}; known presets: {', '.join(sorted(self.presets))}")
        return config_from_dict({**self.presets[name], **overrides}, self.config_class)

    def nearest_preset(self, values: dict[str, Any]) -> dict[str, Any]:
        """The preset that ``values`` (a config as a dict) differs from in fewest fields, and those fields."""
        best = None
        for name in self.presets:
            preset = self.preset(name)
            changed = {k: v for k, v in values.items() if getattr(preset, k, v) != v}
            if best is None or len(changed) < len(best["changed"]):
                best = {"name": name, "changed": changed}
        return best

    def config_from_dict(self, values: dict[str, Any]) -> Any:
        return config_from_dict(values, self.config_class)
