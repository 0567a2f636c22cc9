"""Non-finite, huge and misused inputs: one line naming the fix, a non-zero exit, nothing written; or
a sweep that runs and says what it could not compute."""

import json
import os

import pytest
from conftest import CLI, assert_one_line_error, assert_same_data, grow, tiny

from emergence import ConfigError, build_agent, preset
from emergence.analysis import analyse
from emergence.cli import main
from emergence.fields import AgentConfig
from emergence.host import installed
from emergence.results import ResultsError
from emergence_protocols.twins.sweep import TwinsSweep


class TestOptions:
    @pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
    def test_non_finite_float_option_is_refused(self, tmp_path, capsys, value):
        """--feedback-strength nan/inf: one line naming the option, nothing written."""
        assert main([*CLI, "--feedback-strength", value, "--out", str(tmp_path / "x")]) == 2
        assert "--feedback-strength" in capsys.readouterr().err and not (tmp_path / "x").exists()

    def test_a_value_that_overflows_the_agent_stops_the_run(self, tmp_path):
        """--feedback-strength 1e308 (finite) drives the field out of range: the sweep stops with an error
        naming run, twin and step, and writes no non-finite record."""
        with pytest.raises(ResultsError, match=r"run \d, twin [AB]: \w+ is not finite at step \d+"):
            grow(tmp_path / "x", tiny(feedback_strength=1e308, a="hrls:nudge_fraction=1.0"))

    @pytest.mark.parametrize("option, value, words", [
        ("--n-main", "200000", "of memory"),
        ("--runs", "100000000", "on disk"),
    ])
    def test_a_sweep_that_does_not_fit_is_refused_before_writing(self, tmp_path, capsys, option, value, words):
        """A pair too big for memory, results too big for the disk: one line with the bytes, nothing written."""
        assert main([*CLI, option, value, "--out", str(tmp_path / "x")]) == 2
        assert_one_line_error(2, capsys.readouterr().err, words, "GiB", "available" if "memory" in words else "free")
        assert not (tmp_path / "x").exists()

    def test_dry_run_prints_the_plan_and_writes_nothing(self, tmp_path, capsys):
        """--dry-run prints memory, disk and an estimated time, and writes nothing."""
        assert main([*CLI, "--dry-run", "--out", str(tmp_path / "x")]) == 0
        out = capsys.readouterr().out
        assert "memory:" in out and "disk: step parts" in out and "pair-steps/s" in out
        assert not (tmp_path / "x").exists()

    def test_one_neuron_main_field_under_hrls_is_refused(self, tmp_path, capsys):
        """--n-main 1: HRLS's variance of one neuron is undefined; refused naming the fix."""
        assert main([*CLI, "--n-main", "1", "--out", str(tmp_path / "x")]) == 2
        assert_one_line_error(2, capsys.readouterr().err, "n_main >= 2", "--n-main")

    def test_out_under_a_file_is_one_line(self, tmp_path, capsys):
        """An --out below an existing file: one line naming the path, exit 2."""
        (tmp_path / "file").write_text("")
        assert main([*CLI, "--out", str(tmp_path / "file" / "x")]) == 2
        assert_one_line_error(2, capsys.readouterr().err, str(tmp_path / "file"))


class TestIdentity:
    def test_another_chunk_size_resumes(self, finished):
        """The chunk size changes no result: another --chunk-size on the folder is accepted."""
        grow(finished, tiny(chunk_size=2))
        assert json.loads((finished / "manifest.json").read_text())["chunk_size"] == 1

    def test_a_refusal_names_each_differing_field(self, finished, capsys):
        """Another configuration is refused naming each field with both values."""
        assert main([*CLI, "--seed", "3", "--n-emo", "9", "--out", str(finished)]) == 2
        assert_one_line_error(2, capsys.readouterr().err, "seed: 0 -> 3", "agent.n_emo: 8 -> 9")

    def test_keep_checkpoints_none_deletes_finished_chunks(self, reference, tmp_path):
        """--keep-checkpoints none: a finished chunk keeps no checkpoint; the data is the same."""
        out = tmp_path / "none"
        grow(out, keep_checkpoints="none")
        assert not list((out / "checkpoints").rglob("*.safetensors"))
        assert_same_data(out, reference)


class TestLibrary:
    @pytest.mark.parametrize("init, noise", [("12", [1]), ([1.5], [1]), ([1], [True])])
    def test_seeds_must_be_sequences_of_integers(self, init, noise):
        """A string, a float or a bool as seeds is a TypeError naming the argument."""
        with pytest.raises(TypeError, match="seeds"):
            build_agent(preset("small", n_main=40, n_emo=8), init, noise)

    def test_scaffolds_must_be_a_sequence_of_names(self):
        """scaffolds="hrls" (a bare string) is a TypeError suggesting ["hrls"]."""
        with pytest.raises(TypeError, match=r"\['hrls'\]"):
            build_agent(preset("small", n_main=40, n_emo=8), [1], [2], scaffolds="hrls")

    def test_a_dict_config_is_a_type_error(self, tmp_path):
        """A dict where a config belongs: a TypeError naming the config classes, not an AttributeError."""
        with pytest.raises(TypeError, match="config"):
            build_agent({"n_main": 40, "n_emo": 8}, [1], [2])
        with pytest.raises(TypeError, match="TwinsConfig"):
            TwinsSweep({"runs": 2}, tmp_path)

    @pytest.mark.parametrize("value", ["abc", None, float("nan"), 1e400])
    def test_a_float_field_names_itself(self, value):
        """AgentConfig(tau_main="abc"), None, NaN, inf: a ConfigError naming tau_main."""
        with pytest.raises(ConfigError, match="tau_main"):
            AgentConfig(tau_main=value)


class TestMetrics:
    def test_a_metric_longer_than_the_run_is_undefined(self, finished):
        """burstiness needs 512 steps; a 40-step run reports it as undefined with the reason, and the
        other metrics and the controls are computed."""
        summary = analyse(finished, installed().metrics, ("burstiness",))
        assert "needs more samples" in summary["metrics"]["burstiness"]["undefined"]
        assert "controls" in summary["metrics"]["mean"]

    def test_stats_adds_metrics_and_drops_stale_figures(self, finished):
        """`stats --emotion-metric X` keeps the metrics added before; figures of a metric no longer in
        the summary are removed."""
        assert main(["stats", str(finished), "--emotion-metric", "variance"]) == 0
        assert main(["stats", str(finished), "--emotion-metric", "pca"]) == 0
        assert set(json.loads((finished / "summary.json").read_text())["metrics"]) == {"mean", "variance", "pca"}
        os.remove(finished / "summary.json")
        assert main(["stats", str(finished)]) == 0
        assert not list((finished / "figures").glob("*variance*"))
        assert (finished / "figures" / "controls_mean.png").exists()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_files_follow_the_umask(tmp_path, umask, mode):
    """Result files are ordinary files: the process umask decides their mode."""
    from emergence.results import write_json

    old = os.umask(umask)
    try:
        path = write_json(tmp_path / "x.json", {"a": 1})
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode


def test_strict_json(tmp_path):
    """A non-finite number is written as null; a NaN token is refused when read."""
    from emergence.results import read_json, write_json

    path = write_json(tmp_path / "x.json", {"a": float("nan"), "b": [float("inf"), 1.0]})
    assert read_json(path) == {"a": None, "b": [None, 1.0]}
    path.write_text('{"a": NaN}')
    with pytest.raises(ResultsError, match="not valid JSON"):
        read_json(path)
