"""Two processes on one results folder: the second is refused in one line naming the holder; the lock
of a process that died is taken over."""

import signal
import socket
import subprocess
import sys

from conftest import CLI, assert_one_line_error, assert_same_data, grow

from emergence.cli import main


def _holder(out):
    """A process holding the folder's lock until it is killed."""
    code = ("import sys; from emergence.results import FolderLock\n"
            f"with FolderLock({str(out)!r}):\n    print('held', flush=True); sys.stdin.read()")
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
