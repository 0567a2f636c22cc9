"""Every kind of file garbled, truncated or deleted: named by `check` and `report`, never used, and
rebuilt by re-running the sweep (or, for the manifest, a one-line error)."""

import json
import shutil

import pytest
import torch
from conftest import CLI, PowerCut, assert_one_line_error, assert_same_data, grow, interrupted, tiny

from emergence import build_agent, load, preset
from emergence.cli import main
from emergence.results import INDEX, FolderIndex, ResultsError, ResultsFolder, write_json
from emergence.results.index import INDEX_DIR, chunk_index_path
from emergence.results.checkpoint import restore, save_checkpoint
from emergence.results.commits import commit, restore_pair
from emergence.results.markers import MARKER
from emergence_protocols.twins.seeds import run_seeds


def _damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "delete":
        path.unlink()
    elif how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:  # garble: same length, bytes flipped in the middle
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 16]) + data[middle + 16 :])


DAMAGE = ["delete", "truncate", "garble"]


class TestParts:
    @pytest.mark.parametrize("how", DAMAGE)
    @pytest.mark.parametrize("kind", ["steps", "snapshots"])
    def test_a_damaged_part_is_named_and_rebuilt(self, finished, reference, capsys, kind, how):
        """`check` and `report` name the part (one line, exit 2); the sweep regrows its chunk, saying so."""
        part = finished / kind / "run-0001-part-00002.parquet"
        _damage(part, how)
        assert main(["check", str(finished)]) == 2
        captured = capsys.readouterr()
        assert f"{kind}/{part.name}" in captured.out
        assert_one_line_error(2, captured.err, "1 problem")
        assert main(["report", str(finished)]) == 2
        assert_one_line_error(2, capsys.readouterr().err, part.name)
        said = grow(finished)
        assert any(part.name in line and "runs 1-1" in line for line in said), said
        assert_same_data(finished, reference)

    @pytest.mark.parametrize("how", ["delete", "garble"])
    def test_a_damaged_chunk_index_rewrites_its_parts(self, finished, reference, how):
        """Without a readable index no part of its chunk can be trusted: that chunk is grown again, saying
        so when the index was garbled; the other chunk is kept as it is."""
        kept = (finished / "steps" / "run-0000-part-00000.parquet").stat().st_mtime_ns
        _damage(chunk_index_path(finished, 1), how)
        assert ResultsFolder(finished).problems()
        said = grow(finished)
        assert how == "delete" or any("chunk-001.json" in line for line in said), said
        assert any("runs 1-1" in line for line in said), said
        assert (finished / "steps" / "run-0000-part-00000.parquet").stat().st_mtime_ns == kept
        assert_same_data(finished, reference)

    def test_a_folder_with_one_index_is_read_and_resumed(self, finished, reference):
        """A folder whose parts are all indexed in one ``index.json`` (as folders were written before each
        chunk kept its own) reads, checks clean and resumes, its chunks indexing what they rewrite."""
        merged = FolderIndex.load(finished).parts
        shutil.rmtree(finished / INDEX_DIR)
        write_json(finished / INDEX, {"parts": merged})
        assert ResultsFolder(finished).problems() == []
        _damage(finished / "steps" / "run-0001-part-00002.parquet", "garble")
        grow(finished)
        assert_same_data(finished, reference)
        assert chunk_index_path(finished, 1).exists() and not chunk_index_path(finished, 0).exists()


class TestCheckpoints:
    @pytest.mark.parametrize(
        "name, how",
        [
            ("A.safetensors", "garble"),
            ("B.safetensors", "truncate"),
            ("A.safetensors", "delete"),
            (MARKER, "garble"),
            (MARKER, "delete"),
        ],
    )
    def test_a_damaged_checkpoint_is_never_resumed(self, reference, tmp_path, monkeypatch, name, how):
        """A checkpoint file or marker that is missing or fails its checksum is not used: the chunk
        grows again from an earlier point, saying so, to the same data."""
        out = tmp_path / "twins"
        interrupted(out, 25, monkeypatch)
        [(step, folder)] = ResultsFolder(out).chunk(0).committed()
        _damage(folder / name, how)
        said = grow(out)
        assert step == 20 and said
        assert_same_data(out, reference)

    def test_a_non_finite_checkpoint_is_never_resumed(self, reference, tmp_path, monkeypatch):
        """A committed checkpoint whose state is NaN (checksums consistent) is refused, said in a line."""
        out = tmp_path / "twins"
        interrupted(out, 25, monkeypatch)
        config, seeds = tiny(), run_seeds(tiny())
        twins = {
            t: build_agent(config.agent, [seeds[0][f"init_{t.lower()}"]], [seeds[0][f"noise_{t.lower()}"]], scaffolds=s)
            for t, s in (("A", config.a), ("B", config.b))
        }
        for agent in twins.values():
            agent.run(20)
        twins["A"].main.fill_(float("nan"))
        commit(ResultsFolder(out).chunk(0), 20, twins, extra={"runs": [0]})
        said = grow(out)
        assert any("non-finite" in line for line in said), said
        assert_same_data(out, reference)

    def test_a_checkpoint_of_another_chunk_size_is_not_used(self, reference, tmp_path, monkeypatch):
        """A half-grown folder whose manifest was lost, resumed with another chunk size: its checkpoint
        of two pairs does not fit a chunk of one, so it is not used (said in a line, no traceback) and
        the chunks grow again to the same data."""
        out = tmp_path / "twins"
        interrupted(out, 25, monkeypatch, tiny(chunk_size=2))
        (out / "manifest.json").unlink()
        said = grow(out)
        assert any("does not fit this population" in line and "not used" in line for line in said), said
        assert_same_data(out, reference)

    def test_a_checkpoint_of_other_runs_is_refused(self, finished):
        """A committed checkpoint of run 0 loaded into the twins of run 1 (the same population size) is
        refused, naming both."""
        config, seeds = tiny(), run_seeds(tiny())
        twins = {
            t: build_agent(config.agent, [seeds[1][f"init_{t.lower()}"]], [seeds[1][f"noise_{t.lower()}"]], scaffolds=s)
            for t, s in (("A", config.a), ("B", config.b))
        }
        [(_, folder)] = ResultsFolder(finished).chunk(0).committed()
        with pytest.raises(ResultsError, match=r"holds runs \(0,\), not this chunk's \(1,\)"):
            restore_pair(folder, twins, [1])

    @pytest.mark.parametrize("name", ["A.safetensors", MARKER])
    def test_a_damaged_checkpoint_of_a_finished_chunk_is_removed(self, finished, reference, capsys, name):
        """A finished chunk's last checkpoint that fails its checksum fails `check`; the re-run removes
        it, saying so (the data are intact), and `check` passes again."""
        [(_, folder)] = ResultsFolder(finished).chunk(1).committed()
        _damage(folder / name, "garble")
        assert main(["check", str(finished)]) == 2
        said = grow(finished)
        assert any("removed checkpoints/chunk-001/step-00000040" in line for line in said), said
        assert main(["check", str(finished)]) == 0
        assert "every part present and valid" in capsys.readouterr().out
        assert_same_data(finished, reference)


class TestDerived:
    @pytest.fixture
    def analysed(self, finished, tmp_path):
        """The finished folder analysed, and a copy of it to compare it with."""
        load(finished).analyse()
        return finished, shutil.copytree(finished, tmp_path / "copy")

    def test_a_damaged_runs_table_is_rebuilt_by_compare(self, analysed, capsys):
        """A garbled runs.parquet no longer matches the summary written with it: `compare` analyses the
        folder again and compares."""
        first, second = analysed
        _damage(second / "runs.parquet", "garble")
        assert main(["compare", str(first), str(second)]) == 0, capsys.readouterr().err
        assert load(second).runs.equals(load(first).runs)

    @pytest.mark.parametrize("how", ["garble", "delete"])
    def test_a_damaged_runs_table_of_an_older_summary_is_one_line(self, analysed, capsys, how):
        """A summary from before summaries named their tables, beside a damaged runs.parquet: `compare`
        gives one line naming the file and the command that rebuilds it."""
        first, second = analysed
        summary = json.loads((second / "summary.json").read_text())
        del summary["tables"]
        (second / "summary.json").write_text(json.dumps(summary))
        _damage(second / "runs.parquet", how)
        assert main(["compare", str(first), str(second)]) == 2
        assert_one_line_error(2, capsys.readouterr().err, "runs.parquet", f"emergence report {second}")

    def test_an_analysis_stopped_between_its_writes_is_redone(self, analysed, monkeypatch):
        """An analysis adding a metric stopped between writing summary.json and runs.parquet (in whichever
        order): the folder's summary and runs table still agree on the metrics they hold."""
        import emergence.analysis.summarise as summary_module

        folder = analysed[0]
        writes = []

        def stop_at_second(write):
            def wrapper(path, data):
                if path.name in ("summary.json", "runs.parquet"):
                    writes.append(path.name)
                    if len(writes) == 2:
                        raise PowerCut
                return write(path, data)

            return wrapper

        with monkeypatch.context() as patch:
            patch.setattr(summary_module, "write_json", stop_at_second(summary_module.write_json))
            patch.setattr(summary_module, "write_table", stop_at_second(summary_module.write_table))
            with pytest.raises(PowerCut):
                load(folder).analyse(("variance",))
        results = load(folder)
        assert set(results.runs["metric"]) == set(results.summary.metrics)


class TestManifest:
    @pytest.mark.parametrize(
        "text, words",
        [
            ("[]", "no 'config'"),
            ('{"config": {"runs": 2}}', "config.steps"),
            ("{", "not valid JSON"),
            ('{"config": NaN}', "not valid JSON"),
        ],
    )
    def test_a_manifest_of_the_wrong_shape_is_one_line(self, finished, capsys, text, words):
        """A damaged manifest: one line naming it, for the sweep, `report` and `check`; nothing written."""
        (finished / "manifest.json").write_text(text)
        for argv in ([*CLI, "--out", str(finished)], ["report", str(finished)]):
            assert main(argv) == 2
            assert_one_line_error(2, capsys.readouterr().err, "manifest.json", words)
        assert (finished / "manifest.json").read_text() == text

    @pytest.mark.parametrize(
        "key, value, words",
        [
            ("chunk_size", None, "chunk_size"),
            ("chunk_size", "4", "chunk_size"),
            ("device", "tpu9", "unknown device"),
        ],
    )
    def test_a_manifest_missing_a_field_is_one_line(self, finished, capsys, key, value, words):
        """No chunk size, a chunk size of the wrong type, an unknown device: one line, exit 2."""
        manifest = json.loads((finished / "manifest.json").read_text())
        manifest[key] = value
        (finished / "manifest.json").write_text(json.dumps(manifest))
        assert main([*CLI, "--out", str(finished)]) == 2
        assert_one_line_error(2, capsys.readouterr().err, words)


def test_checkpoint_tensors_carry_their_checksum(tmp_path):
    """A standalone checkpoint whose tensor bytes are garbled fails its header checksum."""
    agent = build_agent(preset("small", n_main=40, n_emo=8), [1], [2])
    path = save_checkpoint(tmp_path / "a.safetensors", agent)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01  # the last tensor's bytes: a finite float stays finite
    path.write_bytes(bytes(data))
    with pytest.raises(ResultsError, match="checksum"):
        restore(path, build_agent(preset("small", n_main=40, n_emo=8), [1], [2]))
    assert torch.isfinite(agent.main).all()
