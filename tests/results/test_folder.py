"""The ResultsFolder: its names, its manifest check, its chunks and commits, and what it cleans."""

import os
from pathlib import Path

import pytest

from emergence.results import ResultsError, ResultsFolder, write_json
from emergence.results.markers import MARKER

CONFIG = {"runs": 2, "steps": 20, "checkpoint_every": 10, "snapshot_every": 5, "seed": 0}


class TestNames:
    def test_every_file_under_the_folder(self, tmp_path):
        folder = ResultsFolder(tmp_path)
        assert folder.manifest_path == tmp_path / "manifest.json"
        assert folder.summary_path.name == "summary.json" and folder.report_path.name == "report.md"
        assert folder.step_part(3, 12) == tmp_path / "steps" / "run-0003-part-00012.parquet"
        assert folder.figure("scatter_mean") == tmp_path / "figures" / "scatter_mean.png"
        assert folder.chunk(7).step_dir(40) == tmp_path / "checkpoints" / "chunk-007" / "step-00000040"

    def test_a_path_like(self, tmp_path):
        folder = ResultsFolder(str(tmp_path))
        assert os.fspath(folder) == str(tmp_path) and Path(folder) == tmp_path
        assert ResultsFolder(folder) == folder and "ResultsFolder" in repr(folder)

    def test_window_parts_hold_snapshots_only_where_a_snapshot_step_falls(self, tmp_path):
        folder = ResultsFolder(tmp_path)
        config = {**CONFIG, "snapshot_every": 20}
        assert [p.parent.name for p in folder.window_parts(config, 0, 0)] == ["steps", "snapshots"]
        assert [p.parent.name for p in folder.window_parts(config, 0, 1)] == ["steps"]
        assert len(folder.expected_parts(config)) == 2 * 3


class TestManifest:
    def test_no_manifest_is_not_a_results_folder(self, tmp_path):
        with pytest.raises(ResultsError, match="no manifest.json; not a results folder"):
            ResultsFolder(tmp_path).manifest()

    @pytest.mark.parametrize("config", [None, {**CONFIG, "runs": 0}, {**CONFIG, "steps": True}, {**CONFIG, "seed": -1}])
    def test_a_damaged_manifest_is_named(self, tmp_path, config):
        write_json(tmp_path / "manifest.json", {"config": config})
        with pytest.raises(ResultsError, match="the file is damaged"):
            ResultsFolder(tmp_path).manifest()

    def test_a_sweep_and_a_study(self, tmp_path):
        folder = ResultsFolder(tmp_path)
        assert not folder.is_sweep() and not folder.is_study()
        write_json(folder.manifest_path, {"config": CONFIG})
        write_json(folder.study_path, {})
        assert folder.is_sweep() and folder.is_study() and folder.manifest()["config"] == CONFIG


class TestCheckpoints:
    def _step(self, folder, chunk, name, marker=True):
        path = folder.path / "checkpoints" / chunk / name
        path.mkdir(parents=True)
        if marker:
            (path / MARKER).write_text("{}")
        return path

    def test_only_committed_numbered_directories_count(self, tmp_path):
        folder = ResultsFolder(tmp_path)
        newer, older = (
            self._step(folder, "chunk-001", "step-00000020"),
            self._step(folder, "chunk-001", "step-00000010"),
        )
        self._step(folder, "chunk-001", "step-00000030", marker=False)
        self._step(folder, "chunk-001", "step-notes")
        self._step(folder, "chunk-extra", "step-00000010")
        assert [c.number for c in folder.chunks()] == [1]
        assert folder.chunk(1).committed() == [(20, newer), (10, older)]
        assert folder.chunk(1).grown() == 20 and folder.chunk(2).grown() == 0

    def test_leftovers_are_removed_and_nothing_else(self, tmp_path):
        folder = ResultsFolder(tmp_path)
        uncommitted = self._step(folder, "chunk-000", "step-00000030", marker=False)
        committed = self._step(folder, "chunk-000", "step-00000020")
        temporary = tmp_path / ".summary.json.123.tmp"
        temporary.write_text("")
        mine = tmp_path / "notes.tmp"
        mine.write_text("a user's file")
        assert set(folder.remove_leftovers()) == {temporary, uncommitted}
        assert committed.exists() and mine.exists()
        assert folder.foreign_entries() == ["notes.tmp"]
