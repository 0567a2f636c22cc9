import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from emergence.fields.agent import ContinuousEmergeBase
from emergence import preset, replace
from emergence.agents.oja import oja_update
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


class TestOja:
    @given(seeds, st.integers(4, 48), st.floats(0.2, 3.0))
    @settings(max_examples=8)
    def test_rows_converge_to_unit_norm_for_a_stationary_input(self, seed, n, gain):
        """Without noise, a fixed input driving the post through W: every row norm converges to 1."""
        g = torch.Generator().manual_seed(seed)
        W = torch.randn(1, n, n, generator=g, dtype=torch.float64) * gain / n**0.5
        pre = torch.randn(1, n, generator=g, dtype=torch.float64)
        for _ in range(3000):
            oja_update(W, pre, torch.bmm(W, pre[..., None])[..., 0], torch.tensor([0.05], dtype=torch.float64))
        torch.testing.assert_close(W.norm(dim=2), torch.ones(1, n, dtype=torch.float64), atol=1e-3, rtol=0)

    @given(seeds, st.integers(4, 48), st.floats(0.2, 3.0))
    @settings(max_examples=8)
    def test_row_norms_stay_bounded_for_changing_inputs(self, seed, n, gain):
        """Random structured inputs: row norms never exceed max(initial, 1) and end at or below 1."""
        g = torch.Generator().manual_seed(seed)
        W = torch.randn(1, n, n, generator=g, dtype=torch.float64) * gain / n**0.5
        mix = torch.randn(n, n, generator=g, dtype=torch.float64)
        bound = max(float(W.norm(dim=2).max()), 1.0) + 1e-6
        for _ in range(2000):
            pre = (mix @ torch.randn(n, generator=g, dtype=torch.float64))[None]
            oja_update(W, pre, torch.bmm(W, pre[..., None])[..., 0], torch.tensor([0.05], dtype=torch.float64))
            assert float(W.norm(dim=2).max()) <= bound
        assert float(W.norm(dim=2).max()) <= 1.05

    def test_unit_post_norm_is_bounded_by_sqrt_n(self):
        """With post normalised to unit length, row norms stay bounded by sqrt(n_post)."""
        n = 16
        W = torch.full((1, n, n), 0.1, dtype=torch.float64)
        a = torch.full((1, n), 0.5, dtype=torch.float64)
        for _ in range(20000):
            oja_update(W, a, a, torch.tensor([0.5], dtype=torch.float64), post_norm="unit")
        assert W.norm(dim=2).max() <= n**0.5 * (1 + 1e-6)

    def test_update_matches_the_rule(self):
        """One update equals eta * (y x^T - y^2 W) with normalised x and y."""
        g = torch.Generator().manual_seed(0)
        W = torch.randn(1, 5, 7, generator=g, dtype=torch.float64)
        pre, post = torch.randn(1, 7, generator=g, dtype=torch.float64), torch.randn(1, 5, generator=g, dtype=torch.float64)
        x, y = pre[0] / pre[0].norm(), post[0] / post[0].norm() * 5**0.5
        expected = W[0] + 0.1 * (torch.outer(y, x) - (y**2)[:, None] * W[0])
        oja_update(W, pre, post, torch.tensor([0.1], dtype=torch.float64))
        torch.testing.assert_close(W[0], expected)


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

    def test_encode_text_is_unit_norm(self):
        """encode_text gives a unit vector, the same for the same text."""
        from emergence.fields.encoding import encode_text

        code = encode_text("emergence begins", 128)
        assert abs(float(code.norm()) - 1.0) < 1e-6 and torch.equal(code, encode_text("emergence begins", 128))
