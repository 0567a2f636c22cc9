"""The Python API does what the command line does: its page runs as written, its help lists every option."""

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import emergence

DOCS = Path(__file__).parent.parent / "docs"


class TestThePage:
    def test_every_block_of_the_api_page_runs(self, tmp_path):
        """docs/api.md's blocks, in order, as one script: a sweep, its report, a comparison, a study."""
        blocks = re.findall(r"```python\n(.*?)```", (DOCS / "api.md").read_text(), re.S)
        assert len(blocks) >= 4
        (tmp_path / "page.py").write_text("\n".join(blocks))
        result = subprocess.run([sys.executable, "page.py"], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-3000:]
        for folder in ("x", "y", "x-vs-y", "study-noise"):
            assert (tmp_path / "results" / folder / "report.md").exists(), folder
        assert (tmp_path / "results" / "x" / "figures").is_dir()


class TestArrays:
    def test_traces_and_the_emotion_field_hold_the_recorded_values(self, tmp_path):
        """`traces` is the step table over (run, twin, step); `emotion_field` every snapshot over
        (run, twin, step, unit), each value where the tables put it."""
        import numpy as np

        sweep = emergence.twins(
            preset="small",
            n_main=30,
            n_emo=6,
            runs=2,
            steps=40,
            checkpoint_every=20,
            snapshot_every=10,
            workers=1,
            out=str(tmp_path / "x"),
        )
        results = sweep.run(progress=False)
        traces, steps = results.traces, results.steps
        assert dict(traces.sizes) == {"run": 2, "twin": 2, "step": 40}
        row = steps[(steps.run == 1) & (steps.twin == "B") & (steps.step == 17)].iloc[0]
        assert traces.emotion.sel(run=1, twin="B", step=17).item() == row.emotion
        field = results.emotion_field
        assert field.dims == ("run", "twin", "step", "unit") and field.sizes["unit"] == 6
        snapshots = results.folder.read_snapshots().to_pandas()
        snap = snapshots[(snapshots.run == 0) & (snapshots.twin == "A")].iloc[-1]
        np.testing.assert_array_equal(field.sel(run=0, twin="A", step=snap.step).values, snap.field)


class TestFace:
    def test_help_of_twins_names_every_option_of_the_command(self):
        from emergence.host import installed

        command = installed().protocols["twins"].command
        names = {p.name for p in command.params} - {"preset_name", "dry_run", "ray_address"}
        doc = emergence.twins.__doc__
        missing = sorted(n for n in names if f"``{n}``" not in doc)
        assert not missing, f"help(emergence.twins) does not name {missing}"

    def test_version(self):
        assert emergence.__version__ == version("emergence")

    def test_compare_needs_two_folders(self, tmp_path):
        with pytest.raises(emergence.ConfigError, match="at least two"):
            emergence.compare(tmp_path)

    def test_compare_of_a_folder_that_is_not_a_sweep_is_one_line(self, tmp_path):
        from emergence.results import ResultsError

        with pytest.raises(ResultsError, match="not a results folder"):
            emergence.compare(tmp_path / "a", tmp_path / "b")

    def test_an_unknown_study_names_the_known_ones(self):
        from emergence.contract import UnknownPluginError

        with pytest.raises(UnknownPluginError, match="ablation"):
            emergence.plan("no-such-study")
