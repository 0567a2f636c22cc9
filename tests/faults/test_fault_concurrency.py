"""Two processes on one results folder: the second is refused in one line naming the holder; the lock
of a process that died is taken over."""

import signal
import socket
import subprocess
import sys

import pytest
from conftest import CLI, assert_one_line_error, assert_same_data, grow

from emergence.cli import main
from emergence.results import ResultsError


def _holder(out, lock="FolderLock({out!r})"):
    """A process holding the folder's lock (or another: ``lock``) until it is killed."""
    code = ("import sys; from emergence.results import FolderLock, ChunkLock\n"
            f"with {lock.format(out=str(out))}:\n    print('held', flush=True); sys.stdin.read()")
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
            for argv in ([*CLI, "--steps", "20", "--out", str(finished)], ["report", str(finished)],
                         ["check", str(finished)]):
                code = main(argv)
                assert_one_line_error(code, capsys.readouterr().err, f"process {holder.pid} on {socket.gethostname()}")
            assert (finished / "manifest.json").read_text() == manifest
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
        assert (finished / ".lock").read_text()  # the dead holder's name is still in the file
        grow(finished)
        assert_same_data(finished, reference)

    def test_a_chunk_held_by_another_worker_is_a_line(self, finished, reference):
        """A chunk whose lock another process holds (a worker or job left from an earlier attempt) is not
        grown: one line names the chunk and the holder, the other chunk grows, one error says to re-run;
        once the holder is gone, the re-run completes the sweep."""
        (finished / "steps" / "run-0000-part-00001.parquet").unlink()
        (finished / "steps" / "run-0001-part-00001.parquet").unlink()
        holder = _holder(finished, "ChunkLock({out!r}, 0)")
        try:
            with pytest.raises(ResultsError, match=f"chunk 0 .* being grown by process {holder.pid}") as error:
                grow(finished)
            assert "\n" not in str(error.value) and "re-run the same command" in str(error.value)
            assert (finished / "steps" / "run-0001-part-00001.parquet").exists()  # the other chunk grew
            assert not (finished / "steps" / "run-0000-part-00001.parquet").exists()
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
        grow(finished)
        assert_same_data(finished, reference)
