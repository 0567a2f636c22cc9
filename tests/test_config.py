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
        """The paper preset is 128 / 10,000 / 256 in the regime of docs/regime.md; paper-rms keeps the
        first reading (Oja post at unit RMS) with exact weight noise."""
        c = preset("paper")
        assert (c.n_input, c.n_main, c.n_emo, c.weight_noise_every) == (128, 10_000, 256, 10)
        assert (c.oja_post, c.recurrent_gain, c.eta_rec_main, c.eta_main_emo) == ("unit", 2.0, 3e-5, 1e-4)
        assert (c.sleep_below, c.wake_above, c.text_noise, c.seed_text) == (0.3, 0.7, 0.05, "emergence begins")
        literal = preset("paper-rms")
        assert (literal.n_main, literal.oja_post, literal.recurrent_gain, literal.weight_noise_every) == (
            10_000,
            "rms",
            1.2,
            1,
        )

    def test_unknown_preset_lists_known(self):
        """An unknown preset names the known ones."""
        with pytest.raises(ConfigError, match="paper, paper-rms, small"):
            preset("huge")
