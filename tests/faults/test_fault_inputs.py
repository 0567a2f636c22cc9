"""Non-finite, huge and misused inputs: one line naming the fix, a non-zero exit, nothing written; or
a sweep that runs and says what it could not compute."""

import json
import os
import subprocess
import sys
import time

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

    def test_a_sweep_stopped_out_of_range_says_to_use_gentler_settings(self, tmp_path, capsys):
        """A sweep of one chunk stopped by a value that is not finite: one line (the chunk's text once),
        saying that a re-run would stop the same way and to use gentler settings in a new folder."""
        argv = [*CLI, "--chunk-size", "2", "--feedback-strength", "1e308", "--a", "hrls:nudge_fraction=1.0"]
        assert main([*argv, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        said = [line for line in err.splitlines() if "pair-steps" not in line]  # all but the progress lines
        assert_one_line_error(
            2, "\n".join(said), "is not finite at step", "would stop the same way", "gentler settings in a new"
        )
        assert "re-run the same command" not in err

    @pytest.mark.parametrize(
        "value",
        [
            "n_main=xinf",
            "n_main=x1e400",
            "n_main=100000000000000000000000",
            "hrls.buffer_length=100000000000000000000000",
            "hrls.buffer_length=1e22",
        ],
    )
    def test_an_overflowing_setting_is_one_line(self, tmp_path, capsys, value):
        """--set with an infinite factor or an integer beyond 2**63 - 1: one line naming the field."""
        assert main([*CLI, "--set", value, "--out", str(tmp_path / "x")]) == 2
        assert_one_line_error(2, capsys.readouterr().err, value.split("=")[0].split(".")[-1])
        assert not (tmp_path / "x").exists()

    def test_an_unreachable_ray_cluster_is_one_line_within_seconds(self, tmp_path):
        """--executor ray:address=HOST:PORT where nothing answers: one line within 30 s (Ray itself
        retries for minutes)."""
        pytest.importorskip("ray")
        argv = [*CLI, "--executor", "ray:address=127.0.0.1:1", "--out", str(tmp_path / "x")]
        code = f"import sys; from emergence.cli import main; sys.exit(main({argv!r}))"
        started = time.monotonic()
        try:
            result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("still trying to reach the cluster after 60 s")
        assert time.monotonic() - started < 30
        assert_one_line_error(result.returncode, result.stderr, "ray: nothing answers at '127.0.0.1:1'")

    @pytest.mark.parametrize(
        "option, value, words",
        [
            ("--n-main", "200000", "of memory"),
            ("--runs", "100000000", "on disk"),
        ],
    )
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

    @pytest.mark.parametrize("dry_run", [["--dry-run"], []])
    def test_workers_beyond_memory_are_refused(self, tmp_path, capsys, dry_run):
        """--workers 1000: a thousand worker processes of about 0.5 GiB each do not fit: refused in one
        line naming --workers (with --dry-run, after the plan), nothing written."""
        assert main([*CLI, "--runs", "1000", "--workers", "1000", *dry_run, "--out", str(tmp_path / "x")]) == 2
        assert_one_line_error(2, capsys.readouterr().err, "1000 worker processes need about", "fewer --workers")
        assert not (tmp_path / "x").exists()

    def test_workers_beyond_the_cores_are_a_warning(self, tmp_path, capsys, monkeypatch):
        """Two workers of two threads on two cores: the plan warns, names the --workers that fit, and its
        time assumes no more workers growing at once than the cores hold."""
        monkeypatch.setattr("emergence.executors.cores", lambda: 2)
        assert main([*CLI, "--workers", "2", "--threads", "2", "--dry-run", "--out", str(tmp_path / "x")]) == 0
        out = capsys.readouterr().out
        assert "2 workers x 2 threads exceed the 2 cores here" in out and "use --workers 1" in out
        assert "pair-steps/s per worker, 1 at once" in out

    def test_one_neuron_main_field_under_hrls_is_refused(self, tmp_path, capsys):
        """--n-main 1: HRLS's variance of one neuron is undefined; refused naming the fix."""
        assert main([*CLI, "--n-main", "1", "--out", str(tmp_path / "x")]) == 2
        assert_one_line_error(2, capsys.readouterr().err, "n_main >= 2", "--n-main")

    def test_out_under_a_file_is_one_line(self, tmp_path, capsys):
        """An --out below an existing file: one line naming the path, exit 2."""
        (tmp_path / "file").write_text("")
        assert main([*CLI, "--out", str(tmp_path / "file" / "x")]) == 2
        assert_one_line_error(2, capsys.readouterr().err, str(tmp_path / "file"))


class TestOut:
    def test_a_folder_that_is_not_a_results_folder_is_refused(self, tmp_path, capsys):
        """--out at a user's non-empty folder without a manifest: one line naming what it holds, and
        nothing in it touched (no lock, no temporary removed)."""
        out = tmp_path / "project"
        (out / "notes").mkdir(parents=True)
        for name, text in (("README.txt", "keep"), ("notes/.draft.tmp", "my draft"), (".report.md.swp.tmp", "x")):
            (out / name).write_text(text)
        before = sorted(p.relative_to(out) for p in out.rglob("*"))
        assert main([*CLI, "--out", str(out)]) == 2
        assert_one_line_error(2, capsys.readouterr().err, "not a results folder", "README.txt", "nothing was touched")
        assert sorted(p.relative_to(out) for p in out.rglob("*")) == before

    def test_a_path_that_is_not_utf8_is_refused_before_writing(self, tmp_path, capsys):
        """An --out whose bytes are not UTF-8 (Parquet cannot write under it): one line, nothing written."""
        out = os.fsdecode(os.fsencode(tmp_path) + b"/bad\xff\xfe")
        assert main([*CLI, "--out", out]) == 2
        assert_one_line_error(2, capsys.readouterr().err, "not a UTF-8 path", "choose another --out")
        assert not os.listdir(tmp_path)

    def test_a_study_into_a_sweep_folder_is_refused(self, finished, capsys):
        """`emergence study ... --out` a sweep's folder: one line, the sweep's folder left as it was."""
        before = sorted(p.relative_to(finished) for p in finished.rglob("*"))
        assert main(["study", "hrls-off", *CLI[2:], "--force", "--out", str(finished)]) == 2
        said = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("warning: ")]
        assert_one_line_error(2, "\n".join(said), "holds a sweep, not a study")
        assert sorted(p.relative_to(finished) for p in finished.rglob("*")) == before

    def test_only_the_layouts_temporaries_are_removed(self, finished, reference):
        """A user's hidden ``*.tmp`` files in a results folder (at its top or in a folder of theirs) are
        kept; the temporaries of the names the sweep writes are removed."""
        notes = finished / "notes"
        notes.mkdir()
        users = [notes / ".draft.tmp", finished / ".my-notes.tmp", notes / ".run-0000-part-00001.parquet.x.tmp"]
        ours = [finished / ".summary.json.x1.tmp", finished / "index" / ".chunk-000.json.x2.tmp"]
        for path in users + ours:
            path.write_text("half")
        said = grow(finished)
        assert all(p.exists() for p in users) and not any(p.exists() for p in ours)
        assert sum("interrupted write" in line for line in said) == 2
        assert_same_data(finished, reference)


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
        assert "needs more samples" in summary.metrics["burstiness"].undefined
        assert summary.metrics["mean"].controls is not None

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
