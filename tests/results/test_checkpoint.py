import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from emergence.fields.agent import ContinuousEmergeBase
from emergence.results.checkpoint import restore, save_checkpoint
from emergence import build_agent, preset
from emergence.results import ResultsError

TINY = preset("small", n_main=40, n_emo=10, n_input=16)


def _pair(scaffold="hrls"):
    agent = build_agent(TINY, [1, 2], [3, 4], scaffolds=[scaffold])
    agent.receive_feedback("Be kind to small voices", 1.0)
    return agent


class TestCheckpoint:
    @given(st.integers(1, 40), st.integers(1, 40))
    @settings(max_examples=6)
    def test_resume_equals_uninterrupted(self, tmp_path_factory, before, after):
        """Checkpoint at any step, restore into a fresh agent, continue: bit-identical to never stopping."""
        path = tmp_path_factory.mktemp("ck") / "agent.safetensors"
        straight, interrupted = _pair(), _pair()
        straight.run(before + after)
        interrupted.run(before)
        save_checkpoint(path, interrupted)
        resumed = _pair()
        resumed.cards_before = len(resumed.scaffolds["hrls"].cards)
        restore(path, resumed)
        resumed.run(after)
        for name, tensor in straight.state_dict().items():
            assert torch.equal(tensor, resumed.state_dict()[name]), name
        assert straight.trails(1) == resumed.trails(1)
        assert straight.metadata()["scaffolds"]["hrls"] == resumed.metadata()["scaffolds"]["hrls"]

    def test_truncated_file_is_named(self, tmp_path):
        """A truncated checkpoint gives a clear error naming the file."""
        path = tmp_path / "agent.safetensors"
        save_checkpoint(path, _pair())
        path.write_bytes(path.read_bytes()[:100])
        with pytest.raises(ResultsError, match="agent.safetensors"):
            restore(path, _pair())

    def test_different_config_is_refused(self, tmp_path):
        """Restoring into an agent of another configuration is refused."""
        path = tmp_path / "agent.safetensors"
        save_checkpoint(path, _pair())
        other = ContinuousEmergeBase(preset("small", n_main=40, n_emo=10, n_input=16, tau_main=7.0), [1, 2], [3, 4])
        with pytest.raises(ResultsError, match="different agent configuration"):
            restore(path, other)
