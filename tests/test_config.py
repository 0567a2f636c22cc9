import math

import pytest

from emergence import AgentConfig, preset
from emergence.config import ConfigError, config_from_dict, config_to_dict


class TestAgentConfig:
    @pytest.mark.parametrize(
        "field, value",
        [
            ("n_main", 0),
            ("n_main", -5),
            ("n_emo", 2.5),
            ("tau_main", 0),
            ("dt", -1.0),
            ("trace_rate", 1.5),
            ("main_noise", -0.1),
            ("eta_rec_main", float("nan")),
            ("weight_noise_every", 0),
            ("dtype", "int8"),
            ("sleep_below", 1.2),
        ],
    )
    def test_bad_value_names_the_field(self, field, value):
        """A bad value fails at construction with a message that names the field."""
        with pytest.raises(ValueError, match=field):
            AgentConfig(**{field: value})

    def test_wake_must_exceed_sleep(self):
        """Hysteresis needs wake_above > sleep_below."""
        with pytest.raises(ConfigError, match="wake_above"):
            AgentConfig(sleep_below=0.6, wake_above=0.5)

    def test_unknown_field_is_named(self):
        """A dict with an unknown key is refused, naming the key."""
        with pytest.raises(ConfigError, match="n_mian"):
            config_from_dict({"n_mian": 5}, AgentConfig)

    def test_round_trip(self):
        """A config survives its dict form."""
        config = preset("small")
        assert config_from_dict(config_to_dict(config), AgentConfig) == config


class TestPresets:
    def test_paper_has_the_write_up_sizes(self):
        """The paper preset is 128 / 10,000 / 256 in the regime of docs/regime.md; paper-chaotic keeps the
        regime before the plateau screen, paper-rms the first reading (Oja post at unit RMS) with exact
        weight noise."""
        c = preset("paper")
        assert (c.n_input, c.n_main, c.n_emo, c.weight_noise_every) == (128, 10_000, 256, 10)
        assert (c.oja_post, c.recurrent_gain, c.input_gain, c.weight_noise) == ("unit", 1.6, 3.0, 1e-5)
        assert (c.eta_rec_main, c.eta_in_main, c.eta_main_emo, c.eta_rec_emo) == (0.0, 1.75e-4, 5e-6, 2.5e-5)
        screen = preset("paper-screen")  # the screen's winner by the scaling rule: paper but for two values
        assert config_to_dict(screen) == {**config_to_dict(c), "recurrent_gain": 1.7, "eta_in_main": 3.5e-4}
        assert (c.sleep_below, c.wake_above, c.text_noise, c.seed_text) == (0.3, 0.7, 0.05, "emergence begins")
        chaotic = preset("paper-chaotic")
        assert (chaotic.recurrent_gain, chaotic.eta_rec_main, chaotic.eta_main_emo) == (2.0, 3e-5, 1e-4)
        literal = preset("paper-rms")
        assert (literal.n_main, literal.oja_post, literal.recurrent_gain, literal.weight_noise_every) == (
            10_000,
            "rms",
            1.2,
            1,
        )

    @pytest.mark.parametrize("pair", [("paper-screen", "small"), ("paper-chaotic", "small-chaotic")])
    def test_small_is_paper_by_the_scaling_rule(self, pair):
        """A small preset is its 10k preset at 500 neurons: weight noise and cortex-to-emotion learning
        x sqrt(10^4 / 500), input learning x sqrt(500 / 10^4) (to three figures), every other value equal."""
        paper, small = preset(pair[0]), preset(pair[1])
        ratio = math.sqrt(10_000 / 500)
        assert small.n_main == 500
        assert small.weight_noise == pytest.approx(paper.weight_noise * ratio, rel=5e-3)
        assert small.eta_main_emo == pytest.approx(paper.eta_main_emo * ratio, rel=5e-3)
        assert small.eta_in_main == pytest.approx(paper.eta_in_main / ratio, rel=5e-3)
        grown = {"small": (4.47e-5, 2.24e-5, 7.83e-5), "small-chaotic": (4.47e-4, 4.47e-4, 2.24e-4)}
        assert (small.weight_noise, small.eta_main_emo, small.eta_in_main) == grown[pair[1]]  # as screened
        scaled = {"n_main", "weight_noise", "eta_main_emo", "eta_in_main"}
        a, b = config_to_dict(paper), config_to_dict(small)
        assert {k: v for k, v in a.items() if k not in scaled} == {k: v for k, v in b.items() if k not in scaled}

    def test_unknown_preset_lists_known(self):
        """An unknown preset names the known ones."""
        with pytest.raises(ConfigError, match="paper, paper-chaotic, paper-rms, paper-screen, small"):
            preset("huge")
