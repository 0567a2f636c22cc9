"""``--set FIELD=VALUE``: typed by the config class, ``xF`` relative, unknown fields name the closest."""

import pytest

from emergence.config import ConfigError
from emergence.fields import AgentConfig
from emergence.overrides import apply_settings, parse_assignments, split_scope


class TestOverrides:
    def test_values_take_the_fields_type(self):
        """Strings become the field's int, float or str; xF scales the current value."""
        config = apply_settings(AgentConfig(n_main=500), {"n_emo": "32", "emo_noise": "0.06", "n_main": "x2",
                                                          "oja_post": "unit"})
        assert (config.n_emo, config.emo_noise, config.n_main, config.oja_post) == (32, 0.06, 1000, "unit")

    def test_unknown_field_names_the_closest(self):
        """A misspelt field is one line naming the near ones."""
        with pytest.raises(ConfigError, match=r"no field 'emo_nois'; did you mean emo_noise"):
            apply_settings(AgentConfig(), {"emo_nois": "1"})

    def test_bad_values_name_the_type_or_the_validator(self):
        """Text for a number, and a value the validator refuses, are ConfigErrors."""
        with pytest.raises(ConfigError, match="takes an integer"):
            apply_settings(AgentConfig(), {"n_emo": "many"})
        with pytest.raises(ConfigError, match="n_emo"):
            apply_settings(AgentConfig(), {"n_emo": "-1"})

    def test_assignments_and_scopes(self):
        """FIELD=VALUE pairs parse; a missing '=' names the form; a dotted name has a scope."""
        assert parse_assignments(["emo_noise=0.06", "hrls.variance_threshold = 0.3"]) == {
            "emo_noise": "0.06", "hrls.variance_threshold": "0.3"}
        with pytest.raises(ConfigError, match="FIELD=VALUE"):
            parse_assignments(["emo_noise"])
        assert split_scope("hrls.variance_threshold") == ("hrls", "variance_threshold")
        assert split_scope("emo_noise") == (None, "emo_noise")
