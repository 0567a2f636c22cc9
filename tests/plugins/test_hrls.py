import torch

from emergence.fields.agent import ContinuousEmergeBase
from emergence import build_agent, preset
from emergence_plugins.hrls.scaffold import HRLSConfig

TINY = preset("small", n_main=40, n_emo=8, n_input=16)
MESSAGE = "Be kind to small voices"


def _agent(scaffold="hrls", threshold=None):
    agent = build_agent(TINY, [1, 2], [3, 4], scaffolds=[scaffold])
    if threshold is not None:
        hrls = agent.scaffolds["hrls"]
        hrls.settings = HRLSConfig(variance_threshold=threshold)
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
