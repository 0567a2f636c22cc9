"""Two processes on one results folder: the second is refused in one line naming the holder; the lock
of a process that died is taken over."""

import shutil
import signal
import socket
import subprocess
import sys

import pytest
from conftest import CLI, assert_one_line_error, assert_same_data, grow, tiny

from emergence.cli import main
from emergence.results import ResultsError
from emergence_protocols.twins.runner import run_sweep


def _holder(out, lock="FolderLock({out!r})"):
    """A process holding the folder's lock (or another: ``lock``) until it is killed."""
    code = (
        "import sys; from emergence.results import FolderLock, ChunkLock\n"
        f"with {lock.format(out=str(out))}:\n    print('held', flush=True); sys.stdin.read()"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


class TestLock:
    def test_second_process_refused_then_dead_holder_taken_over(self, finished, reference, capsys):
        """While another process holds the folder, a sweep (even with other --steps), `report` and
        `check` are refused naming its pid and host, nothing changed; once that process is killed, its
        lock is taken over."""
        (finished / "steps" / "run-0000-part-00001.parquet").unlink()
        manifest = (finished / "manifest.json").read_text()
        holder = _holder(finished)
        try:
            for argv in (
                [*CLI, "--steps", "20", "--out", str(finished)],
                ["report", str(finished)],
                ["check", str(finished)],
            ):
                code = main(argv)
                assert_one_line_error(code, capsys.readouterr().err, f"process {holder.pid} on {socket.gethostname()}")
            assert (finished / "manifest.json").read_text() == manifest
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
        assert (finished / ".lock").read_text()  # the dead holder's name is still in the file
        grow(finished)
        assert_same_data(finished, reference)

    def test_compare_respects_the_lock(self, finished, reference, tmp_path, capsys):
        """`compare` of a folder another process holds is refused naming the holder, and writes nothing
        into it (an unanalysed folder is analysed only once it is free)."""
        other = shutil.copytree(reference, tmp_path / "other")
        holder = _holder(finished)
        try:
            assert main(["compare", str(finished), str(other)]) == 2
            assert_one_line_error(2, capsys.readouterr().err, f"process {holder.pid}")
            assert not (finished / "summary.json").exists() and not (finished / "runs.parquet").exists()
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
        assert main(["compare", str(finished), str(other)]) == 0

    def test_a_chunk_held_by_another_worker_is_a_line(self, finished, reference):
        """A chunk whose lock another process holds (a worker or job left from an earlier attempt) is not
        grown: one line names the chunk and the holder, the other chunk grows, one error names the chunk
        that did not finish and says to re-run; once the holder is gone, the re-run completes the sweep."""
        (finished / "steps" / "run-0000-part-00001.parquet").unlink()
        (finished / "steps" / "run-0001-part-00001.parquet").unlink()
        holder, said = _holder(finished, "ChunkLock({out!r}, 0)"), []
        try:
            with pytest.raises(ResultsError, match=r"1 of 2 chunks did not finish \(.*chunk 0 .*said above\)") as error:
                run_sweep(tiny(), finished, say=said.append)
            assert "\n" not in str(error.value) and "re-run the same command" in str(error.value)
            assert [line for line in said if f"chunk 0 of {finished}" in line and f"process {holder.pid}" in line]
            assert (finished / "steps" / "run-0001-part-00001.parquet").exists()  # the other chunk grew
            assert not (finished / "steps" / "run-0000-part-00001.parquet").exists()
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
        grow(finished)
        assert_same_data(finished, reference)
