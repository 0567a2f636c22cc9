"""Each agent hook can be taken over by a throwaway plugin; a misspelled hook fails loudly."""

import numpy as np
import pluggy
import pytest
import torch

from emergence import build_agent, preset
from emergence.contract import hookimpl
from emergence.contract import EmotionData, PerTwinMetric
from emergence.contract import PluginError, UnknownPluginError
from emergence.contract import collect as registry
from emergence.host import Catalogue, make_plugin_manager, resolve_agent_hooks
from emergence.testing import SilentNoise

TINY = preset("small", n_main=40, n_emo=8, n_input=16)


def _grow(steps=20, **kwargs):
    agent = build_agent(TINY, [1, 1], [2, 3], **kwargs)
    agent.run(steps)
    return agent


class TestAgentHooks:
    def test_plasticity_hook_replaces_the_rule(self):
        """A plugin's plasticity rule is used instead of Oja: here, one that never learns."""

        class Frozen:
            def apply(self, agent, learning):
                pass

        class Plugin:
            @hookimpl
            def plasticity(self, config):
                return Frozen()

        agent = build_agent(TINY, [1], [2], plugins=[Plugin()])
        before = agent.W_rec_main.clone()
        agent.run(10)
        assert torch.equal(agent.W_rec_main, before)
        assert not torch.equal(_grow(10).W_rec_main[0], before[0])

    def test_energy_hook_replaces_the_model(self):
        """A plugin's energy model decides energy and sleep."""

        class Tired:
            def update(self, energy, awake, main):
                return torch.full_like(energy, 0.1), torch.zeros_like(awake)

        class Plugin:
            @hookimpl
            def energy(self, config):
                return Tired()

        agent = _grow(5, plugins=[Plugin()])
        assert torch.allclose(agent.energy, torch.tensor(0.1)) and not agent.awake.any()

    def test_noise_hook_replaces_the_amplitudes(self):
        """With a silent noise model and no text noise, twins with different noise seeds stay equal."""
        from emergence.config import replace

        agent = build_agent(replace(TINY, text_noise=0.0, weight_noise=0.0), [1, 1], [2, 3], plugins=[SilentNoise()])
        agent.run(15)
        assert torch.equal(agent.main[0], agent.main[1])

    def test_relational_drift_hook_runs_every_step(self):
        """A relational_drift implementation is called once per step with the step index."""
        seen = []

        class Plugin:
            @hookimpl
            def relational_drift(self, agent, step):
                seen.append(step)
                agent.W_main_emo.zero_()

        agent = _grow(7, plugins=[Plugin()])
        assert seen == list(range(7)) and not agent.W_main_emo.any()

    def test_register_emotion_metrics_adds_a_metric(self):
        """A plugin's metric appears in the registry and computes a series."""

        class Peak(PerTwinMetric):
            name, description = "peak", "max |a| of the snapshots"
            uses_snapshots = True

            def one(self, data):
                return data.snapshot_steps, np.abs(data.snapshots).max(axis=1)

        class Plugin:
            @hookimpl
            def register_emotion_metrics(self, register):
                register("peak", Peak())

        metrics = registry(make_plugin_manager([Plugin()]), "register_emotion_metrics", "emotion metric")
        data = EmotionData(
            steps=[0, 1], mean=[0, 0], var=[0, 0], snapshot_steps=[0, 1], snapshots=[[0.5, -0.9], [0.1, 0.2]]
        )
        steps, a, b = metrics["peak"].series(data, data)
        assert list(a) == [0.9, 0.2] and "mean" in metrics.names()


class TestPluginManager:
    def test_misspelled_hook_fails_loudly(self):
        """An implementation of a hook that does not exist is refused at registration."""

        class Typo:
            @hookimpl
            def plasticty(self, config):
                return None

        with pytest.raises(pluggy.PluginValidationError, match="plasticty"):
            make_plugin_manager([Typo()])

    def test_a_renamed_hook_names_its_new_name(self):
        """A plugin implementing the metric hook's earlier name is told, in one line, to rename it."""

        class Old:
            @hookimpl
            def emotion_metric(self, register):
                pass

        with pytest.raises(PluginError, match="^plugin Old: .*; rename emotion_metric to register_emotion_metrics$"):
            make_plugin_manager([Old()])

    def test_builtins_come_through_entry_points(self):
        """hrls, surge, the metrics and the twins protocol are found via the entry-point group."""
        pm = make_plugin_manager()
        assert {"hrls", "surge"} <= set(registry(pm, "register_scaffolds", "scaffold").names())
        assert "twins" in registry(pm, "register_protocols", "protocol")
        bare = make_plugin_manager(entry_points=False)
        assert registry(bare, "register_scaffolds", "scaffold").names() == []

    def test_unknown_name_lists_the_known(self):
        """Asking for an unknown scaffold names the known ones."""
        with pytest.raises(UnknownPluginError, match="hrls, reinforce, surge"):
            build_agent(TINY, [1], [2], scaffolds=["hrsl"])

    def test_a_name_registered_twice_names_both_plugins(self):
        """A plugin registering the executor 'local' the core has: one PluginError naming both plugins
        and the fix, not a ValueError."""

        class Local:
            @hookimpl
            def register_executors(self, register):
                register("local", object)

        with pytest.raises(PluginError, match="^two plugins register the executor 'local': ") as error:
            registry(make_plugin_manager([Local()], entry_points=False), "register_executors", "executor")
        assert "'emergence.executors'" in str(error.value) and "Local" in str(error.value)
        assert str(error.value).endswith("uninstall one of them")

    def test_a_registry_knows_which_plugin_registered_each_name(self):
        """The built-in scaffolds come from the plugins of their name."""
        scaffolds = registry(make_plugin_manager(), "register_scaffolds", "scaffold")
        assert scaffolds.owners["hrls"] == "hrls" and scaffolds.owners["surge"] == "surge"

    def test_a_scaffold_that_cannot_be_built_names_itself(self):
        """A scaffold whose constructor raises: a PluginError naming the scaffold, not a traceback."""

        class Broken:
            def __init__(self, config):
                raise ValueError("cannot build")

        class Register:
            @hookimpl
            def register_scaffolds(self, register):
                register("broken", Broken)

        catalogue = Catalogue(make_plugin_manager([Register()]))
        with pytest.raises(PluginError, match="^scaffold 'broken': its construction raised ValueError: cannot build"):
            build_agent(TINY, [1], [2], scaffolds=["broken"], catalogue=catalogue)

    def test_a_component_hook_that_raises_names_its_plugin(self):
        """A noise hook that raises when the population is built: a PluginError naming the plugin."""

        class Plugin:
            @hookimpl
            def noise(self, config):
                raise RuntimeError("no noise today")

        with pytest.raises(PluginError, match="^plugin Plugin: its noise hook raised RuntimeError: no noise today"):
            build_agent(TINY, [1], [2], plugins=[Plugin()])

    def test_resolved_hooks_name_their_plugins(self):
        """Each part a plugin gives is labelled with the plugin (and its package), for errors."""
        from importlib.metadata import version

        hooks = resolve_agent_hooks(TINY, ["hrls"], [SilentNoise()])
        hrls = f"scaffold 'hrls' (emergence {version('emergence')})"
        assert hooks.sources == {
            "noise": ("plugin SilentNoise",),
            "relational_drift": (hrls,),
            "receive_feedback": (hrls,),
        }

    def test_each_population_has_its_own_manager(self):
        """Twin A's scaffold is registered on A's manager only."""
        a = resolve_agent_hooks(TINY, ["hrls"])
        b = resolve_agent_hooks(TINY, ["surge"])
        assert a.pm is not b.pm
        assert a.pm.get_plugin("scaffold:hrls") is not None and b.pm.get_plugin("scaffold:hrls") is None
