"""The $name scaffold keeps every invariant (the conformance suite) and does what it says."""

import torch
from hypothesis import given

from emergence.testing import ScaffoldConformance, agent_configs, check_invariants


class TestConformance(ScaffoldConformance):
    scaffold = "$name:threshold=0.0"  # acts at every step
    idle = "$name:threshold=1.0"  # mean |emotion| never exceeds 1: no reason to act


def test_damps_above_the_threshold(population):
    """With threshold 0 every agent is damped at every step, so its emotion field is smaller."""
    damped, plain = population(["$name:threshold=0.0,factor=0.5"]), population()
    damped.run(20)
    plain.run(20)
    assert damped.scaffolds["$name"].damped.tolist() == [20, 20]
    assert damped.emotion.abs().mean() < plain.emotion.abs().mean()


def test_never_below_the_threshold(population):
    """Below the threshold nothing is damped."""
    agent = population(["$name:threshold=1.0"])
    agent.run(20)
    assert torch.equal(agent.scaffolds["$name"].damped, torch.zeros(2, dtype=torch.long))


@given(agent_configs())
def test_keeps_the_invariants_on_any_config(config):
    """Bounded activations, energy and hysteresis, on any valid configuration."""
    check_invariants(config, steps=20, scaffolds=["$name:threshold=0.1"])
