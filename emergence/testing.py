"""Public test helpers: hypothesis strategies and invariant checks for agents and plugin authors.

The checks work on every substrate: they build agents through the substrate registry and read only
the agent interface (``emergence.contract.Agent``). Use them on your own plugin::

    from hypothesis import given
    from emergence.testing import agent_configs, check_invariants

    @given(agent_configs())
    def test_my_plugin_keeps_invariants(config):
        check_invariants(config, plugins=[MyPlugin()])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from hypothesis import strategies as st

from .contract import Agent, Substrate, hookimpl
from .fields import AgentConfig
from .host import build_agent, installed

__all__ = [
    "agent_configs",
    "energy_and_dream_fields",
    "SilentNoise",
    "texts",
    "seeds",
    "grow",
    "check_activations_bounded",
    "check_energy_bounded",
    "check_hysteresis",
    "check_no_learning_while_asleep",
    "check_invariants",
]

class SilentNoise:
    """A plugin whose ``noise`` model is silent (every amplitude 0): with it, an agent's noise seed no
    longer matters, which isolates the noise model as the source of twins' divergence."""

    def amplitude(self, field: str, activation: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(activation)

    @hookimpl
    def noise(self, config):
        return self


seeds = st.integers(min_value=0, max_value=2**31 - 1)
texts = st.text(min_size=1, max_size=80)


def energy_and_dream_fields(draw, max_energy_cost: float = 0.1, max_resonance_every: int = 20) -> dict:
    """Draws of the energy and dream-loop fields every substrate's config shares (``EnergyConfig``,
    ``DreamConfig``), for a substrate's own config strategy: ``Config(**energy_and_dream_fields(draw), ...)``."""
    sleep_below = draw(st.floats(0.05, 0.6))
    return dict(
        energy_homeostasis=draw(st.floats(0.0, 0.05)),
        energy_cost=draw(st.floats(0.0, max_energy_cost)),
        sleep_below=sleep_below,
        wake_above=draw(st.floats(sleep_below + 0.05, 0.95)),
        seed_text=draw(texts),
        resonance_every=draw(st.integers(1, max_resonance_every)),
        trail_length=draw(st.integers(1, 16)),
    )


@st.composite
def agent_configs(draw, max_main: int = 96, max_emo: int = 24) -> AgentConfig:
    """Valid small configurations across the ranges that matter for the dynamics' invariants."""
    return AgentConfig(
        n_input=draw(st.integers(4, 32)),
        n_main=draw(st.integers(8, max_main)),
        n_emo=draw(st.integers(2, max_emo)),
        dt=draw(st.floats(0.1, 1.0)),
        tau_sensory=draw(st.floats(1.0, 10.0)),
        tau_main=draw(st.floats(1.0, 20.0)),
        tau_emo=draw(st.floats(1.0, 20.0)),
        recurrent_gain=draw(st.floats(0.0, 3.0)),
        emo_recurrent_gain=draw(st.floats(0.0, 3.0)),
        bias_scale=draw(st.floats(0.0, 1.0)),
        main_noise=draw(st.floats(0.0, 0.5)),
        emo_noise=draw(st.floats(0.0, 0.5)),
        text_noise=draw(st.floats(0.0, 0.5)),
        eta_in_main=draw(st.floats(0.0, 0.05)),
        eta_main_emo=draw(st.floats(0.0, 0.05)),
        eta_rec_main=draw(st.floats(0.0, 0.05)),
        eta_rec_emo=draw(st.floats(0.0, 0.05)),
        weight_noise=draw(st.floats(0.0, 1e-2)),
        weight_noise_every=draw(st.integers(1, 5)),
        **energy_and_dream_fields(draw),
    )


def grow(config, steps: int, seed: int = 0, population: int = 2, **kwargs) -> Agent:
    """A population of ``population`` agents of ``config``'s substrate, seeds from ``seed``, stepped
    ``steps`` times."""
    agent = build_agent(
        config, [seed + p for p in range(population)], [seed + 1000 + p for p in range(population)], **kwargs
    )
    agent.run(steps)
    return agent


def check_activations_bounded(agent: Agent, substrate: Substrate | None = None) -> None:
    """``main`` and ``emotion`` are finite, and the activations the substrate bounds (tanh fields) lie
    within [-1, 1] (float rounding may reach 1)."""
    bounded = (substrate or installed().substrate_of(agent.config)).bounded
    for name in dict.fromkeys(("main", "emotion", *bounded)):
        a = getattr(agent, name)
        assert torch.isfinite(a).all(), f"{name} has non-finite activations"
        if name in bounded:
            assert a.abs().max() <= 1.0, f"{name} left [-1, 1]: max |a| = {float(a.abs().max())}"


def check_energy_bounded(agent: Agent) -> None:
    assert ((agent.energy >= 0) & (agent.energy <= 1)).all(), f"energy left [0, 1]: {agent.energy.tolist()}"


def check_hysteresis(energy: Sequence[float], awake: Sequence[bool], sleep_below: float, wake_above: float) -> None:
    """Along one agent's trajectory: it falls asleep only below ``sleep_below`` and wakes only above
    ``wake_above``; between the two it keeps its state."""
    for t in range(1, len(energy)):
        if awake[t - 1] and not awake[t]:
            assert energy[t] < sleep_below, f"fell asleep at step {t} with energy {energy[t]}"
        if not awake[t - 1] and awake[t]:
            assert energy[t] > wake_above, f"woke at step {t} with energy {energy[t]}"
        if sleep_below <= energy[t] <= wake_above:
            assert awake[t] == awake[t - 1], f"changed state at step {t} inside the hysteresis band"


def check_no_learning_while_asleep(agent: Agent, steps: int) -> None:
    """Step ``steps`` times; an agent that cannot learn at a step keeps every plastic weight of its
    substrate through that step (the agent must carry no scaffold that writes weights)."""
    names = installed().substrate_of(agent.config).plastic
    for _ in range(steps):
        before = {name: getattr(agent, name).clone() for name in names}
        agent.step()
        frozen = ~agent.learning
        for name in names:
            after = getattr(agent, name)
            assert torch.equal(after[frozen], before[name][frozen]), f"{name} changed while the agent could not learn"


def check_invariants(config, steps: int = 60, seed: int = 0, **kwargs) -> Agent:
    """Grow a small population of ``config``'s substrate step by step and check boundedness, energy
    bounds and hysteresis."""
    substrate = installed().substrate_of(config)
    agent = build_agent(config, [seed, seed + 1], [seed + 7, seed + 8], **kwargs)
    energy, awake = [agent.energy.clone()], [agent.awake.clone()]
    for _ in range(steps):
        agent.step()
        check_activations_bounded(agent, substrate)
        check_energy_bounded(agent)
        energy.append(agent.energy.clone())
        awake.append(agent.awake.clone())
    E, A = torch.stack(energy), torch.stack(awake)
    for p in range(agent.population):
        check_hysteresis(E[:, p].tolist(), A[:, p].tolist(), config.sleep_below, config.wake_above)
    return agent
