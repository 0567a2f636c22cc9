import math

import pytest
import torch

from emergence import build_agent, preset
from emergence_plugins.hrls.scaffold import HRLS, HRLSConfig, event_z

TINY = preset("small", n_main=40, n_emo=8, n_input=16)
MESSAGE = "Be kind to small voices"


def _agent(scaffold="hrls", threshold=None):
    agent = build_agent(TINY, [1, 2], [3, 4], scaffolds=[scaffold])
    if threshold is not None:
        hrls = agent.scaffolds["hrls"]
        hrls.settings = HRLSConfig(variance_threshold=threshold, nudge_fraction=1.0)
    return agent


class TestHRLS:
    def test_feedback_builds_cards(self):
        """Each feedback call adds a Principle Card holding the encoded message as its rationale."""
        agent = _agent()
        agent.receive_feedback(MESSAGE, 0.5)
        agent.receive_feedback("Listen first", 1.0)
        cards = agent.scaffolds["hrls"].cards
        assert [c.message for c in cards] == [MESSAGE, "Listen first"] and cards[0].strength == 0.5
        assert cards[0].rationale.shape == agent.W_main_emo.shape[1:]

    def test_same_message_keeps_one_matrix(self):
        """The same message 10,000 times: 10,000 cards, one encoded matrix."""
        agent = _agent()
        for _ in range(10_000):
            agent.receive_feedback(MESSAGE, 1.0)
        hrls = agent.scaffolds["hrls"]
        assert len(hrls.cards) == 10_000 and len(hrls.bank) == 1
        assert len({c.rationale.data_ptr() for c in hrls.cards}) == 1

    def test_nudges_only_above_the_variance_threshold(self):
        """Below the threshold nothing is nudged; above it W_main_emo moves by 1e-4 * rationale * strength."""
        quiet = _agent(threshold=2.0)  # variance of tanh activations never exceeds 1
        quiet.receive_feedback(MESSAGE, 1.0)
        quiet.run(20)
        assert quiet.scaffolds["hrls"].nudges.sum() == 0

        loud = _agent(threshold=0.0)
        loud.receive_feedback(MESSAGE, 1.0)
        loud.run(1)
        reference = _agent(scaffold="surge")
        reference.run(1)
        rationale = loud.scaffolds["hrls"].cards[0].rationale
        torch.testing.assert_close(loud.W_main_emo - reference.W_main_emo, 1e-4 * rationale.expand_as(loud.W_main_emo))
        assert loud.scaffolds["hrls"].nudges.tolist() == [1, 1]

    def test_no_cards_no_nudge(self):
        """High variance without cards only fills the uncertainty buffer."""
        agent = _agent(threshold=0.0)
        reference = _agent(scaffold="surge")
        agent.run(3)
        reference.run(3)
        assert torch.equal(agent.W_main_emo, reference.W_main_emo)
        assert len(agent.scaffolds["hrls"].uncertainty_buffer) == 6

    def test_surge_never_nudges(self):
        """Pure surge ignores feedback and implements no agent hook."""
        agent = _agent(scaffold="surge")
        agent.receive_feedback(MESSAGE, 1.0)
        assert agent._drift == [] and not hasattr(agent.scaffolds["surge"], "cards")


class TestNudgeEvents:
    def test_running_threshold_nudges_the_set_fraction(self):
        """On a stationary main-field variance the running threshold lets about ``nudge_fraction`` of steps
        through, and none before ``memory`` steps."""
        hrls = HRLS(TINY, HRLSConfig(variance_threshold=0.0, nudge_fraction=0.05, memory=500))
        hrls._start(_agent(scaffold="surge"))
        rng = torch.Generator().manual_seed(0)
        values = 0.5 + 0.05 * torch.randn(20_000, 2, generator=rng)
        hits = torch.stack([hrls.uncertain(v, step) for step, v in enumerate(values)])
        assert not hits[:500].any()
        assert 0.035 < hits[2_000:].float().mean() < 0.065

    def test_the_absolute_threshold_still_gates(self):
        """A variance below ``variance_threshold`` never nudges, however far above its running mean."""
        hrls = HRLS(TINY, HRLSConfig(variance_threshold=1.0, memory=10))
        hrls._start(_agent(scaffold="surge"))
        values = torch.linspace(0.0, 0.9, 300).unsqueeze(1).expand(300, 2)
        assert not torch.stack([hrls.uncertain(v, step) for step, v in enumerate(values)]).any()

    def test_event_z_is_the_gaussian_quantile(self):
        """event_z(f) is the standard normal's upper-f quantile; 1 means every step."""
        assert event_z(0.05) == pytest.approx(1.6448536, abs=1e-6) and event_z(0.5) == pytest.approx(0.0, abs=1e-12)
        assert event_z(1.0) == -math.inf

    def test_the_imprint_fades_and_stays_bounded(self):
        """Nudged at every step, the imprint converges to scale / (1 - 2^(-1/h)) times the card, and
        W_main_emo - W_surge equals the imprint (the fade is taken out of the synapse too; no Oja on it here)."""
        half_life, still = 20.0, preset("small", n_main=40, n_emo=8, n_input=16, eta_main_emo=0.0)
        agent = build_agent(still, [1, 2], [3, 4], scaffolds=["hrls"])
        agent.scaffolds["hrls"].settings = HRLSConfig(
            variance_threshold=0.0, nudge_fraction=1.0, imprint_half_life=half_life
        )
        surge = build_agent(still, [1, 2], [3, 4], scaffolds=["surge"])
        agent.receive_feedback(MESSAGE, 1.0)
        agent.run(400)
        surge.run(400)
        hrls = agent.scaffolds["hrls"]
        rationale = hrls.cards[0].rationale
        limit = 1e-4 / (1 - 0.5 ** (1 / half_life))
        coefficient = (hrls.imprint[0] * rationale).sum() / (rationale * rationale).sum()
        assert float(coefficient) == pytest.approx(limit, rel=1e-3)
        torch.testing.assert_close(
            agent.W_main_emo - surge.W_main_emo, hrls.imprint, atol=3e-5, rtol=0
        )  # float32 rounding of 800 updates

    def test_nudged_marks_this_steps_nudges(self):
        """``agent.nudged`` is true exactly for the agents nudged at the last step."""
        agent = _agent(threshold=0.0)
        agent.receive_feedback(MESSAGE, 1.0)
        agent.run(1)
        assert agent.nudged.tolist() == [True, True]
        agent.scaffolds["hrls"].settings = HRLSConfig(variance_threshold=2.0, nudge_fraction=1.0)
        agent.run(1)
        assert agent.nudged.tolist() == [False, False]
