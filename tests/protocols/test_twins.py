"""End-to-end tests of `emergence protocol twins`, `report` and `stats` at tiny sizes."""

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats as scipy_stats

from emergence.cli import main
from emergence.analysis.windows import parse_windows

SIZES = [
    "--n-main",
    "40",
    "--n-emo",
    "8",
    "--runs",
    "3",
    "--steps",
    "60",
    "--checkpoint-every",
    "20",
    "--snapshot-every",
    "5",
    "--feedback-every",
    "25",
]


def _twins(out, *extra):
    return main(["protocol", "twins", "--a", "hrls", "--b", "surge", *SIZES, "--out", str(out), *extra])


def _assert_resumes_after_a_power_cut(agent_class, grow, straight, tmp_path, monkeypatch):
    """Kill ``grow`` mid-run (the 70th step of ``agent_class``: after a checkpoint, both twins step each
    step), re-run it: the summary of the uninterrupted sweep in ``straight``."""
    original, calls = agent_class.step, [0]

    def failing_step(self):
        calls[0] += 1
        if calls[0] == 70:
            raise RuntimeError("power cut")
        original(self)

    monkeypatch.setattr(agent_class, "step", failing_step)
    out = tmp_path / "twins"
    with pytest.raises(RuntimeError, match="power cut"):
        grow(out)
    monkeypatch.setattr(agent_class, "step", original)
    assert grow(out) == 0
    resumed, expected = (json.loads((d / "summary.json").read_text()) for d in (out, straight))
    assert resumed == expected


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "twins"
    assert _twins(out) == 0
    return out


class TestSweep:
    def test_writes_the_results_folder(self, sweep):
        """Manifest, per-step Parquet of every run, snapshots, checkpoints, summary and both figures."""
        manifest = json.loads((sweep / "manifest.json").read_text())
        assert manifest["config"]["runs"] == 3 and len(manifest["seeds"]) == 3 and manifest["command_line"]
        steps = pd.read_parquet(sweep / "steps")
        assert len(steps) == 3 * 2 * 60 and set(steps.twin) == {"A", "B"}
        assert list(steps.columns) == [
            "run",
            "twin",
            "step",
            "activity",
            "emotion",
            "emotion_var",
            "energy",
            "awake",
            "main_abs",
            "main_saturated",
            "nudged",
        ]
        snaps = pd.read_parquet(sweep / "snapshots")
        assert len(snaps) == 3 * 2 * 12 and len(snaps.field.iloc[0]) == 8
        assert (sweep / "summary.json").exists() and (sweep / "runs.parquet").exists()
        assert manifest["device"] == "cpu" and manifest["engine"] == "fast"
        assert {p.name for p in (sweep / "figures").iterdir()} >= {
            "correlation_evolution_mean.png",
            "run_distributions_mean.png",
        }

    def test_every_table_of_report_md_renders(self, sweep):
        """Each table of report.md is a Markdown table (a "|" inside a cell, as in the regime table's
        "|a|", is escaped): as many rendered tables as delimiter rows, each header as wide as its rows."""
        from markdown_it import MarkdownIt

        text = (sweep / "report.md").read_text()
        lines = text.splitlines()
        widths = [
            (len(re.split(r"(?<!\\)\|", lines[i - 1])) - 2, line.count("---"))
            for i, line in enumerate(lines)
            if line.startswith("|---|")
        ]
        tokens = MarkdownIt("commonmark").enable("table").parse(text)
        assert "\\|a\\|" in text and sum(t.type == "table_open" for t in tokens) == len(widths)
        assert all(header == delimiter for header, delimiter in widths)

    def test_statistics_match_scipy(self, sweep):
        """Window r's and run-level means equal scipy.stats.pearsonr over the saved series."""
        steps = pd.read_parquet(sweep / "steps")
        summary = json.loads((sweep / "summary.json").read_text())
        windows = parse_windows(summary["sweep"]["windows"], summary["sweep"]["window"], summary["sweep"]["burn_in"])
        bounds = list(zip(*windows.bounds(summary["sweep"]["steps"])))
        assert len(bounds) >= 3
        for quantity, stats in (("activity", summary["activity"]), ("emotion", summary["metrics"]["mean"]["emotion"])):
            column = quantity
            expected = []
            for run in range(3):
                a = steps[(steps.run == run) & (steps.twin == "A")][column].to_numpy()
                b = steps[(steps.run == run) & (steps.twin == "B")][column].to_numpy()
                rs = [scipy_stats.pearsonr(a[start:stop], b[start:stop]).statistic for start, stop in bounds]
                expected.append(np.mean(rs))
            np.testing.assert_allclose(stats["per_run"]["corr"], expected, rtol=1e-6, atol=1e-9)
            np.testing.assert_allclose(stats["across_runs"]["mean"], np.mean(expected), rtol=1e-6)

    def test_report_rebuilds_identical_numbers(self, sweep):
        """`emergence report DIR` recomputes the same summary from the folder alone."""
        before = (sweep / "summary.json").read_text()
        assert main(["report", str(sweep)]) == 0
        assert (sweep / "summary.json").read_text() == before

    def test_stats_adds_a_metric_after_the_fact(self, sweep, tmp_path):
        """`emergence stats DIR --emotion-metric variance` adds the metric and keeps the recorded one."""
        import shutil

        copy = tmp_path / "copy"
        shutil.copytree(sweep, copy)
        assert main(["stats", str(copy), "--emotion-metric", "variance"]) == 0
        summary = json.loads((copy / "summary.json").read_text())
        assert set(summary["metrics"]) == {"mean", "variance"}
        assert (copy / "figures" / "emotion_metrics.png").exists()

    def test_metric_after_the_fact_equals_metric_during_the_run(self, sweep, tmp_path):
        """A sweep run with --emotion-metric pca and one given pca later by `stats` agree exactly."""
        import shutil

        during = tmp_path / "during"
        assert _twins(during, "--emotion-metric", "mean", "--emotion-metric", "pca") == 0
        later = tmp_path / "later"
        shutil.copytree(sweep, later)
        assert main(["stats", str(later), "--emotion-metric", "pca"]) == 0
        first, second = (json.loads((d / "summary.json").read_text())["metrics"]["pca"] for d in (during, later))
        assert first == second and first["uses_snapshots"]


def test_shared_input_sweep(tmp_path):
    """--input shared: one input seed per run, recorded in the manifest and said in the summary; with the
    other noise off, same-init twins follow one trajectory (coupling 1 in every window)."""
    out = tmp_path / "shared"
    quiet = [f"--set={name}=0" for name in ("sensory_noise", "main_noise", "emo_noise", "weight_noise")]
    assert _twins(out, "--input", "shared", "--a", "surge", *quiet) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert all("input" in seeds for seeds in manifest["seeds"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["sweep"]["input"] == "shared"
    assert summary["activity"]["across_steps"]["min"] > 0.999


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="needs a browser: Debian's chromium (apt-get install chromium; CI has it)")
def test_html_report_renders_in_a_real_browser(sweep, tmp_path):
    """report --html: one page, every figure embedded (no link left to a file), and a headless chromium
    screenshot of it shows the figures' colours, not only text."""
    from matplotlib.image import imread

    folder = tmp_path / "sweep"
    shutil.copytree(sweep, folder)
    assert main(["report", str(folder), "--html"]) == 0
    page = (folder / "report.html").read_text()
    figures = list((folder / "figures").glob("*.png"))
    assert figures and page.count("data:image/png;base64,") == len(figures) and 'src="figures/' not in page
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1200,6000",
            (folder / "report.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = imread(shot)[..., :3]
    saturation = pixels.max(axis=-1) - pixels.min(axis=-1)
    assert (saturation > 0.3).mean() > 0.001  # coloured plot lines and markers: the figures rendered


class TestResume:
    def test_interrupted_sweep_resumes_to_the_same_summary(self, sweep, tmp_path, monkeypatch):
        """A sweep killed by an exception mid-run, then re-run, gives the uninterrupted summary."""
        from emergence.fields.agent import ContinuousEmergeBase

        _assert_resumes_after_a_power_cut(ContinuousEmergeBase, _twins, sweep, tmp_path, monkeypatch)

    def test_finished_sweep_is_skipped(self, sweep, monkeypatch):
        """Re-running a finished sweep grows nothing."""
        from emergence.fields.agent import ContinuousEmergeBase

        monkeypatch.setattr(ContinuousEmergeBase, "step", lambda self: pytest.fail("stepped a finished run"))
        assert _twins(sweep) == 0


class TestBadInput:
    def test_unknown_plugin_one_line_exit_2(self, tmp_path, capsys):
        """An unknown scaffold: one line naming the known ones, exit code 2."""
        assert main(["protocol", "twins", "--a", "hrsl", "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err.strip()
        assert (
            err.count("\n") == 0 and "known: a2c, hrls, reinforce, surge, td" in err and not (tmp_path / "x").exists()
        )

    def test_unknown_metric(self, tmp_path, capsys):
        """An unknown emotion metric lists the known metrics."""
        assert main(["protocol", "twins", "--emotion-metric", "joy", "--out", str(tmp_path / "x")]) == 2
        assert "known: autocorr, burstiness" in capsys.readouterr().err

    @pytest.mark.parametrize("option, value", [("--runs", "0"), ("--steps", "many"), ("--n-main", "-3")])
    def test_invalid_numbers_name_the_option(self, option, value, tmp_path, capsys):
        """A bad number is refused with a message naming the option."""
        assert main(["protocol", "twins", option, value, "--out", str(tmp_path / "x")]) == 2
        assert option in capsys.readouterr().err

    @pytest.mark.parametrize("device", ["tpu", *([] if torch.cuda.is_available() else ["cuda"])])
    def test_unavailable_device_one_line_exit_2(self, device, tmp_path, capsys):
        """A device torch does not know, or CUDA on a machine without it: one line naming the fix."""
        assert main(["protocol", "twins", "--device", device, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "cpu" in err and not (tmp_path / "x").exists()

    def test_a_dry_run_that_would_be_refused_prints_its_plan(self, tmp_path, capsys, monkeypatch):
        """--dry-run of a sweep whose kept checkpoints would not fit on the disk: the plan, then one line
        saying it would be refused and that --keep-checkpoints none fits; with it, the plan and its time."""
        import emergence_protocols.twins.plan as plan

        monkeypatch.setattr(plan, "_free_disk", lambda out: 5 * 2**20)
        sizes = [
            "--n-main",
            "200",
            "--n-emo",
            "8",
            "--runs",
            "50",
            "--chunk-size",
            "1",
            "--steps",
            "40",
            "--checkpoint-every",
            "20",
            "--snapshot-every",
            "5",
            "--out",
            str(tmp_path / "x"),
            "--dry-run",
        ]
        assert main(["protocol", "twins", *sizes]) == 2
        captured = capsys.readouterr()
        assert [line.split(":")[0] for line in captured.out.splitlines()] == ["sweep", "memory", "disk", "executor"]
        err = captured.err.strip()
        assert err.startswith("error: this sweep would be refused: the results need about") and "\n" not in err
        assert "--keep-checkpoints none" in err and not (tmp_path / "x").exists()
        assert main(["protocol", "twins", *sizes, "--keep-checkpoints", "none"]) == 0
        assert "time: about" in capsys.readouterr().out

    def test_steps_not_a_multiple_of_the_window(self, tmp_path, capsys):
        """Steps must be whole windows."""
        assert (
            main(["protocol", "twins", "--steps", "100", "--checkpoint-every", "30", "--out", str(tmp_path / "x")]) == 2
        )
        assert "checkpoint_every" in capsys.readouterr().err

    def test_different_config_on_existing_folder_is_refused(self, sweep, capsys):
        """Another config on an existing results folder is refused, nothing overwritten."""
        before = (sweep / "manifest.json").read_text()
        assert _twins(sweep, "--seed", "5") == 2
        assert "different configuration" in capsys.readouterr().err
        assert (sweep / "manifest.json").read_text() == before

    def test_folder_from_before_a_new_field_resumes(self, tmp_path, monkeypatch):
        """A manifest written before a config field existed (here: input, input_gain, resonance_marker) is
        the same sweep when the field is at its default: the re-run grows nothing."""
        from emergence.fields.agent import ContinuousEmergeBase

        out = tmp_path / "older"
        defaults = ("--input", "own", "--set", "input_gain=1.0")  # the values before the fields existed
        assert _twins(out, *defaults) == 0
        manifest = json.loads((out / "manifest.json").read_text())
        del manifest["config"]["input"], manifest["config"]["agent"]["input_gain"]
        del manifest["config"]["agent"]["resonance_marker"]
        (out / "manifest.json").write_text(json.dumps(manifest))
        monkeypatch.setattr(ContinuousEmergeBase, "step", lambda self: pytest.fail("stepped a finished run"))
        assert _twins(out, *defaults) == 0

    def test_a_folder_of_another_preset_names_the_preset_that_resumes_it(self, tmp_path, capsys):
        """A folder whose agent is exactly another preset's (grown before a preset changed): the refusal
        names that preset; nothing is overwritten."""
        out, sizes = tmp_path / "older", ["--runs", "1", "--steps", "40", "--checkpoint-every", "20"]
        assert main(["protocol", "twins", "--preset", "small-chaotic", *sizes, "--out", str(out)]) == 0
        before, _ = (out / "manifest.json").read_text(), capsys.readouterr()
        assert main(["protocol", "twins", "--preset", "small", *sizes, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert "--preset small-chaotic with its other options resumes it" in err and err.count("\n") == 0
        assert (out / "manifest.json").read_text() == before

    def test_shared_input_needs_text_noise(self, tmp_path, capsys):
        """--input shared on a substrate without text noise: one line naming the fix."""
        assert (
            main(["protocol", "twins", "--substrate", "transformer", "--input", "shared", "--out", str(tmp_path / "x")])
            == 2
        )
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "input 'own'" in err and not (tmp_path / "x").exists()

    def test_resume_on_another_kind_of_device_is_refused(self, sweep, tmp_path, capsys):
        """A folder grown on one kind of device resumes only on that kind (its checkpoints hold that
        device's generator states): one line naming the device to use, nothing overwritten."""
        out = tmp_path / "grown-on-gpu"
        shutil.copytree(sweep, out)
        manifest = json.loads((out / "manifest.json").read_text())
        (out / "manifest.json").write_text(json.dumps({**manifest, "device": "cuda:0"}))
        before = (out / "manifest.json").read_text()
        assert _twins(out) == 2
        assert "resume it with --device cuda:0" in capsys.readouterr().err
        assert (out / "manifest.json").read_text() == before

    def test_truncated_results_file_is_named(self, sweep, tmp_path, capsys):
        """A truncated Parquet part gives a clear error naming the file."""
        import shutil

        copy = tmp_path / "copy"
        shutil.copytree(sweep, copy)
        part = sorted((copy / "steps").glob("*.parquet"))[1]
        part.write_bytes(part.read_bytes()[:50])
        assert main(["report", str(copy)]) == 2
        assert part.name in capsys.readouterr().err

    def test_not_a_results_folder(self, tmp_path, capsys):
        """`report` on an empty folder says it is not a results folder."""
        assert main(["report", str(tmp_path)]) == 2
        assert "not a results folder" in capsys.readouterr().err


class TestEngineOptions:
    def test_engine_and_weight_options_reach_the_agents(self, tmp_path):
        """--engine, --weight-noise-every and --weight-dtype set the agent config; the manifest records
        the engine that ran (bfloat16 weights run on the plain engine)."""
        out = tmp_path / "bf16"
        assert _twins(out, "--engine", "fast", "--weight-noise-every", "4", "--weight-dtype", "bfloat16") == 0
        manifest = json.loads((out / "manifest.json").read_text())
        agent = manifest["config"]["agent"]
        assert (agent["engine"], agent["weight_noise_every"], agent["weight_dtype"]) == ("fast", 4, "bfloat16")
        assert manifest["engine"] == "plain" and "every 4 steps" in manifest["weight_noise_mode"]
        assert np.isfinite(pd.read_parquet(out / "steps").activity).all()


TRANSFORMER = [
    "--substrate",
    "transformer",
    "--n-main",
    "16",
    "--n-emo",
    "8",
    "--runs",
    "3",
    "--steps",
    "60",
    "--checkpoint-every",
    "20",
    "--snapshot-every",
    "5",
    "--feedback-every",
    "25",
]


def _transformer_twins(out, *extra):
    return main(["protocol", "twins", "--a", "hrls", "--b", "surge", *TRANSFORMER, "--out", str(out), *extra])


@pytest.fixture(scope="module")
def transformer_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "transformer"
    assert _transformer_twins(out) == 0
    return out


def _shape(value):
    """The key structure of a JSON value (lists by their first element; a number or null, undefined, is a
    number)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return (
        "number"
        if value is None or isinstance(value, (int, float)) and not isinstance(value, bool)
        else type(value).__name__
    )


class TestTransformerSubstrate:
    def test_same_results_format_as_the_field_substrate(self, sweep, transformer_sweep):
        """`--substrate transformer` writes the same files, columns and summary structure; the manifest
        and the summary record the substrate."""
        manifest = json.loads((transformer_sweep / "manifest.json").read_text())
        assert manifest["substrate"] == manifest["config"]["substrate"] == "transformer"
        assert (
            manifest["config"]["agent"]["n_main"] == 16 and manifest["config"]["agent"]["learning_rule"] == "next_token"
        )
        fields = json.loads((sweep / "manifest.json").read_text())
        assert fields["substrate"] == "fields" and set(manifest) == set(fields)
        steps, field_steps = pd.read_parquet(transformer_sweep / "steps"), pd.read_parquet(sweep / "steps")
        assert list(steps.columns) == list(field_steps.columns) and len(steps) == len(field_steps)
        assert (steps.dtypes == field_steps.dtypes).all()
        snaps = pd.read_parquet(transformer_sweep / "snapshots")
        assert len(snaps) == 3 * 2 * 12 and len(snaps.field.iloc[0]) == 8
        summary, field_summary = (json.loads((d / "summary.json").read_text()) for d in (transformer_sweep, sweep))
        assert summary["sweep"]["substrate"] == "transformer"
        assert _shape(summary) == _shape(field_summary)
        assert {p.name for p in (transformer_sweep / "figures").iterdir()} == {
            p.name for p in (sweep / "figures").iterdir()
        }

    def test_twins_diverge_and_learn(self, transformer_sweep):
        """Twins start alike and diverge; the activity and emotion series are not constant."""
        steps = pd.read_parquet(transformer_sweep / "steps")
        a, b = (steps[(steps.run == 0) & (steps.twin == t)] for t in "AB")
        assert a.activity.iloc[-1] != b.activity.iloc[-1] and a.activity.std() > 0 and a.emotion.std() > 0

    def test_report_rebuilds_identical_numbers(self, transformer_sweep):
        """`emergence report DIR` recomputes the same summary from the folder alone."""
        before = (transformer_sweep / "summary.json").read_text()
        assert main(["report", str(transformer_sweep)]) == 0
        assert (transformer_sweep / "summary.json").read_text() == before

    def test_interrupted_sweep_resumes_to_the_same_summary(self, transformer_sweep, tmp_path, monkeypatch):
        """Killed mid-run, then re-run: the summary of an uninterrupted transformer sweep."""
        from emergence_plugins.transformer.agent import TransformerAgent

        _assert_resumes_after_a_power_cut(
            TransformerAgent, _transformer_twins, transformer_sweep, tmp_path, monkeypatch
        )

    def test_unknown_substrate_one_line_exit_2(self, tmp_path, capsys):
        """An unknown substrate: one line naming the known ones, exit code 2, nothing written."""
        assert main(["protocol", "twins", "--substrate", "transformers", "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "fields, rl, transformer" in err and not (tmp_path / "x").exists()

    def test_an_option_of_another_substrate_names_itself(self, tmp_path, capsys):
        """A field-only option with --substrate transformer: one line naming the option, nothing written."""
        assert main(["protocol", "twins", *TRANSFORMER, "--weight-noise-every", "3", "--out", str(tmp_path / "x")]) == 2
        assert "--weight-noise-every does not apply to --substrate transformer" in capsys.readouterr().err
        assert not (tmp_path / "x").exists()

    def test_agent_config_must_be_the_substrates(self):
        """A sweep's agent config is its substrate's config class; the config survives its dict form."""
        from emergence import ConfigError, preset
        from emergence.host import installed
        from emergence_protocols.twins.settings import TwinsConfig

        with pytest.raises(ConfigError, match="TransformerConfig"):
            TwinsConfig.resolved(agent=preset("small"), substrate="transformer")
        config = TwinsConfig.resolved(
            agent=installed().substrates["transformer"].preset("small"), substrate="transformer"
        )
        assert TwinsConfig.from_dict(config.to_dict()) == config

    def test_a_throwaway_scaffold_in_a_config(self):
        """make_config resolves the scaffolds against the catalogue it is given, not the installed one: a
        test's throwaway scaffold, with its settings typed, is in the config and its dict form."""
        from attrs import frozen

        from emergence import hookimpl
        from emergence.contract import UnknownPluginError
        from emergence.host import Catalogue, make_plugin_manager
        from emergence_protocols.twins.settings import TwinsConfig, make_config

        @frozen
        class Settings:
            level: float = 1.0

        class Calm:
            SETTINGS = Settings

            def __init__(self, config, settings):
                self.settings = settings

        class Plugin:
            @hookimpl
            def register_scaffolds(self, register):
                register("calm", Calm)

        catalogue = Catalogue(make_plugin_manager([Plugin()]))
        config = make_config("fields", "small", a="calm:level=x3", b="surge", catalogue=catalogue)
        assert config.a[0].settings == Settings(3.0) and config.scaffold_settings()["a"] == {"calm": {"level": 3.0}}
        assert config.to_dict()["a"] == ["calm:level=3.0"]
        assert TwinsConfig.from_dict(config.to_dict(), catalogue) == config
        with pytest.raises(UnknownPluginError, match="calm"):
            make_config("fields", "small", a="calm")  # the installed plugins have no such scaffold


class TestCli:
    def test_each_spec_is_parsed_once(self, tmp_path, monkeypatch):
        """A fresh sweep parses each spec it is given once (--a, --b, --executor: 3), and builds no plugin
        manager that loads the installed plugins beyond each population's own (2)."""
        import emergence.contract.spec as spec
        import emergence.host as host

        parses, managers = [], []
        split, make = spec.split_spec, host.make_plugin_manager
        host.installed()
        monkeypatch.setattr(spec, "split_spec", lambda *a, **k: parses.append(a[0]) or split(*a, **k))
        monkeypatch.setattr(
            host,
            "make_plugin_manager",
            lambda *a, **k: managers.extend([k] if k.get("entry_points", True) else []) or make(*a, **k),
        )
        assert (
            main(
                [
                    "protocol",
                    "twins",
                    "--a",
                    "hrls:buffer_length=x2",
                    *SIZES,
                    "--runs",
                    "1",
                    "--steps",
                    "20",
                    "--out",
                    str(tmp_path / "once"),
                ]
            )
            == 0
        )
        assert sorted(parses) == ["hrls:buffer_length=x2", "local", "surge"] and len(managers) == 2

    def test_help_does_not_import_torch(self):
        """`emergence protocol twins --help` stays light: torch is not imported."""
        code = (
            "import sys; from emergence.cli import main; main(['protocol', 'twins', '--help']); "
            "print('torch' in sys.modules)"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert result.stdout.strip().endswith("False") and "--emotion-metric" in result.stdout
        assert "--substrate" in result.stdout

    def test_help_imports_no_heavy_module(self):
        """`emergence --help` imports neither scipy, torch, pyarrow, numba, matplotlib nor pandas: each is
        imported by the command that uses it, so the help comes at once."""
        heavy = ("scipy", "torch", "pyarrow", "numba", "matplotlib", "pandas")
        code = (
            f"import sys; from emergence.cli import main; main(['--help']); "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert result.stdout.strip().splitlines()[-1] == "[]"

    def test_help_names_every_preset(self, capsys):
        """The --preset help of `protocol twins` names every preset of every installed substrate."""
        from emergence.host import installed

        assert main(["protocol", "twins", "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        catalogue = installed()
        for name in catalogue.substrates.names():
            for preset_name in catalogue.substrates[name].presets:
                assert re.search(rf"(?<![\w-]){re.escape(preset_name)}(?![\w-])", text), preset_name

    def test_command_list_cuts_no_sentence_and_names_the_alias(self, capsys, monkeypatch):
        """The top-level help's command lines are whole (no line cut inside parentheses), and `stats`
        says that it is `report` under another name."""
        monkeypatch.setenv("COLUMNS", "80")
        assert main(["--help"]) == 0
        commands = capsys.readouterr().out.partition("Commands:")[2].splitlines()
        lines = {line.split()[0]: line for line in commands if line.strip()}
        assert all(line.count("(") == line.count(")") for line in lines.values()), lines
        assert "alias" in lines["stats"] and "alias" not in lines["report"]
        assert main(["stats", "--help"]) == 0
        assert "The same as `emergence report` (an alias)" in capsys.readouterr().out

    def test_plugins_lists_builtins(self, capsys):
        """`emergence plugins` lists scaffolds, metrics and protocols."""
        assert main(["plugins"]) == 0
        out = capsys.readouterr().out
        assert "hrls" in out and "surge" in out and "twins" in out and "burstiness" in out
        assert "substrates: fields, rl, transformer" in out

    def test_grow_prints_a_trail(self, capsys, monkeypatch):
        """`emergence grow` grows one agent and prints its trails."""
        monkeypatch.setenv("COLUMNS", "200")
        assert main(["grow", "--steps", "30", "--scaffold", "hrls"]) == 0
        assert "emergence begins (resonance 2)" in capsys.readouterr().out

    def test_grow_a_transformer(self, capsys, monkeypatch):
        """`emergence grow --substrate transformer` grows one transformer and prints its own text."""
        monkeypatch.setenv("COLUMNS", "200")
        assert main(["grow", "--substrate", "transformer", "--steps", "30", "--scaffold", "hrls", "--trails", "1"]) == 0
        assert "(resonance 2)" in capsys.readouterr().out


class TestPresetDefaults:
    @pytest.mark.parametrize(
        "preset, substrate, expected",
        [
            ("small", "fields", "shared"),
            ("paper", "fields", "shared"),
            ("small-chaotic", "fields", "own"),
            ("small", "rl", "own"),
            ("small", "transformer", "own"),
        ],
    )
    def test_input_follows_the_preset_where_there_is_text(self, preset, substrate, expected):
        """`paper` and `small` read the text encoded once for the pair, the regime they were found in; a
        substrate without a text input keeps its own; an explicit --input wins."""
        from emergence_protocols.twins.settings import make_config

        assert make_config(substrate, preset).input == expected
        if substrate == "fields":
            assert make_config(substrate, preset, input="own").input == "own"


class TestSameNumbers:
    def test_statistics_equal_those_of_the_engine_before_the_layered_core(self, tmp_path):
        """A fixed small sweep gives the statistics recorded with the code before the core was split into
        layers (tests/data/golden_summary.json, the fast CPU engine), read on that time's windows with
        that time's HRLS. Within 5e-5, not bit for bit: the compiled kernels round differently from one
        machine's CPU and LLVM to another's (measured: about 1e-7 on the machine that recorded them,
        up to 2e-6 on an AVX-512 machine, where a correlation near 0 differs by 3e-5 relative)."""
        from pathlib import Path

        golden = json.loads((Path(__file__).resolve().parents[1] / "data" / "golden_summary.json").read_text())
        out = tmp_path / "golden"
        assert (
            main(
                [
                    "protocol",
                    "twins",
                    "--preset",
                    "small-saturated",
                    "--runs",
                    "2",
                    "--steps",
                    "400",
                    "--n-main",
                    "100",
                    "--n-emo",
                    "16",
                    "--checkpoint-every",
                    "100",
                    "--snapshot-every",
                    "10",
                    "--out",
                    str(out),
                    "--windows",
                    "contiguous",
                    "--burn-in",
                    "0",  # the windows and HRLS of that time
                    "--a",
                    "hrls:nudge_fraction=1.0,imprint_half_life=0",
                ]
            )
            == 0
        )
        summary = json.loads((out / "summary.json").read_text())
        metric = summary["metrics"]["mean"]
        close = lambda x: pytest.approx(x, rel=1e-5, abs=5e-5, nan_ok=True)  # noqa: E731
        for key in golden["activity"]:
            _assert_nested(summary["activity"][key], golden["activity"][key], close)
        for key in golden["emotion"]:
            _assert_nested(metric["emotion"][key], golden["emotion"][key], close)
        _assert_nested(
            {k: metric["corr_activity_emotion"][k] for k in ("r", "p_value", "n_runs")},
            {k: golden["corr_activity_emotion"][k] for k in ("r", "p_value", "n_runs")},
            close,
        )


def _assert_nested(actual, expected, close) -> None:
    """Dicts and lists compared key by key, numbers with ``close``."""
    if isinstance(expected, dict):
        assert set(expected) <= set(actual)
        for key in expected:
            _assert_nested(actual[key], expected[key], close)
    elif isinstance(expected, list):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            _assert_nested(a, e, close)
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
        assert actual == close(expected)
    else:
        assert actual == expected
