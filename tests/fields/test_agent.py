import torch
from hypothesis import given, settings

from emergence import preset, replace
from emergence.fields.agent import ContinuousEmergeBase
from emergence.testing import (
    agent_configs,
    check_invariants,
    check_no_learning_while_asleep,
    grow,
    seeds,
)

TINY = preset("small", n_main=48, n_emo=12, n_input=16)


class TestDynamicsProperties:
    @given(agent_configs())
    def test_activations_and_energy_stay_bounded_with_hysteresis(self, config):
        """For any valid config: activations in [-1, 1], energy in [0, 1], sleep/wake with hysteresis."""
        check_invariants(config, steps=40)

    @given(agent_configs(), seeds)
    @settings(max_examples=10)
    def test_no_weight_changes_while_asleep(self, config, seed):
        """An agent that cannot learn (asleep or low energy) keeps all four weight matrices."""
        config = replace(config, energy_cost=0.2, energy_homeostasis=0.01)
        agent = ContinuousEmergeBase(config, [seed, seed + 1], [seed + 2, seed + 3])
        check_no_learning_while_asleep(agent, steps=40)

    @given(seeds)
    @settings(max_examples=5)
    def test_same_seed_same_trajectory(self, seed):
        """Two populations with the same seeds follow bit-identical trajectories."""
        a, b = grow(TINY, 30, seed), grow(TINY, 30, seed)
        for name, tensor in a.state_dict().items():
            assert torch.equal(tensor, b.state_dict()[name]), name

    def test_different_noise_seeds_diverge(self):
        """Same initial weights, different noise streams: the activations differ."""
        agent = ContinuousEmergeBase(TINY, [5, 5], [1, 2])
        assert torch.equal(agent.W_rec_main[0], agent.W_rec_main[1])
        agent.run(20)
        assert not torch.equal(agent.main[0], agent.main[1])

    def test_shared_input_seed_shares_the_text_noise(self):
        """Two populations whose only noise is the text noise: with one input seed they follow the same
        trajectory; with their own streams they do not."""
        quiet = replace(TINY, sensory_noise=0.0, main_noise=0.0, emo_noise=0.0, weight_noise=0.0, text_noise=0.3)
        twins = [ContinuousEmergeBase(quiet, [5], [noise], input_seeds=[7]) for noise in (1, 2)]
        own = [ContinuousEmergeBase(quiet, [5], [noise]) for noise in (1, 2)]
        for agent in twins + own:
            agent.run(20)
        assert torch.equal(twins[0].main, twins[1].main)
        assert not torch.equal(own[0].main, own[1].main)

    def test_shared_input_survives_a_checkpoint(self):
        """The input noise stream is saved and restored: a resumed population continues exactly."""
        straight = ContinuousEmergeBase(TINY, [5, 6], [1, 2], input_seeds=[7, 7])
        straight.run(30)
        first = ContinuousEmergeBase(TINY, [5, 6], [1, 2], input_seeds=[7, 7])
        first.run(12)
        resumed = ContinuousEmergeBase(TINY, [5, 6], [1, 2], input_seeds=[7, 7])
        resumed.load_state(first.state_dict(), first.metadata())
        resumed.run(18)
        assert torch.equal(resumed.main, straight.main) and torch.equal(resumed.emotion, straight.emotion)

    def test_input_seeds_one_per_agent(self):
        import pytest

        with pytest.raises(ValueError, match="one seed per agent"):
            ContinuousEmergeBase(TINY, [5, 6], [1, 2], input_seeds=[7])

    def test_agent_independent_of_population(self):
        """An agent's trajectory does not depend on which other agents share its tensors."""
        alone = ContinuousEmergeBase(TINY, [3], [9])
        crowd = ContinuousEmergeBase(TINY, [1, 3, 4], [8, 9, 10])
        alone.run(25)
        crowd.run(25)
        torch.testing.assert_close(alone.main[0], crowd.main[1], rtol=1e-5, atol=1e-6)


class TestSleepCycles:
    def test_small_preset_cycles_within_a_few_thousand_steps(self):
        """With the default dynamics at small size, agents fall asleep and wake up repeatedly."""
        agent = ContinuousEmergeBase(preset("small", n_main=200, n_emo=32), [1], [2])
        awake = []
        for _ in range(3000):
            agent.step()
            awake.append(bool(agent.awake[0]))
        changes = sum(a != b for a, b in zip(awake, awake[1:]))
        assert changes >= 6, f"only {changes} sleep/wake transitions in 3,000 steps"


class TestDreamLoop:
    def test_first_input_and_resonance_markers_do_not_accumulate(self):
        """'emergence begins' first; markers every 10 steps replace each other."""
        agent = grow(TINY, 35, population=1)
        inputs = [trail["input"] for trail in agent.trails(0)]
        assert inputs[0] == "emergence begins"
        assert inputs[9] == "emergence begins" and inputs[10] == "emergence begins (resonance 1)"
        assert inputs[-1] == "emergence begins (resonance 3)"

    def test_trail_buffer_is_bounded(self):
        """The trail buffer keeps the last trail_length trails."""
        agent = grow(replace(TINY, trail_length=8), 20, population=1)
        trails = agent.trails(0)
        assert len(trails) == 8 and [t["iteration"] for t in trails] == list(range(12, 20))
        assert set(trails[0]) == {"iteration", "surge", "energy", "awake", "input", "emotion"}

    def test_appended_markers_accumulate(self):
        """resonance_marker="append": the write-up's literal reading, the string grows by each marker."""
        agent = grow(replace(TINY, resonance_marker="append"), 35, population=1)
        assert agent.trails(0)[-1]["input"] == "emergence begins (resonance 1) (resonance 2) (resonance 3)"

    def test_encode_text_matches_the_written_rule(self):
        """The compiled code is the rule as written, character by character, for long and non-ASCII text."""
        from emergence.fields.encoding import encode_text

        text = "emergence begins" + " (resonance 7)" * 40 + " é€😀"
        expected = torch.zeros(16, dtype=torch.float64)
        for i, char in enumerate(text):
            expected[i % 16] += (ord(char) % 128) / 64.0 - 1.0
        torch.testing.assert_close(encode_text(text, 16, torch.float64), expected / expected.norm())

    def test_encode_text_is_unit_norm(self):
        """encode_text gives a unit vector, the same for the same text."""
        from emergence.fields.encoding import encode_text

        code = encode_text("emergence begins", 128)
        assert abs(float(code.norm()) - 1.0) < 1e-6 and torch.equal(code, encode_text("emergence begins", 128))
