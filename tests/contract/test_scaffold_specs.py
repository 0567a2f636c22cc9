"""Scaffold settings: one spec syntax from the command line and Python, validated, one line when bad."""

import pytest

from emergence.cli import main
from emergence.config import ConfigError
from emergence.contract import resolve_spec, resolve_specs, split_spec
from emergence.host import installed
from emergence_plugins.hrls.scaffold import HRLSConfig


class TestSpecs:
    @pytest.mark.parametrize(
        "spec, expected",
        [
            ("hrls", ("hrls", {})),
            ("damp:threshold=0.02", ("damp", {"threshold": "0.02"})),
            ("damp:threshold=2, factor=0.5,label=calm", ("damp", {"threshold": "2", "factor": "0.5", "label": "calm"})),
        ],
    )
    def test_split(self, spec, expected):
        """NAME:FIELD=VALUE,...: the values stay text until their fields type them."""
        assert split_spec(spec) == expected

    @pytest.mark.parametrize(
        "spec, field, value",
        [
            ("hrls:variance_threshold=0.5", "variance_threshold", 0.5),
            ("hrls:nudge_scale=x2", "nudge_scale", 2e-4),
            ("hrls:buffer_length=8", "buffer_length", 8),
            ("hrls:buffer_length=x0.5", "buffer_length", 128),
        ],
    )
    def test_values_are_typed_by_their_fields(self, spec, field, value):
        """A spec's value is parsed to its field's type, as --set parses an agent field (xF: F times the
        default); its text writes the value as the settings hold it."""
        resolved = resolve_spec("scaffold", spec, installed().scaffolds)
        assert getattr(resolved.settings, field) == value and str(resolved) == f"hrls:{field}={value!r}"

    @pytest.mark.parametrize("spec", ["hrls:variance_threshold", ":x=1", "hrls:2x=1"])
    def test_bad_syntax_says_how_to_write_it(self, spec):
        """A spec that is not NAME or NAME:FIELD=VALUE names the syntax."""
        with pytest.raises(ConfigError, match="NAME"):
            split_spec(spec)

    def test_python_forms(self):
        """A spec, a list of specs and a dict {name: {field: value}} give the same specs."""
        known = installed().scaffolds

        def texts(value):
            return tuple(map(str, resolve_specs("scaffold", value, known)))

        assert texts("hrls") == ("hrls",)
        assert texts(["hrls", "surge"]) == ("hrls", "surge")
        assert texts({"hrls": {"variance_threshold": 0.3}, "surge": None}) == ("hrls:variance_threshold=0.3", "surge")

    def test_resolved_into_the_declared_settings(self):
        """HRLS's declared settings are HRLSConfig; the canonical spec keeps the fields given."""
        resolved = resolve_spec("scaffold", "hrls:buffer_length=8", installed().scaffolds)
        assert resolved.settings == HRLSConfig(buffer_length=8) and str(resolved) == "hrls:buffer_length=8"

    def test_settings_reach_the_scaffold(self):
        """build_agent with a spec gives the scaffold its settings."""
        from emergence import build_agent, preset

        agent = build_agent(preset("small", n_main=40, n_emo=8), [1], [2], scaffolds=["hrls:variance_threshold=0.5"])
        assert agent.scaffolds["hrls"].settings.variance_threshold == 0.5


class TestOneLineErrors:
    @pytest.mark.parametrize(
        "spec, message",
        [
            ("hrls:variance_threshold=-1", "scaffold 'hrls': 'variance_threshold' must be >= 0"),
            ("hrls:buffer_length=2.5", "scaffold 'hrls': 'buffer_length' must be a positive integer"),
            (
                "hrls:varience=1",
                "scaffold 'hrls' has no setting 'varience'; known: variance_threshold, nudge_scale, buffer_length",
            ),
            ("surge:x=1", "scaffold 'surge' takes no settings"),
        ],
    )
    def test_bad_setting_names_scaffold_and_field(self, spec, message, tmp_path, capsys):
        """A bad or unknown setting: one line naming the scaffold and the field, exit 2, no folder."""
        assert main(["protocol", "twins", "--a", spec, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and not (tmp_path / "x").exists()

    def test_python_dict_form_is_validated(self):
        """emergence.twins(a={...}) refuses a bad value the same way."""
        import emergence

        with pytest.raises(ConfigError, match="scaffold 'hrls': 'nudge_scale'"):
            emergence.twins(a={"hrls": {"nudge_scale": float("nan")}})

    @pytest.mark.parametrize("validator", ["instance_of", "bool_field"])
    def test_a_bad_boolean_setting_is_one_plain_line(self, validator):
        """A boolean setting given text: one line naming the scaffold and the field, never attrs' raw tuple
        (an attrs ``instance_of(bool)`` validator, or ``emergence.config.bool_field``)."""
        from attrs import field, frozen
        from attrs.validators import instance_of

        from emergence.config import bool_field
        from emergence.contract import make_settings

        @frozen
        class Settings:
            awake_only: bool = (
                field(default=True, validator=instance_of(bool)) if validator == "instance_of" else bool_field(True)
            )

        class Homeostat:
            SETTINGS = Settings

        with pytest.raises(ConfigError) as raised:
            make_settings("homeostat", Homeostat, {"awake_only": "yes"})
        message = str(raised.value)
        assert message.startswith("scaffold 'homeostat': 'awake_only' must be") and "'yes'" in message
        assert "Attribute(" not in message and "\n" not in message
        assert make_settings("homeostat", Homeostat, {"awake_only": False}).awake_only is False
