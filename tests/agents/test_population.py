"""What every population shares: argument checks, and a complete agent without any plugin."""

import pytest

from emergence import ContinuousEmergeBase, build_agent, preset
from emergence.fields.plasticity import OjaPlasticity

TINY = preset("small", n_main=24, n_emo=6, n_input=8)


class TestArguments:
    @pytest.mark.parametrize("seeds", ["12", [1.5], [True], [-1], 7])
    def test_seeds_must_be_sequences_of_non_negative_ints(self, seeds):
        """A string, a float, a bool, a negative number or a bare int is a TypeError naming the argument."""
        with pytest.raises(TypeError, match="init_seeds"):
            ContinuousEmergeBase(TINY, seeds, [1])

    def test_scaffolds_must_be_a_sequence_of_names(self):
        """scaffolds="hrls" (for ["hrls"]) is a TypeError that shows the fix, not "unknown scaffold 'h'"."""
        with pytest.raises(TypeError, match=r"\['hrls'\]"):
            build_agent(TINY, [1], [2], scaffolds="hrls")

    def test_config_must_be_a_substrates(self):
        """A dict or another object as config is a TypeError naming the substrates' config classes."""
        with pytest.raises(TypeError, match="AgentConfig"):
            build_agent({"n_main": 10}, [1], [2])


class TestWithoutPlugins:
    def test_bare_population_runs_the_substrate_defaults(self):
        """Without hooks the population is complete: Oja plasticity, energy, noise; no scaffold."""
        agent = ContinuousEmergeBase(TINY, [1], [2])
        assert isinstance(agent.plasticity, OjaPlasticity) and agent.scaffolds == {}
        agent.receive_feedback("Be kind to small voices")
        agent.run(5)
        assert agent.step_index == 5
