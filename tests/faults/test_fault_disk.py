"""A full or read-only disk: a one-line error naming the path, nothing half-written, and a resume to
the same data once there is space. Needs root to mount a small tmpfs; skipped otherwise."""

import os
import shutil
import subprocess

import pytest
from conftest import CLI, assert_one_line_error, assert_same_data, grow, tiny

from emergence.cli import main
from emergence.results import ResultsError
from emergence_protocols.twins.runner import run_sweep


def _mount(path, *options):
    path.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(path)], capture_output=True)
    if result.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.decode().strip()})")


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs (mounted as root, unmounted after)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    disk = tmp_path / "disk"
    _mount(disk, "size=4m")
    yield disk
    subprocess.run(["umount", "--lazy", str(disk)], check=True)  # lazy: a test may still hold a file there


class TestDisk:
    def test_full_disk_mid_run_then_resume(self, small_disk, reference):
        """The disk fills during the sweep: one line naming the file that could not be written, no
        temporary left; with space again, the sweep resumes to the same data."""
        out, filler = small_disk / "twins", small_disk / "filler"

        def fill(steps, runs):  # called as the sweep reports progress
            if filler.exists():
                return
            try:
                with open(filler, "wb") as handle:
                    while True:
                        handle.write(b"\0" * 65536)
            except OSError:
                pass

        with pytest.raises(ResultsError, match="No space left on device") as error:
            run_sweep(tiny(), out, progress=fill, say=lambda line: None)
        assert "\n" not in str(error.value) and str(out) in str(error.value)
        assert not list(out.rglob("*.tmp"))
        filler.unlink()
        grow(out)
        assert_same_data(out, reference)

    def test_results_that_will_not_fit_are_refused(self, small_disk, capsys):
        """A sweep whose results are estimated beyond the free space: refused in one line, nothing written."""
        assert main([*CLI, "--steps", "40000", "--out", str(small_disk / "x")]) == 2
        assert_one_line_error(2, capsys.readouterr().err, "on disk", "free")
        assert not (small_disk / "x").exists()

    @pytest.mark.parametrize("lock_file", [True, False])
    def test_a_read_only_folder_is_checked(self, small_disk, reference, capsys, lock_file):
        """`check` reads a folder on a read-only disk, with or without a lock file (it cannot write one):
        every part verified, exit 0."""
        out = shutil.copytree(reference, small_disk / "twins")
        if not lock_file:
            (out / ".lock").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
        try:
            assert main(["check", str(out)]) == 0, capsys.readouterr().err
            assert "every part present and valid" in capsys.readouterr().out
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)

    def test_read_only_out_is_one_line(self, small_disk, capsys):
        """A read-only --out: one line naming the path, exit 2."""
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
        try:
            assert main([*CLI, "--out", str(small_disk / "x")]) == 2
            assert_one_line_error(2, capsys.readouterr().err, str(small_disk / "x"), "Read-only")
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
