"""``--set FIELD=VALUE``: typed by the config class, ``xF`` relative, unknown fields name the closest."""

import pytest

from emergence.config import ConfigError
from emergence.fields import AgentConfig
from emergence.overrides import apply_settings, parse_assignments, split_scope


class TestOverrides:
    def test_values_take_the_fields_type(self):
        """Strings become the field's int, float or str; xF scales the current value."""
        config = apply_settings(
            AgentConfig(n_main=500), {"n_emo": "32", "emo_noise": "0.06", "n_main": "x2", "oja_post": "unit"}
        )
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
            "emo_noise": "0.06",
            "hrls.variance_threshold": "0.3",
        }
        with pytest.raises(ConfigError, match="FIELD=VALUE"):
            parse_assignments(["emo_noise"])
        assert split_scope("hrls.variance_threshold") == ("hrls", "variance_threshold")
        assert split_scope("emo_noise") == (None, "emo_noise")


class TestScaffoldSettings:
    def test_set_reaches_the_twins_that_carry_the_scaffold(self):
        """`--set hrls.variance_threshold=0.3` sets HRLS's setting on the twin that carries it, beside agent fields."""
        from emergence_protocols.twins.settings import make_config

        config = make_config("fields", "small", settings={"hrls.variance_threshold": "0.3", "emo_noise": "0.06"})
        assert tuple(map(str, config.a)) == ("hrls:variance_threshold=0.3",) and tuple(map(str, config.b)) == ("surge",)
        assert config.scaffold_settings()["a"]["hrls"]["variance_threshold"] == 0.3 and config.agent.emo_noise == 0.06

    @pytest.mark.parametrize(
        "a, text",
        [
            ("hrls", "x2"),
            ("hrls:buffer_length=100", "x2"),
            ("hrls", "512"),
            ("hrls:buffer_length=8", "on"),
        ],
    )
    def test_set_and_a_spec_share_one_grammar(self, a, text):
        """`--set hrls.buffer_length=VALUE` means what `--a hrls:buffer_length=VALUE` means: typed by the
        field (x2: twice the value the twin has), and a bad value is one line naming the field."""
        from emergence_protocols.twins.settings import make_config

        def config(**options):
            return make_config("fields", "small", **options)

        if text == "on":
            for options in ({"a": a, "settings": {"hrls.buffer_length": text}}, {"a": f"hrls:buffer_length={text}"}):
                with pytest.raises(
                    ConfigError, match=r"^scaffold 'hrls': 'buffer_length' takes an integer \(or xF\), got 'on'$"
                ):
                    config(**options)
            return
        by_set = config(a=a, settings={"hrls.buffer_length": text}).a[0]
        base = config(a=a).a[0].settings.buffer_length
        assert by_set.settings.buffer_length == (base * 2 if text == "x2" else int(text))
        assert by_set == config(a=f"hrls:buffer_length={by_set.settings.buffer_length}").a[0]

    @pytest.mark.parametrize(
        "settings, words",
        [
            ({"hrls.variance_threshold": "0.3"}, "neither twin carries the scaffold 'hrls'"),
            ({"surge.level": "1"}, "surge"),
        ],
    )
    def test_a_scaffold_no_twin_carries_or_a_bad_field_is_one_error(self, settings, words):
        """A scope no twin carries, or a field the scaffold lacks, is a ConfigError that says which."""
        from emergence_protocols.twins.settings import make_config

        with pytest.raises(ConfigError, match=words):
            make_config("fields", "small", a="surge", b="surge", settings=settings)
