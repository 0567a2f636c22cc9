"""Public test helpers for agents and plugin authors: hypothesis strategies, invariant checks and the
conformance suites.

The checks work on every substrate: they build agents through the substrate registry and read only the
agent interface (``emergence.contract.Agent``). Use them on your own plugin::

    from hypothesis import given
    from emergence.testing import agent_configs, check_invariants

    @given(agent_configs())
    def test_my_plugin_keeps_invariants(config):
        check_invariants(config, plugins=[MyPlugin()])

With emergence installed, pytest runs such tests under a profile suited to dynamics (no deadline, a
bounded number of examples) unless you load a hypothesis profile of your own.
"""

from .checks import (
    TIRED,
    SilentNoise,
    check_activations_bounded,
    check_energy_bounded,
    check_hysteresis,
    check_invariants,
    check_no_learning_while_asleep,
    grow,
    invariant,
    tiny_config,
)
from .conformance import MetricConformance, ScaffoldConformance
from .strategies import agent_configs, energy_and_dream_fields, from_field, from_mean, seeds, texts

__all__ = [
    "agent_configs",
    "energy_and_dream_fields",
    "seeds",
    "texts",
    "from_field",
    "from_mean",
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
    "ScaffoldConformance",
    "MetricConformance",
]
