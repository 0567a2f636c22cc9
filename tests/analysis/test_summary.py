"""The typed summary: summary.json read and written again unchanged, older summaries still read."""

import json
from pathlib import Path

import pytest
from rich.console import Console

from emergence import load
from emergence.analysis import SweepSummary, print_tables
from emergence.analysis.summary import QuantitySummary
from emergence.cli import main
from emergence.results import write_json

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
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden_summary.json"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A tiny analysed sweep, with a metric that has too few values to be defined."""
    out = tmp_path_factory.mktemp("summary") / "twins"
    assert (
        main(
            [
                "protocol",
                "twins",
                "--a",
                "hrls",
                "--b",
                "surge",
                *SIZES,
                "--out",
                str(out),
                "--emotion-metric",
                "mean",
                "--emotion-metric",
                "burstiness",
            ]
        )
        == 0
    )
    return out


class TestRoundTrip:
    def test_a_real_summary_comes_back_unchanged(self, sweep):
        """summary.json read into a SweepSummary and turned back into JSON is the same dict, and written
        again the same bytes."""
        raw = json.loads((sweep / "summary.json").read_text())
        summary = SweepSummary.from_json(raw)
        assert summary.to_json() == raw
        assert SweepSummary.from_json(summary.to_json()) == summary
        again = sweep.parent / "again.json"
        write_json(again, summary.to_json())
        assert again.read_bytes() == (sweep / "summary.json").read_bytes()

    def test_analyse_returns_what_it_wrote(self, sweep, tmp_path):
        """The summary that analysing returns is the one summary.json holds, read by attribute."""
        summary = load(sweep).analyse()
        write_json(tmp_path / "summary.json", summary.to_json())
        assert (tmp_path / "summary.json").read_bytes() == (sweep / "summary.json").read_bytes()
        assert summary.sweep.runs == 3 and summary.tables and set(summary.defined) == {"mean"}
        assert "needs more samples" in summary.metrics["burstiness"].undefined
        assert summary.metrics["mean"].emotion.across_runs["n_runs"] == 3

    def test_another_reading_leaves_the_folder_as_it_was(self, sweep):
        """``keep=False`` reads the runs on other windows and writes nothing: the folder's files keep
        their bytes and its summary its own windows."""
        before = {path: path.read_bytes() for path in sweep.rglob("*") if path.is_file()}
        other = load(sweep).analyse(windows="trail:8@5", burn_in=10, keep=False)
        assert other.sweep.windows == "trail:8@5" and other.sweep.burn_in == 10
        assert {path: path.read_bytes() for path in sweep.rglob("*") if path.is_file()} == before
        assert load(sweep).summary.sweep.windows != "trail:8@5"


class TestOlderSummaries:
    def test_a_summary_without_the_later_blocks_loads_and_reports(self, sweep):
        """A summary from before the other windows, regime, nudges, tables, fingerprints and the windows'
        text loads with those None, and the terminal report still prints."""
        raw = json.loads((sweep / "summary.json").read_text())
        for key in ("other_windows", "regime", "nudges", "tables"):
            del raw[key]
        for key in ("windows_text", "n_windows_per_run", "preset", "input"):
            del raw["sweep"][key]
        for metric in raw["metrics"].values():
            metric.pop("fingerprint", None)
            metric.pop("other_windows", None)
        summary = SweepSummary.from_json(raw)
        assert summary.regime is None and summary.nudges is None and summary.tables is None
        assert summary.sweep.windows_text is None and summary.sweep.input == "own"
        assert summary.metrics["mean"].fingerprint is None
        console = Console(width=120, record=True, file=open("/dev/null", "w"))
        print_tables(summary, console)
        assert "not recorded in this folder" in console.export_text()

    def test_the_golden_summary_blocks_load(self):
        """The golden summary (tests/data, from the engine before the layered core) predates the sweep
        block: its activity and emotion statistics load as they are."""
        golden = json.loads(GOLDEN.read_text())
        for key in ("activity", "emotion"):
            quantity = QuantitySummary.from_json(golden[key])
            assert quantity.to_json() == golden[key]
            assert quantity.across_runs["n"] == golden[key]["across_runs"]["n"]
