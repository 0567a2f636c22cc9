"""Conformance: every registered substrate keeps the same invariants behind the same agent interface."""

import pytest
import torch
from hypothesis import given, settings

from emergence import build_agent
from emergence.results.checkpoint import restore, save_checkpoint
from emergence.config import config_from_dict, config_to_dict
from emergence.contract import Substrate
from emergence.host import Catalogue, installed
from emergence.testing import TIRED, check_invariants, check_no_learning_while_asleep, seeds, tiny_config
from emergence_plugins.hrls.scaffold import HRLSConfig

MESSAGE = "Be kind to small voices"
NAMES = installed().substrates.names()


def _tiny(name: str, **changes) -> tuple[Substrate, object]:
    return installed().substrates[name], tiny_config(name, **changes)


def _grow(name, steps, init=(1, 2), noise=(3, 4), **kwargs):
    substrate, config = _tiny(name)
    agent = build_agent(config, list(init), list(noise), **kwargs)
    agent.run(steps)
    return agent


@pytest.mark.parametrize("name", NAMES)
class TestConformance:
    def test_registered_with_its_presets(self, name):
        """A substrate has small and paper presets of its config class, which survive their dict form."""
        substrate = installed().substrates[name]
        assert substrate.name == name
        for preset_name in ("small", "paper"):
            config = substrate.preset(preset_name)
            assert type(config) is substrate.config_class and installed().substrate_of(config) is substrate
            assert config_from_dict(config_to_dict(config), substrate.config_class) == config
        assert substrate.agent_bytes(substrate.preset("small")) > 0

    @given(seeds)
    @settings(max_examples=5)
    def test_invariants_through_sleep_cycles(self, name, s):
        """Finite activations (bounded ones in [-1, 1]), energy in [0, 1], sleep and wake with hysteresis."""
        _, config = _tiny(name, **TIRED)
        agent = check_invariants(config, steps=80, seed=s)
        awake = [t["awake"] for t in agent.trails(0)]
        assert True in awake and False in awake, "no sleep/wake transition: the hysteresis check was vacuous"

    def test_no_learning_while_asleep(self, name):
        """An agent that cannot learn keeps every plastic weight; one that can, learns."""
        substrate, config = _tiny(name, **TIRED)
        agent = substrate.build(config, [1, 2], [3, 4])
        before = {n: getattr(agent, n).clone() for n in substrate.plastic}
        check_no_learning_while_asleep(agent, steps=50)
        assert any(not t["awake"] for t in agent.trails(0)), "the agent never slept"
        assert all(not torch.equal(getattr(agent, n), before[n]) for n in substrate.plastic), (
            "some weight never learned"
        )

    def test_same_seed_same_trajectory(self, name):
        """Two populations with the same seeds follow bit-identical trajectories, trails included."""
        a, b = _grow(name, 30), _grow(name, 30)
        for key, tensor in a.state_dict().items():
            assert torch.equal(tensor, b.state_dict()[key]), key
        assert a.trails(1) == b.trails(1)

    def test_different_noise_seeds_diverge(self, name):
        """Same initial weights, different noise streams: the cortex activity differs."""
        agent = _grow(name, 20, init=(5, 5), noise=(1, 2))
        assert not torch.equal(agent.main[0], agent.main[1])

    def test_agent_independent_of_population(self, name):
        """An agent's trajectory does not depend on which other agents share its tensors."""
        alone, crowd = _grow(name, 25, init=[3], noise=[9]), _grow(name, 25, init=[1, 3, 4], noise=[8, 9, 10])
        torch.testing.assert_close(alone.main[0], crowd.main[1], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(alone.emotion[0], crowd.emotion[1], rtol=1e-5, atol=1e-6)
        assert [t["input"] for t in alone.trails(0)] == [t["input"] for t in crowd.trails(1)]

    @given(before=seeds.map(lambda s: 1 + s % 30), after=seeds.map(lambda s: 1 + s % 30))
    @settings(max_examples=4)
    def test_checkpoint_resumes_bit_identically(self, name, tmp_path_factory, before, after):
        """Checkpoint an HRLS population at any step, restore it into a fresh one, continue: the same as
        never stopping (tensors, trails and the scaffold's state)."""
        substrate, config = _tiny(name)

        def population():
            agent = build_agent(config, [1, 2], [3, 4], scaffolds=["hrls"])
            agent.receive_feedback(MESSAGE, 1.0)
            return agent

        path = tmp_path_factory.mktemp("ck") / "agent.safetensors"
        straight, interrupted, resumed = population(), population(), population()
        straight.run(before + after)
        interrupted.run(before)
        save_checkpoint(path, interrupted)
        restore(path, resumed)
        resumed.run(after)
        for key, tensor in straight.state_dict().items():
            assert torch.equal(tensor, resumed.state_dict()[key]), key
        assert straight.trails(1) == resumed.trails(1) and straight.metadata() == resumed.metadata()

    def test_hrls_nudges_through_the_agent_interface(self, name):
        """HRLS, unchanged, encodes its card in W_main_emo's shape and nudges it by 1e-4 * rationale."""
        substrate, config = _tiny(name)
        hrls = build_agent(config, [1, 2], [3, 4], scaffolds=["hrls"])
        hrls.scaffolds["hrls"].settings = HRLSConfig(variance_threshold=0.0, nudge_fraction=1.0)
        surge = build_agent(config, [1, 2], [3, 4], scaffolds=["surge"])
        for agent in (hrls, surge):
            agent.receive_feedback(MESSAGE, 1.0)
            agent.step()
        rationale = hrls.scaffolds["hrls"].cards[0].rationale
        assert rationale.shape == hrls.W_main_emo.shape[1:]
        torch.testing.assert_close(hrls.W_main_emo - surge.W_main_emo, 1e-4 * rationale.expand_as(hrls.W_main_emo))
        assert hrls.scaffolds["hrls"].nudges.tolist() == [1, 1] and surge._drift == []


class TestRegistry:
    def test_unknown_substrate_lists_the_known(self):
        """Asking for an unknown substrate names the registered ones."""
        from emergence.contract import UnknownPluginError

        with pytest.raises(UnknownPluginError, match="fields, rl, transformer"):
            installed().substrates["transformers"]

    def test_fields_is_essential_and_transformer_an_entry_point(self):
        """The core registers the field substrate itself; the transformer comes by entry point."""
        from emergence.host import make_plugin_manager

        assert Catalogue(make_plugin_manager(entry_points=False)).substrates.names() == ["fields"]
        assert {"fields", "rl", "transformer"} <= set(NAMES)
