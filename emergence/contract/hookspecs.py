"""Every hook of ``emergence``, typed and documented.

Two kinds of hook:

* **Agent hooks** (``plasticity``, ``energy``, ``noise``, ``relational_drift``, ``receive_feedback``)
  live on the plugin manager of one population of agents, which ``emergence.host`` resolves once, when
  the population is built: the first three each *provide a component*, the last two become lists of
  plain callables. Nothing is dispatched through pluggy inside the step loop.
* **Register hooks** (``register_emotion_metrics``, ``register_scaffolds``, ``register_protocols``,
  ``register_substrates``, ``register_studies``, ``register_executors``, ``register_commands``)
  contribute named objects; every implementation is called.

pluggy calls implementations last-registered-first, so a population's own plugins are asked before
installed ones. When every implementation of ``plasticity``, ``energy`` or ``noise`` returns ``None`` (or
there is none), the population uses its substrate's default component (``default_plasticity``,
``HomeostaticEnergy``, ``StateDependentNoise``).

The agent hooks receive the agent's config, an instance of its substrate's config class
(``AgentConfig`` for continuous fields, ``TransformerConfig`` for the transformer, ...): an
implementation for one substrate only returns ``None`` for the others' configs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:
    import click

    from .agent import Agent, EnergyModel, NoiseModel, PlasticityRule
    from .executor import Executor
    from .metric import EmotionMetric
    from .protocol import ProtocolEntry
    from .study import Study
    from .substrate import Substrate

__all__ = ["hookspec", "hookimpl", "PROJECT", "RENAMED"]

PROJECT = "emergence"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: Hooks that were renamed: old name -> new name (a plugin implementing an old name is told to rename it).
RENAMED = {"emotion_metric": "register_emotion_metrics"}


@hookspec(firstresult=True)
def plasticity(config: Any) -> PlasticityRule | None:
    """Provide the learning rule that updates the agent's weights.

    Called once when a population is built. Without a result the substrate's default is used: for
    fields, normalised Oja with weight noise on the recurrent matrices
    (``emergence.fields.plasticity.OjaPlasticity``); for the transformer, next-token or Hebbian learning.

    :param config: the agent configuration (of the agent's substrate).
    :return: an object with ``apply(agent, learning)``; ``learning`` is a bool tensor, one per agent,
        that is false while the agent sleeps or its energy is at or below ``learn_above``.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def energy(config: Any) -> EnergyModel | None:
    """Provide the energy model: depletion by activity, homeostasis, sleep/wake hysteresis.

    Called once when a population is built. Without a result the default is
    ``emergence.agents.energy.HomeostaticEnergy`` (every substrate: it reads the shared ``EnergyConfig``
    fields and the cortex ``main``).

    :param config: the agent configuration (of the agent's substrate).
    :return: an object with ``update(energy, awake, main) -> (energy, awake)`` over the population.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def noise(config: Any) -> NoiseModel | None:
    """Provide the state-dependent noise amplitudes of the agent's fields.

    Called once when a population is built. Without a result the default scales each field's base
    amplitude by ``1 + |a|`` per neuron (``emergence.agents.dynamics.StateDependentNoise``).

    :param config: the agent configuration (of the agent's substrate).
    :return: an object with ``amplitude(field, activation) -> Tensor`` where ``field`` is one of
        ``"sensory"``, ``"main"``, ``"emotion"`` (fields) or ``"main"``, ``"emotion"``, ``"sampling"``
        (transformer).

    Stops at first non-None result.
    """


@hookspec
def relational_drift(agent: Agent, step: int) -> None:
    """Act on the agent after each step's dynamics and plasticity: the scaffold's hook (HRLS nudges).

    Resolved once per population into plain callables, then called every step.

    :param agent: the population of agents (tensors with a leading agent axis), of any substrate: use
        only the agent interface (``emergence.contract.Agent``).
    :param step: the index of the step just taken (0 for the first post-birth step).

    Every implementation is called; pure surge implements none.
    """


@hookspec
def receive_feedback(agent: Agent, message: str, strength: float) -> None:
    """Give the agent a mentor's feedback (the harness's periodic "Be kind to small voices").

    :param agent: the population of agents; every agent of it receives the message.
    :param message: the feedback text.
    :param strength: how strongly it is held (HRLS stores it on the Principle Card).

    Resolved once per population into plain callables. Every implementation is called; a scaffold
    without feedback (pure surge) implements none.
    """


@hookspec
def register_emotion_metrics(register: Callable[[str, EmotionMetric], None]) -> None:
    """Contribute emotion metrics: ways to turn one twin's recorded emotion data into a scalar series.

    :param register: call ``register(name, metric)`` for each metric; names must be unique.

    Every implementation is called.
    """


@hookspec
def register_scaffolds(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Contribute scaffolds: named factories of per-population plugins that give a twin its character.

    :param register: call ``register(name, factory)``, usually the scaffold's class. Its ``SETTINGS``
        (a frozen attrs class) declares its parameters (``--a NAME:FIELD=VALUE``) and its ``STATE`` the
        attributes a checkpoint saves; ``factory(config, settings)`` (``factory(config)`` without
        ``SETTINGS``) returns a plugin object registered on one population's manager only (HRLS for
        twin A, surge for twin B).

    Every implementation is called.
    """


@hookspec
def register_protocols(register: Callable[[str, ProtocolEntry], None]) -> None:
    """Contribute protocols (experiments) such as ``twins``.

    :param register: call ``register(name, entry)`` with an ``emergence.contract.ProtocolEntry``: the
        protocol's click command (``emergence protocol NAME``) and its Python entry (``sweep``).

    Every implementation is called.
    """


@hookspec
def register_substrates(register: Callable[[str, Substrate], None]) -> None:
    """Contribute substrates: kinds of agent that the protocols can grow (``--substrate NAME``).

    :param register: call ``register(name, substrate)`` with an ``emergence.contract.Substrate``
        (config class, presets, ``build``); the core registers ``fields``.

    Every implementation is called.
    """


@hookspec
def register_studies(register: Callable[[str, Study], None]) -> None:
    """Contribute studies: grids of sweeps that each answer one question (``emergence study NAME``).

    :param register: call ``register(name, study)`` with an ``emergence.contract.Study`` (its question,
        axes and shared options).

    Every implementation is called; names must be unique.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``emergence`` command-line interface.

    :param cli: the top-level click group; add commands with ``@cli.command()``.

    Every implementation is called.
    """


@hookspec
def register_executors(register: Callable[[str, Callable[..., Executor]], None]) -> None:
    """Contribute executors: where a sweep's chunks of runs are grown (``--executor NAME``).

    :param register: call ``register(name, factory)`` with an executor's factory, usually its class
        (``emergence.contract.executor``): ``factory(resources, settings)``, or ``factory(resources)``
        without ``SETTINGS``. The core registers ``local``; ``ray`` and ``slurm`` come with the
        ``emergence[ray]`` and ``emergence[slurm]`` extras.

    Every implementation is called; names must be unique.
    """
