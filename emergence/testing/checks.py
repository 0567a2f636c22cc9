"""Invariant checks every agent must keep, whatever its substrate and scaffolds.

They build agents through the substrate registry and read only the agent interface
(``emergence.contract.Agent``). A failed check names the invariant it guards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch

from ..contract import Agent, Substrate, hookimpl
from ..host import build_agent, installed

__all__ = [
    "SilentNoise",
    "TIRED",
    "tiny_config",
    "grow",
    "invariant",
    "check_activations_bounded",
    "check_energy_bounded",
    "check_hysteresis",
    "check_no_learning_while_asleep",
    "check_invariants",
]

# Tiny sizes of the known substrates (any other is used at its small preset), and energy settings under
# which agents sleep and wake within a few dozen steps.
TINY = {
    "fields": dict(n_input=16, n_main=40, n_emo=8),
    "transformer": dict(n_main=16, n_heads=2, n_layers=1, context=12, n_emo=8, learn_every=1),
    # sleep replay learns while asleep by design (docs/rl.md): the shared checks test the awake gate without it
    "rl": dict(grid=5, n_main=16, n_emo=8, max_episode_steps=40, sleep_replay=0),
}
TIRED = dict(energy_cost=0.15, energy_homeostasis=0.05, trail_length=100)


def tiny_config(substrate: str, **changes):
    """A small, fast config of the registered ``substrate`` (its small preset at tiny sizes) with ``changes``."""
    return installed().substrates[substrate].preset("small", **{**TINY.get(substrate, {}), **changes})


@contextmanager
def invariant(name: str, where: str = "") -> Iterator[None]:
    """Re-raise a failed check as ``invariant 'NAME' broken (WHERE): detail``."""
    try:
        yield
    except AssertionError as err:
        raise AssertionError(f"invariant {name!r} broken{f' ({where})' if where else ''}: {err}") from None


class SilentNoise:
    """A plugin whose ``noise`` model is silent (every amplitude 0): with it, an agent's noise seed no
    longer matters, which isolates the noise model as the source of twins' divergence."""

    def amplitude(self, field: str, activation: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(activation)

    @hookimpl
    def noise(self, config):
        return self


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


def check_invariants(config, steps: int = 60, seed: int = 0, feedback: str | None = None, **kwargs) -> Agent:
    """Grow a small population of ``config``'s substrate step by step (after a mentor's ``feedback``, if
    given) and check the invariants 'bounded activations', 'energy in [0, 1]' and 'sleep/wake
    hysteresis'; ``kwargs`` go to ``build_agent`` (``scaffolds=``, ``plugins=``, ...)."""
    substrate = installed().substrate_of(config)
    agent = build_agent(config, [seed, seed + 1], [seed + 7, seed + 8], **kwargs)
    if feedback is not None:
        agent.receive_feedback(feedback, 1.0)
    energy, awake = [agent.energy.clone()], [agent.awake.clone()]
    for _ in range(steps):
        where = f"step {agent.step_index + 1}"
        try:
            agent.step()
        finally:  # also when the step stopped at a plugin's fault (a PluginError): the invariant it broke is named
            with invariant("bounded activations", where):
                check_activations_bounded(agent, substrate)
        with invariant("energy in [0, 1]", where):
            check_energy_bounded(agent)
        energy.append(agent.energy.clone())
        awake.append(agent.awake.clone())
    E, A = torch.stack(energy), torch.stack(awake)
    for p in range(agent.population):
        with invariant("sleep/wake hysteresis", f"agent {p}"):
            check_hysteresis(E[:, p].tolist(), A[:, p].tolist(), config.sleep_below, config.wake_above)
    return agent
