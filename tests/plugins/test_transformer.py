"""The transformer substrate: invariants as properties, HRLS's reach, the learning rules, the dream loop."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from emergence import build_agent, replace
from emergence.testing import (
    SilentNoise,
    check_invariants,
    check_no_learning_while_asleep,
    energy_and_dream_fields,
    seeds,
)
from emergence_plugins.hrls.scaffold import HRLSConfig
from emergence_plugins.transformer import TRANSFORMER, TransformerConfig
from emergence_plugins.transformer.agent import TransformerAgent
from emergence_plugins.transformer.config import CORTEX_WEIGHTS
from emergence_plugins.transformer.dream import ALPHABET, encode, mark
from emergence_plugins.transformer.learning import TransformerPlasticity, hebbian_update, next_token_update
from emergence_plugins.transformer.model import residual_stream, unembed

TINY = TRANSFORMER.preset("small", n_main=16, n_heads=2, n_layers=1, context=12, n_emo=8, learn_every=1)
MESSAGE = "Be kind to small voices"


@st.composite
def transformer_configs(draw) -> TransformerConfig:
    """Valid small transformer configurations across the ranges that matter for the invariants."""
    heads = draw(st.integers(1, 3))
    return TransformerConfig(
        n_main=heads * draw(st.integers(2, 8)),
        n_heads=heads,
        n_layers=draw(st.integers(1, 2)),
        context=draw(st.integers(2, 20)),
        mlp_ratio=draw(st.integers(1, 4)),
        n_emo=draw(st.integers(2, 16)),
        dt=draw(st.floats(0.1, 1.0)),
        tau_emo=draw(st.floats(1.0, 20.0)),
        embed_scale=draw(st.floats(0.0, 2.0)),
        weight_gain=draw(st.floats(0.0, 3.0)),
        residual_gain=draw(st.floats(0.0, 2.0)),
        emo_recurrent_gain=draw(st.floats(0.0, 3.0)),
        main_noise=draw(st.floats(0.0, 0.5)),
        emo_noise=draw(st.floats(0.0, 0.5)),
        sampling_noise=draw(st.floats(0.0, 3.0)),
        learning_rule=draw(st.sampled_from(["next_token", "hebbian"])),
        learning_rate=draw(st.floats(0.0, 1.0)),
        hebbian_rate=draw(st.floats(0.0, 0.05)),
        learn_every=draw(st.integers(1, 3)),
        eta_main_emo=draw(st.floats(0.0, 0.05)),
        eta_rec_emo=draw(st.floats(0.0, 0.05)),
        **energy_and_dream_fields(draw, max_energy_cost=0.2, max_resonance_every=12),
    )


def _population(config=TINY, scaffold="surge", init=(1, 2), noise=(3, 4), **kwargs):
    return build_agent(config, list(init), list(noise), scaffolds=[scaffold], **kwargs)


def _loss(agent) -> torch.Tensor:
    """Per agent: next-character cross-entropy of the agent's own text, without noise."""
    weights = {name: getattr(agent, name) for name in CORTEX_WEIGHTS}
    tokens = encode(agent.texts)
    logits = unembed(weights, residual_stream(weights, tokens[:, :-1], agent.config))
    return F.cross_entropy(logits.transpose(1, 2), tokens[:, 1:], reduction="none").mean(dim=1)


class TestProperties:
    @given(transformer_configs(), seeds)
    @settings(max_examples=15)
    def test_invariants_for_any_config(self, config, seed):
        """Finite residual stream, emotion in [-1, 1], energy in [0, 1], hysteresis, for any valid config."""
        check_invariants(config, steps=30, seed=seed)

    @given(transformer_configs(), seeds)
    @settings(max_examples=10)
    def test_no_learning_while_asleep(self, config, seed):
        """Under either learning rule, an agent that cannot learn keeps every cortex and emotion weight."""
        config = replace(config, energy_cost=0.15, energy_homeostasis=0.05)
        check_no_learning_while_asleep(TransformerAgent(config, [seed, seed + 1], [seed + 2, seed + 3]), steps=30)

    @given(transformer_configs(), seeds)
    @settings(max_examples=5)
    def test_same_seed_same_trajectory(self, config, seed):
        """The same seeds give bit-identical weights, state and texts."""
        a, b = (TransformerAgent(config, [seed], [seed + 1]) for _ in range(2))
        a.run(15)
        b.run(15)
        for name, tensor in a.state_dict().items():
            assert torch.equal(tensor, b.state_dict()[name]), name
        assert a.texts == b.texts


class TestHRLSReach:
    def test_a_nudge_changes_only_the_emotion_projection(self):
        """After one nudging step, W_main_emo differs from a surge twin's by 1e-4 * rationale; every
        other weight and the state of the cortex are identical."""
        hrls, surge = _population(scaffold="hrls"), _population()
        hrls.scaffolds["hrls"].settings = HRLSConfig(variance_threshold=0.0, nudge_fraction=1.0)
        for agent in (hrls, surge):
            agent.receive_feedback(MESSAGE, 1.0)
            agent.step()
        rationale = hrls.scaffolds["hrls"].cards[0].rationale
        torch.testing.assert_close(hrls.W_main_emo - surge.W_main_emo, 1e-4 * rationale.expand_as(hrls.W_main_emo))
        changed = [k for k, t in surge.state_dict().items() if not torch.equal(t, hrls.state_dict()[k])]
        assert changed == ["W_main_emo"]

    def test_hrls_never_reaches_the_cortex(self):
        """Over many nudges the cortex and its text stay those of a surge twin with the same seeds: the
        emotion field is read from the residual stream and never feeds back."""
        hrls, surge = _population(scaffold="hrls"), _population()
        hrls.scaffolds["hrls"].settings = HRLSConfig(variance_threshold=0.0, nudge_fraction=1.0, nudge_scale=0.05)
        for agent in (hrls, surge):
            agent.receive_feedback(MESSAGE, 1.0)
            agent.run(40)
        for name in CORTEX_WEIGHTS + ("main", "energy", "awake"):
            assert torch.equal(getattr(hrls, name), getattr(surge, name)), name
        assert hrls.texts == surge.texts
        assert not torch.allclose(hrls.emotion, surge.emotion)


class TestLearningRules:
    def test_the_switch_chooses_the_cortex_rule(self):
        """learning_rule picks next-token prediction (default) or Hebbian learning."""
        assert TransformerPlasticity(TINY).cortex_rule is next_token_update
        assert TransformerPlasticity(replace(TINY, learning_rule="hebbian")).cortex_rule is hebbian_update

    def test_next_token_learning_lowers_the_loss_of_its_own_text(self):
        """One next-token step lowers each learning agent's loss on the text it learned from."""
        agent = _population()
        agent.run(12)
        before = _loss(agent)
        next_token_update(agent, torch.tensor([True, True]))
        assert (_loss(agent) < before).all()

    def test_only_learning_agents_learn_and_each_as_if_alone(self):
        """In a population, an agent that cannot learn keeps its weights, and one that can learns exactly
        what it would learn alone (per-agent gradients from one backward pass)."""
        pair, alone = _population(), _population(init=[2], noise=[4])
        pair.run(12)
        alone.run(12)
        next_token_update(pair, torch.tensor([False, True]))
        next_token_update(alone, torch.tensor([True]))
        fresh = _population()
        fresh.run(12)
        for name in CORTEX_WEIGHTS:
            assert torch.equal(getattr(pair, name)[0], getattr(fresh, name)[0]), name
            assert torch.equal(getattr(pair, name)[1], getattr(alone, name)[0]), name

    def test_hebbian_moves_the_linear_maps_not_the_embeddings(self):
        """The Hebbian rule changes every linear map of the cortex and leaves the embeddings; next-token
        learning changes the embeddings too."""
        hebbian = _population(replace(TINY, learning_rule="hebbian", hebbian_rate=0.01))
        next_token = _population()
        start = {name: getattr(hebbian, name).clone() for name in CORTEX_WEIGHTS}
        hebbian.run(5)
        next_token.run(5)
        for name in CORTEX_WEIGHTS:
            moved = not torch.equal(getattr(hebbian, name), start[name])
            assert moved == (name not in ("tok_emb", "pos_emb")), name
            assert not torch.equal(getattr(next_token, name), start[name]), name

    def test_cortex_learns_every_k_steps(self):
        """With learn_every = 3 the cortex changes on steps 0, 3, 6, ... only; the emotion synapses every step."""
        agent = _population(replace(TINY, learn_every=3))
        for step in range(7):
            cortex, emotion = agent.W_qkv.clone(), agent.W_rec_emo.clone()
            agent.step()
            assert torch.equal(agent.W_qkv, cortex) == (step % 3 != 0), step
            assert not torch.equal(agent.W_rec_emo, emotion), step


class TestNoise:
    def test_without_noise_twins_stay_identical(self):
        """With a silent noise model (no residual, emotion or sampling noise: greedy sampling), twins with
        different noise seeds stay identical; so the noise model is their only source of divergence."""
        agent = _population(init=(1, 1), noise=(2, 3), plugins=[SilentNoise()])
        agent.run(20)
        assert torch.equal(agent.main[0], agent.main[1]) and agent.texts[0] == agent.texts[1]
        noisy = _population(init=(1, 1), noise=(2, 3))
        noisy.run(20)
        assert noisy.texts[0] != noisy.texts[1]

    def test_sampling_temperature_grows_with_activity(self):
        """The sampling noise amplitude is sampling_noise * (1 + r): a busier cortex samples more freely."""
        amplitude = _population().noise_model.amplitude
        r = torch.tensor([[0.0], [0.5]])
        torch.testing.assert_close(amplitude("sampling", r), TINY.sampling_noise * (1 + r))


class TestDreamLoop:
    def test_first_input_and_markers(self):
        """'emergence begins' first; a marker every 10 steps, replacing the previous one."""
        agent = _population(replace(TINY, context=40))
        agent.run(31)
        inputs = [t["input"] for t in agent.trails(0)]
        assert inputs[0] == "emergence begins" and inputs[1].startswith("emergence begins")
        assert inputs[10].endswith(" (resonance 1)") and inputs[20].endswith(" (resonance 2)")
        assert "(resonance 1)" not in inputs[20] and inputs[30].count("(resonance") == 1

    @given(st.integers(2, 40), st.integers(1, 15), st.integers(20, 120))
    @settings(max_examples=25)
    def test_at_most_one_marker_and_texts_stay_bounded(self, context, every, steps):
        """Whatever the context and marker period, a window holds at most the latest marker, and a
        marker step's window ends with its marker."""
        text = "emergence begins"
        for step in range(steps):
            text = mark(text, step, every)
            window = text[-context:]
            assert window.count(")") <= 1 and text.count("(resonance") <= 1
            if step and step % every == 0:
                assert text.endswith(f" (resonance {step // every})")
            text = (window + "x")[-(context + 1) :]

    def test_characters_outside_the_alphabet_read_as_question_marks(self):
        """The alphabet is printable ASCII; other characters of the seed text become '?'."""
        agent = _population(replace(TINY, seed_text="é\tok"))
        agent.step()
        assert agent.trails(0)[0]["input"] == "??ok" and len(ALPHABET) == 95


class TestConfig:
    @pytest.mark.parametrize(
        "field, value",
        [
            ("n_heads", 3),
            ("n_main", 0),
            ("context", -1),
            ("learning_rule", "reward"),
            ("learn_every", 0),
            ("sampling_noise", -0.5),
            ("max_grad_norm", 0.0),
            ("embed_scale", float("nan")),
            ("wake_above", 0.2),
        ],
    )
    def test_bad_value_names_the_field(self, field, value):
        """A bad value, in the transformer's own fields or the shared groups, fails naming the field."""
        with pytest.raises(ValueError, match=field):
            TransformerConfig(**{field: value})

    def test_shares_the_core_groups_with_the_field_substrate(self):
        """Emotion-field, energy and dream settings are the field substrate's, with its defaults."""
        from emergence import AgentConfig
        from emergence.config import DreamConfig, EmotionFieldConfig, EnergyConfig

        for group in (EmotionFieldConfig, EnergyConfig, DreamConfig):
            assert issubclass(TransformerConfig, group) and issubclass(AgentConfig, group)
        assert TransformerConfig().seed_text == AgentConfig().seed_text == "emergence begins"
        assert TRANSFORMER.preset("paper").n_emo == AgentConfig().n_emo == 256
