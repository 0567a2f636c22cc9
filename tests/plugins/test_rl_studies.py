"""The rl substrate's studies: what they grow, and the within-run split of the reward-onset study."""

from emergence.cli import main
from emergence.host import installed
from emergence_plugins.rl.studies import MID_ONSET, NEVER
from emergence_protocols.studies.design import conditions
from emergence_protocols.twins.settings import PROTOCOL_DEFAULTS

SIZES = [
    "--substrate",
    "rl",
    "--runs",
    "4",
    "--steps",
    "60",
    "--checkpoint-every",
    "20",
    "--snapshot-every",
    "10",
    "--n-main",
    "16",
    "--n-emo",
    "8",
    "--set",
    "grid=5",
    "--set",
    "energy_cost=0.15",
    "--set",
    "energy_homeostasis=0.05",
    "--threads",
    "1",
    "--force",
]


class TestRegistered:
    def test_reward_onset_splits_each_run_at_a_mid_run_onset(self):
        """Never rewarded (the reference), rewarded from the start, and rewarded from a step inside the
        small preset's runs, where each run is split."""
        study = installed().studies["reward-onset"]
        assert study.split == "onset" and study.axes["onset"] == (NEVER, 0, MID_ONSET)
        assert 0 < MID_ONSET < PROTOCOL_DEFAULTS["small"]["steps"]

    def test_learner_by_scaffold_is_a_two_by_two(self):
        """td and reinforce twins, each with twin A hrls or surge against twin B surge: four conditions."""
        study = installed().studies["learner-scaffold"]
        assert study.base == {"b": "surge"} and len(conditions(study)) == 4
        assert study.axes == {"learner": ("td", "reinforce"), "a": ("hrls", "surge")}


class TestReport:
    def test_the_report_compares_each_run_before_and_after_onset(self, tmp_path, capsys):
        """A study split at ``onset``: the mid-run condition's report says each quantity before and after,
        and against the never-rewarded runs over the same split; a condition without a split says nothing."""
        (tmp_path / "onset.toml").write_text(
            f'name = "onset"\nsplit = "onset"\n[base]\na = "td"\nb = "reinforce"\n[axes]\nonset = [{NEVER}, 30]\n'
        )
        out = tmp_path / "out"
        assert main(["study", str(tmp_path / "onset.toml"), *SIZES, "--out", str(out)]) == 0
        report = (out / "report.md").read_text()
        assert report.count("onset=30, within runs, before vs after onset = 30") == 2
        assert f"against onset={NEVER}" in report and "within runs" not in report.split("## Comparison")[1]

    def test_a_split_outside_the_runs_is_said(self, tmp_path):
        """An onset at the first step or past the run leaves nothing to split, and the report says so."""
        (tmp_path / "s.toml").write_text(
            f'split = "onset"\n[base]\na = "td"\nb = "reinforce"\n[axes]\nonset = [{NEVER}, 0, 60]\n'
        )
        assert main(["study", str(tmp_path / "s.toml"), *SIZES, "--out", str(tmp_path / "out")]) == 0
        assert "no condition's onset falls inside its runs" in (tmp_path / "out" / "report.md").read_text()
