"""Interrupts at any instant, including between the twins' checkpoint writes and in the middle of a
file write, resume to the data of a sweep never stopped."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import CLI, PowerCut, assert_same_data, grow

import emergence.results.commits as commits
from emergence.cli import main
from emergence.results import ResultsFolder


def _fail_on_call(function, n: int):
    """``function`` that raises PowerCut on its ``n``-th call (the calls before it run normally)."""
    calls = [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n:
            raise PowerCut
        return function(*args, **kwargs)

    return wrapper


class TestInterrupts:
    @pytest.mark.parametrize("call", [2, 3, 4])
    def test_between_the_twins_checkpoint_writes(self, reference, tmp_path, monkeypatch, call):
        """Stopped after some twins' checkpoint files and before the commit (call 2: twin B of the first
        checkpoint; 3, 4: twins A and B of the second), the next run resumes to the same data."""
        out = tmp_path / "twins"
        with monkeypatch.context() as patch:
            patch.setattr(commits, "save_checkpoint", _fail_on_call(commits.save_checkpoint, call))
            with pytest.raises(PowerCut):
                grow(out)
        said = grow(out)
        assert any("left by an interrupted write" in line for line in said) == (call % 2 == 0)
        assert_same_data(out, reference)

    def test_before_the_commit_marker(self, reference, tmp_path, monkeypatch):
        """Both twins written, the marker not: the directory is never read, the run resumes."""
        out = tmp_path / "twins"
        with monkeypatch.context() as patch:
            patch.setattr(commits, "write_json", _fail_on_call(commits.write_json, 2))
            with pytest.raises(PowerCut):
                grow(out)
        grow(out)
        assert_same_data(out, reference)

    @pytest.mark.parametrize("call", [1, 5])
    def test_in_the_middle_of_a_part_write(self, reference, tmp_path, monkeypatch, call):
        """A Parquet write that stops half-way leaves neither a torn part nor its temporary file."""
        out = tmp_path / "twins"
        original = pq.write_table

        def torn(table, where, *args, **kwargs):
            original(table, where, *args, **kwargs)
            with open(where, "r+b") as handle:
                handle.truncate(os.path.getsize(where) // 2)
            raise PowerCut

        calls = [0]

        def write(table, where, *args, **kwargs):
            calls[0] += 1
            (torn if calls[0] == call else original)(table, where, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(pq, "write_table", write)
            with pytest.raises(PowerCut):
                grow(out)
        assert not list(out.rglob("*.tmp"))
        grow(out)
        assert_same_data(out, reference)

    def test_temporaries_of_a_killed_write_are_removed(self, finished, reference):
        """Temporary files a kill left behind (a part, a checkpoint) are removed on the next run, said in a line."""
        left = [
            finished / "steps" / ".run-0000-part-00001.parquet.x1.tmp",
            finished / "checkpoints" / "chunk-000" / "step-00000040" / ".A.safetensors.x2.tmp",
        ]
        for path in left:
            path.write_bytes(b"half a file")
        said = grow(finished)
        assert not any(p.exists() for p in left) and sum("interrupted write" in line for line in said) == 2
        assert_same_data(finished, reference)

    def test_a_folder_stopped_before_its_manifest_is_grown(self, reference, tmp_path):
        """A folder a sweep created and was stopped in before its manifest was written (its lock and a
        manifest's temporary) is taken as a new results folder: the temporary removed, the sweep grown."""
        out = tmp_path / "twins"
        out.mkdir()
        (out / ".lock").write_text("")
        (out / ".manifest.json.x1.tmp").write_text("{")
        said = grow(out)
        assert said == ["removed .manifest.json.x1.tmp, left by an interrupted write"]
        assert_same_data(out, reference)

    def test_sigkill_while_checkpointing(self, reference, tmp_path):
        """A process killed with SIGKILL the moment a checkpoint file of the second window appears
        (between the twins' writes or just after) resumes to the same data."""
        out = tmp_path / "twins"
        code = f"import sys; from emergence.cli import main; sys.exit(main({[*CLI, '--out', str(out)]!r}))"
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "NUMBA_NUM_THREADS": "1"},
        )
        marker = out / "checkpoints" / "chunk-000" / "step-00000020" / "A.safetensors"
        while not marker.exists() and process.poll() is None:
            time.sleep(0.001)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
        grow(out)
        assert_same_data(out, reference)


def _workers(driver: int) -> list[int]:
    """The pids of the worker processes ``driver`` started (multiprocessing's spawned children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == driver and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process table in /proc")
class TestDriver:
    @pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
    def test_workers_end_with_their_driver(self, tmp_path, how):
        """The driver of a two-worker sweep killed (SIGKILL) or stopped (SIGTERM) while its workers grow:
        the workers end within seconds, none left holding a chunk; SIGTERM ends the driver as Ctrl-C does,
        in a line saying that re-running resumes; the re-run completes the sweep."""
        out = tmp_path / "twins"
        argv = [*CLI, "--steps", "400", "--workers", "2", "--threads", "1", "--out", str(out)]
        code = f"import sys; from emergence.cli import main; sys.exit(main({argv!r}))"
        with open(tmp_path / "err", "w") as err:  # a file: a worker left behind would hold a pipe open
            driver = subprocess.Popen(
                [sys.executable, "-c", code],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, "NUMBA_NUM_THREADS": "1"},
            )
        marker = out / "checkpoints" / "chunk-000" / "step-00000010" / "COMMIT.json"
        while not marker.exists() and driver.poll() is None:
            time.sleep(0.005)
        workers = _workers(driver.pid)
        try:
            assert driver.poll() is None and len(workers) == 2 and all(map(_alive, workers))
            driver.send_signal(how)
            driver.wait(timeout=120)
            deadline = time.monotonic() + 15
            while any(map(_alive, workers)) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not any(map(_alive, workers)), "a worker outlived its driver"
        finally:
            for pid in filter(_alive, workers):
                os.kill(pid, signal.SIGKILL)
        if how == signal.SIGTERM:
            said = (tmp_path / "err").read_text()
            assert driver.returncode == 1 and "re-running the same command resumes" in said, said
        assert main([*CLI, "--steps", "400", "--out", str(out)]) == 0
        assert ResultsFolder(out).problems() == []
