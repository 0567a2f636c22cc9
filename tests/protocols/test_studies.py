"""End-to-end tests of `emergence study`, `emergence compare` and `--set` at tiny sizes."""

import json
import re
import shutil

import pandas as pd
import pytest
from rich.console import Console

from emergence.analysis import SweepSummary, print_tables
from emergence.cli import main
from emergence.host import installed
from emergence.results import ResultsFolder

SIZES = [
    "--n-main",
    "40",
    "--n-emo",
    "8",
    "--runs",
    "4",
    "--steps",
    "60",
    "--checkpoint-every",
    "20",
    "--snapshot-every",
    "5",
    "--feedback-every",
    "25",
]
STUDY = """
name = "tiny"
question = "Does emotion noise change the emotion coupling, with and without HRLS?"
[base]
b = "surge"
[axes]
a = ["hrls", "surge"]
emo_noise = ["x1", "x3"]
"""


def _fits(text: str) -> None:
    lines = text.splitlines()
    assert "…" not in text and max(map(len, lines)) <= 80, [line for line in lines if len(line) > 80 or "…" in line]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    (root / "tiny.toml").write_text(STUDY)
    out = root / "out"
    assert main(["study", str(root / "tiny.toml"), *SIZES, "--force", "--out", str(out)]) == 0
    return out


class TestStudy:
    def test_every_builtin_study_is_registered(self):
        """One study per open question of the write-up."""
        assert set(installed().studies.names()) >= {
            "ablation",
            "hrls-off",
            "emotion-plasticity",
            "emotion-noise",
            "emotion-size",
            "scaling",
            "metrics",
        }

    def test_writes_conditions_comparison_and_report(self, study):
        """A resumable sweep folder per condition, study.json, comparison.parquet, report.md, figures."""
        folders = {"a=hrls,emo_noise=x1", "a=hrls,emo_noise=x3", "a=surge,emo_noise=x1", "a=surge,emo_noise=x3"}
        assert folders <= {p.name for p in study.iterdir()}
        meta = json.loads((study / "study.json").read_text())
        assert [c["folder"] for c in meta["conditions"]] == sorted(folders) and len(meta["seeds"]) == 4
        rows = pd.read_parquet(study / "comparison.parquet")
        assert {"main effect", "interaction", "pair"} <= set(rows.kind)
        assert (rows.n_tests == rows.p_holm.notna().sum()).all()
        report = (study / "report.md").read_text()
        assert "## Verdicts" in report and "Holm" in report
        assert {p.name for p in (study / "figures").iterdir()} >= {"conditions_mean.png", "scatter_mean.png"}

    def test_conditions_share_run_seeds_and_set_their_fields(self, study):
        """Every condition has the sweep's run seeds; emo_noise x3 is three times the preset's."""
        manifests = {
            p.name: json.loads((p / "manifest.json").read_text())
            for p in study.iterdir()
            if (p / "manifest.json").exists()
        }
        assert len({json.dumps(m["seeds"]) for m in manifests.values()}) == 1
        low, high = (manifests[f"a=surge,emo_noise={x}"]["config"]["agent"]["emo_noise"] for x in ("x1", "x3"))
        assert high == pytest.approx(3 * low)

    def test_scaffold_leaves_activity_identical_and_says_why(self, study):
        """HRLS never reaches the cortex: the a contrast's activity is identical, and the report says so."""
        rows = pd.read_parquet(study / "comparison.parquet")
        activity = rows[(rows.quantity == "activity") & rows.contrast.str.startswith("a:")]
        assert set(activity.test) == {"identical"}
        assert "the cortex never receives the emotion field" in (study / "report.md").read_text()

    def test_rerun_resumes_and_output_fits_80_columns(self, study, capsys):
        """A second run grows nothing new (every condition finished) and prints within 80 columns."""
        before = {p: p.stat().st_mtime_ns for p in study.glob("*/checkpoints/*")}
        capsys.readouterr()
        assert main(["study", str(study.parent / "tiny.toml"), *SIZES, "--force", "--out", str(study)]) == 0
        assert {p: p.stat().st_mtime_ns for p in study.glob("*/checkpoints/*")} == before
        out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
        _fits(out)

    def test_sweep_report_fits_80_columns_and_says_its_verdicts(self, study):
        """The single-sweep tables at width 80 cut nothing; the verdicts name the mismatched-pair null."""
        console = Console(width=80, record=True, file=open("/dev/null", "w"))
        summary = json.loads((study / "a=hrls,emo_noise=x1" / "summary.json").read_text())
        print_tables(SweepSummary.from_json(summary), console)
        text = console.export_text()
        _fits(text)
        assert "mismatched pairs" in text and "preset small" in text

    def test_a_study_without_axes_compares_its_metrics(self, tmp_path):
        """No axes: one sweep, its emotion metrics compared with the first, paired run by run."""
        path = tmp_path / "metrics.toml"
        path.write_text('name = "m"\nquestion = "Do metrics agree?"\n[base]\nemotion_metrics = ["mean", "variance"]\n')
        assert main(["study", str(path), *SIZES, "--runs", "3", "--force", "--out", str(tmp_path / "out")]) == 0
        rows = pd.read_parquet(tmp_path / "out" / "comparison.parquet")
        assert set(rows.contrast) == {"metric: variance vs mean"} and rows.paired.all()
        assert "activity" not in set(rows.quantity)

    def test_a_metric_undefined_on_the_windows_is_left_out_of_the_comparison(self, tmp_path):
        """A snapshot metric with too few snapshots per window (pca, one snapshot every 20 steps in
        16-step windows) is undefined: the study compares the others and finishes."""
        path = tmp_path / "metrics.toml"
        path.write_text('name = "m"\nquestion = "?"\n[base]\nemotion_metrics = ["mean", "variance", "pca"]\n')
        args = ["study", str(path), *SIZES, "--runs", "3", "--snapshot-every", "20", "--force"]
        assert main([*args, "--out", str(tmp_path / "out")]) == 0
        rows = pd.read_parquet(tmp_path / "out" / "comparison.parquet")
        assert set(rows.contrast) == {"metric: variance vs mean"}


class TestPower:
    def test_family_size_of_a_one_axis_study_by_hand(self):
        """hrls-off: a vs a's reference, for activity and emotion a mean and a spread test, and corr(A, E)."""
        from protocols.studies.plan import family_size

        assert family_size(installed().studies["hrls-off"]) == 5

    def test_plan_prints_what_the_runs_can_detect(self, capsys):
        assert main(["study", "hrls-off", "--runs", "20", "--plan"]) == 0
        out = capsys.readouterr().out
        assert "5 tests adjusted together" in out and "smallest attainable Holm p 0.001" in out  # 5 x 2 / 10,000
        assert "dz 0.76" in out  # (z(1 - 0.05 / 10) + z(0.8)) / sqrt(20): 3.4174 / 4.4721

    def test_an_underpowered_study_is_refused_before_anything_grows(self, tmp_path, capsys):
        """4 runs against 5 tests: Holm floor 5 x 2/16 >= 0.05. One line naming the runs needed."""
        assert main(["study", "hrls-off", *SIZES, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "cannot detect anything" in err and "--force" in err
        assert not (tmp_path / "x").exists()

    def test_default_runs_detect_a_large_effect(self, capsys):
        assert main(["study", "ablation", "--plan"]) == 0
        out = capsys.readouterr().out
        assert "with 15 runs" in out and "runs needed for dz 1: 15" in out


class TestCompare:
    def test_compare_says_paired_or_unpaired(self, study, tmp_path, capsys):
        """Two conditions of a study are paired; a sweep grown with another seed is not."""
        capsys.readouterr()
        assert main(["compare", str(study / "a=surge,emo_noise=x1"), str(study / "a=surge,emo_noise=x3")]) == 0
        assert "paired (same run seeds)" in capsys.readouterr().out
        other = tmp_path / "other"
        assert (
            main(["protocol", "twins", "--a", "surge", "--b", "surge", *SIZES, "--seed", "5", "--out", str(other)]) == 0
        )
        capsys.readouterr()
        assert main(["compare", str(study / "a=surge,emo_noise=x1"), str(other), "--out", str(tmp_path)]) == 0
        assert "unpaired (run seeds differ)" in capsys.readouterr().out and (tmp_path / "report.md").exists()

    def test_compare_lists_the_differences_and_refuses_other_measurements(self, study, tmp_path, capsys):
        """Every differing setting is listed before the tests; sweeps measured on other windows (or other
        steps or burn-in) are refused in one line unless --allow-different."""
        first, second = study / "a=surge,emo_noise=x1", study / "a=hrls,emo_noise=x3"
        capsys.readouterr()
        assert main(["compare", str(first), str(second)]) == 0
        out = capsys.readouterr().out
        assert "differ from a=surge,emo_noise=x1 in: a=hrls,emo_noise=x3: a: ['surge'] -> ['hrls']" in out
        assert "agent.emo_noise" in out
        longer = tmp_path / "longer"
        assert (
            main(
                [
                    "protocol",
                    "twins",
                    "--a",
                    "surge",
                    "--b",
                    "surge",
                    *SIZES[:-6],
                    "--steps",
                    "80",
                    "--checkpoint-every",
                    "20",
                    "--snapshot-every",
                    "5",
                    "--out",
                    str(longer),
                ]
            )
            == 0
        )
        capsys.readouterr()
        assert main(["compare", str(first), str(longer)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "steps: 60 -> 80" in err and "--allow-different" in err
        assert main(["compare", str(first), str(longer), "--allow-different"]) == 0

    def test_compare_lists_what_the_sweeps_grew_on(self, study, tmp_path, capsys):
        """A sweep grown on another CPU or with other numeric packages is another draw: compare lists the
        CPU's vector extensions and the versions that differ, after the settings."""
        first = study / "a=surge,emo_noise=x1"
        moved = tmp_path / "moved"
        shutil.copytree(first, moved)
        host = ResultsFolder(first).machines()[0]
        other_cpu = "sse4_2" if host["cpu vectors"] != "sse4_2" else "avx2"
        for index in (moved / "index").glob("chunk-*.json"):
            recorded = json.loads(index.read_text())
            for span in recorded["grown_on"]:
                span["machine"] = {**span["machine"], "cpu vectors": other_cpu, "numba": "0.1.0"}
            index.write_text(json.dumps(recorded))
        capsys.readouterr()
        assert main(["compare", str(first), str(moved)]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert f"moved: grown on.cpu vectors: '{host['cpu vectors']}' -> '{other_cpu}'" in out
        assert "moved: grown on.numba:" in out and "-> '0.1.0'" in out

    def test_a_study_says_when_its_conditions_grew_on_different_machines(self, study, tmp_path):
        """One condition recorded as grown with other kernels' rounding: the study's verdicts say its
        conditions pair by seed, not by trajectory."""
        moved = tmp_path / "out"
        shutil.copytree(study, moved)
        for index in (moved / "a=surge,emo_noise=x3" / "index").glob("chunk-*.json"):
            recorded = json.loads(index.read_text())
            for span in recorded["grown_on"]:
                span["machine"] = {**span["machine"], "numba": "0.1.0"}
            index.write_text(json.dumps(recorded))
        assert main(["report", str(moved / "a=surge,emo_noise=x3")]) == 0
        assert main(["study", str(study.parent / "tiny.toml"), *SIZES, "--force", "--out", str(moved)]) == 0
        report = (moved / "report.md").read_text()
        assert "- the conditions grew on 2 machines that may round differently (numba: " in report
        assert "grown on" not in (study / "report.md").read_text()


class TestSet:
    def test_unknown_field_is_one_line(self, tmp_path, capsys):
        """--set with a misspelt field: exit 2, one line naming the closest fields, nothing grown."""
        assert main(["protocol", "twins", *SIZES, "--set", "eta_main_em=0", "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "eta_main_emo" in err and not (tmp_path / "x").exists()


class TestVarianceArms:
    def test_one_init_and_shared_noise_are_really_shared(self):
        """init "one": every run's twins start from run 0's init; noise "shared": twin B has A's noise seed."""
        from protocols.twins.seeds import run_seeds
        from protocols.twins.settings import make_config

        one = run_seeds(make_config(runs=3, init="one"))
        assert len({(s["init_a"], s["init_b"]) for s in one}) == 1 and len({s["noise_a"] for s in one}) == 3
        shared = run_seeds(make_config(runs=3, noise="shared"))
        assert all(s["noise_a"] == s["noise_b"] and s["init_a"] == s["init_b"] for s in shared)
        assert len({s["init_a"] for s in shared}) == 3

    def test_shared_noise_twins_differ_only_by_their_scaffolds(self, tmp_path):
        """Both twins surge on one noise stream: identical in every step (coupling 1 in every window)."""
        out = tmp_path / "shared"
        assert (
            main(["protocol", "twins", "--a", "surge", "--b", "surge", "--noise", "shared", *SIZES, "--out", str(out)])
            == 0
        )
        summary = json.loads((out / "summary.json").read_text())
        assert summary["activity"]["across_steps"]["min"] > 0.9999

    def test_variance_lines_apportion_the_reference_spread(self):
        import numpy as np

        from emergence.analysis.comparison import Cell
        from emergence.analysis.verdicts import variance_lines

        cells = {
            label: Cell(levels={}, pairing=(), activity=np.array(a), emotion=np.array(a))
            for label, a in (("all", [0.0, 0.2, 0.4]), ("one init", [0.1, 0.2, 0.3]))
        }
        line = variance_lines(cells)[0]
        assert "SD 0.200 in all" in line and "one init: SD 0.100, variance 25% of it" in line
