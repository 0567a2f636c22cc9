"""A sweep resumed on another machine: its data are whole, each chunk's index records which steps grew
where, and the report, the summary and compare say that its runs are bit-reproducible only in parts."""

import json

from conftest import assert_same_data, grow, interrupted, one_thread

import emergence_protocols.twins.runner as runner
from emergence.cli import main
from emergence.results import ResultsFolder
from emergence.results.index import chunk_index_path

ELSEWHERE = {"device": "cpu", "cpu vectors": "sse4_2", "numba": "0.1.0", "torch": "2.0.0", "numpy": "1.0.0"}


def test_a_sweep_resumed_elsewhere_says_where_each_part_grew(reference, finished, tmp_path, monkeypatch, capsys):
    """Stopped, then resumed where the kernels round differently (``finished``: the same sweep grown here)."""
    out = tmp_path / "twins"
    with one_thread():
        interrupted(out, 25, monkeypatch)  # chunk 0 committed at step 20, its step-30 window not written
        here = runner.machine("cpu")
        with monkeypatch.context() as patch:
            patch.setattr(runner, "machine", lambda device: ELSEWHERE)
            grow(out)
    assert_same_data(out, reference)
    spans = json.loads(chunk_index_path(out, 0).read_text())["grown_on"]
    assert spans == [{"from": 0, "to": 20, "machine": here}, {"from": 20, "to": 40, "machine": ELSEWHERE}]
    assert ResultsFolder(out).machines() == [here, ELSEWHERE]
    assert ResultsFolder(finished).machines() == [here]

    for folder in (out, finished):
        assert main(["report", str(folder)]) == 0
    lines = [line for line in ResultsFolder(out).report_path.read_text().splitlines() if "grown on" in line]
    assert len(lines) == 1 and lines[0].startswith("- grown on 2 machines that may round differently")
    assert "cpu vectors: " + here["cpu vectors"] + ", sse4_2" in lines[0] and "device" not in lines[0]
    assert "run 0 from step 20, run 1 from step 0 on another than the first" in lines[0]
    assert "grown on" not in ResultsFolder(finished).report_path.read_text()

    capsys.readouterr()
    assert main(["compare", str(finished), str(out)]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert f"grown on.cpu vectors: '{here['cpu vectors']}' -> '{here['cpu vectors']} + sse4_2'" in said


def test_a_damaged_record_of_where_steps_grew_loses_nothing(finished, reference):
    """A chunk index whose checksums are intact but whose grown_on is garbled: the parts stay valid, the
    folder reads and resumes, and its steps count as grown where the folder was started."""
    index = chunk_index_path(finished, 0)
    recorded = json.loads(index.read_text())
    index.write_text(json.dumps({**recorded, "grown_on": {"x": 1}}))
    assert main(["check", str(finished)]) == 0
    assert ResultsFolder(finished).problems() == []
    assert len(ResultsFolder(finished).machines()) == 1
    said = grow(finished)
    assert not any("not in the index" in line or "again from step" in line for line in said), said
    assert_same_data(finished, reference)
