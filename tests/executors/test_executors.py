"""The same sweep through every executor gives bit-identical data; a worker killed mid-chunk (Ray, the
local pool) or a job interrupted (submitit) still ends in the same sweep; a study grows through Ray.
The Ray and submitit tests need the ``ray`` and ``slurm`` extras (CI installs them)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from emergence.cli import main
from emergence.results import ResultsError, ResultsFolder
from emergence.results.lock import chunk_lock_path
from emergence_protocols.twins.runner import run_sweep
from emergence_protocols.twins.settings import make_config

SIZES = dict(runs=4, steps=60, checkpoint_every=20, snapshot_every=5, feedback_every=25)
LONG = dict(runs=2, steps=400, checkpoint_every=20, snapshot_every=20, feedback_every=100, chunk_size=1)
AGENT = dict(n_main=40, n_emo=8)


def tiny(**sizes):
    return make_config("fields", "small", dict(AGENT), **(sizes or SIZES))


def assert_same(out, reference):
    folder, reference = ResultsFolder(out), ResultsFolder(reference)
    assert folder.problems() == []
    assert folder.read_steps().equals(reference.read_steps())
    assert folder.read_snapshots().equals(reference.read_snapshots())


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance for the module (an executor joins the running one and leaves it running)."""
    ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install -e '.[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def submitit():
    return pytest.importorskip("submitit", reason="the slurm extra is not installed: pip install -e '.[slurm]'")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "twins"
    run_sweep(tiny(), out, workers=1, say=lambda line: None)
    return out


@pytest.fixture(scope="module")
def long_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("long") / "twins"
    run_sweep(tiny(**LONG), out, workers=1, say=lambda line: None)
    return out


def kill_at_first_checkpoint(out, chunk: int, how=signal.SIGKILL) -> dict:
    """In the background: once ``chunk`` has committed a checkpoint, kill the process holding its lock
    (the worker growing it); ``found`` says which pid at which step."""
    found = {}

    def watch():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            newest = ResultsFolder(out).chunk(chunk).committed()
            if newest:
                found["step"] = newest[0][0]
                found["pid"] = json.loads(chunk_lock_path(out, chunk).read_text())["pid"]
                os.kill(found["pid"], how)
                return
            time.sleep(0.02)

    threading.Thread(target=watch, daemon=True).start()
    return found


class TestIdentical:
    @pytest.mark.parametrize("workers", [1, 2])
    def test_local_pool(self, reference, tmp_path, workers):
        """In this process (1 worker) or two worker processes of one thread each: the same bits."""
        out = tmp_path / "twins"
        run_sweep(tiny(), out, executor="local", workers=workers, threads=1, say=lambda line: None)
        assert_same(out, reference)
        assert len(list((out / "index").glob("chunk-*.json"))) == (1 if workers == 1 else 2)

    def test_ray(self, reference, tmp_path, local_ray):
        """One Ray task per chunk on a local Ray instance."""
        out = tmp_path / "twins"
        run_sweep(tiny(), out, executor="ray", workers=None, threads=1, say=lambda line: None)
        assert_same(out, reference)

    def test_submitit_local(self, reference, tmp_path, submitit):
        """One job per chunk through submitit's local executor."""
        out = tmp_path / "twins"
        run_sweep(
            tiny(),
            out,
            executor=f"slurm:cluster='local',folder='{tmp_path / 'jobs'}'",
            workers=2,
            threads=1,
            say=lambda line: None,
        )
        assert_same(out, reference)


class TestFaults:
    def test_ray_worker_killed_mid_chunk(self, long_reference, tmp_path, local_ray):
        """SIGKILL to the Ray worker growing chunk 0 after its first checkpoint: Ray runs the task again,
        which resumes the chunk from its checkpoint, and the sweep completes with the same bits."""
        out = tmp_path / "twins"
        killed = kill_at_first_checkpoint(out, 0)
        run_sweep(tiny(**LONG), out, executor="ray", workers=None, threads=1, say=lambda line: None)
        assert killed and 0 < killed["step"] < LONG["steps"], killed
        assert_same(out, long_reference)

    def test_local_worker_killed_mid_chunk(self, long_reference, tmp_path):
        """SIGKILL to a local worker: the chunks it took down are each a line and one error says to re-run;
        re-running completes the sweep with the same bits. Whether the broken pool also takes the other
        chunk down depends on timing: the death is said in the error or in the chunk's line."""
        out, said = tmp_path / "twins", []
        killed = kill_at_first_checkpoint(out, 0)
        with pytest.raises(ResultsError) as error:
            run_sweep(tiny(**LONG), out, executor="local", workers=2, threads=1, say=said.append)
        assert killed and 0 < killed["step"] < LONG["steps"], killed
        assert "worker process died" in " ".join([str(error.value), *said]), (error.value, said)
        assert "re-run the same command" in str(error.value) and "\n" not in str(error.value)
        assert any(line.startswith("failed: ") and "chunk 0 (runs 0-0)" in line for line in said), said
        run_sweep(tiny(**LONG), out, executor="local", workers=2, threads=1, say=lambda line: None)
        assert_same(out, long_reference)

    def test_submitit_job_preempted(self, tmp_path, submitit):
        """A job sent SLURM's stop signal mid-chunk (SIGUSR2, as on a preemption or before its time limit)
        is requeued and resumes its chunk from the chunk's checkpoint: the same bits as never stopped."""
        sizes = {**LONG, "steps": 2000, "checkpoint_every": 100, "snapshot_every": 100}
        reference, out = tmp_path / "reference", tmp_path / "twins"
        run_sweep(tiny(**sizes), reference, workers=1, say=lambda line: None)
        stopped = kill_at_first_checkpoint(out, 0, signal.SIGUSR2)
        run_sweep(
            tiny(**sizes),
            out,
            executor=f"slurm:cluster='local',folder='{tmp_path / 'jobs'}'",
            workers=2,
            threads=1,
            say=lambda line: None,
        )
        assert stopped and 0 < stopped["step"] < sizes["steps"], stopped
        log = "".join(path.read_text() for path in (tmp_path / "jobs").glob("*_log.*"))
        assert "Caught signal SIGUSR2" in log and "Requeued job" in log, log
        assert_same(out, reference)


class TestStudy:
    def test_a_study_through_ray(self, tmp_path, local_ray):
        """`emergence study FILE --executor ray`: every condition's chunks grow as Ray tasks, to the same
        comparison as in this process."""
        (tmp_path / "tiny.toml").write_text(
            'name = "tiny"\nquestion = "Does emotion noise matter?"\n[axes]\nemo_noise = ["x1", "x3"]\n'
        )
        sizes = [
            "--n-main",
            "40",
            "--n-emo",
            "8",
            "--runs",
            "4",
            "--steps",
            "60",
            "--checkpoint-every",
            "20",
            "--snapshot-every",
            "5",
            "--feedback-every",
            "25",
            "--threads",
            "1",
        ]
        for name, executor in (("here", ["--workers", "1"]), ("ray", ["--executor", "ray"])):
            assert (
                main(
                    ["study", str(tmp_path / "tiny.toml"), *sizes, *executor, "--force", "--out", str(tmp_path / name)]
                )
                == 0
            )
        for folder in ("emo_noise=x1", "emo_noise=x3"):
            assert_same(tmp_path / "ray" / folder, tmp_path / "here" / folder)
        here, there = (pd.read_parquet(tmp_path / name / "comparison.parquet") for name in ("here", "ray"))
        pd.testing.assert_frame_equal(here, there)


class TestErrors:
    @pytest.mark.parametrize(
        "args, words",
        [
            (["--executor", "dask"], ["unknown executor 'dask'", "local, ray, slurm"]),
            (["--executor", "ray:retries=2"], ["executor 'ray' has no setting 'retries'", "max_retries"]),
            (["--executor", "slurm:cluster=local", "--ray-address", "auto"], ["--ray-address is for --executor ray"]),
        ],
    )
    def test_bad_executor_is_one_line(self, tmp_path, capsys, args, words):
        assert (
            main(
                [
                    "protocol",
                    "twins",
                    "--n-main",
                    "40",
                    "--runs",
                    "2",
                    "--steps",
                    "40",
                    "--checkpoint-every",
                    "20",
                    *args,
                    "--out",
                    str(tmp_path / "x"),
                ]
            )
            == 2
        )
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: "), err
        for word in words:
            assert word in err[0]
        assert not (tmp_path / "x").exists()

    def test_bad_sbatch_options_are_one_line(self, tmp_path, capsys, submitit):
        assert (
            main(
                [
                    "protocol",
                    "twins",
                    "--n-main",
                    "40",
                    "--runs",
                    "2",
                    "--steps",
                    "40",
                    "--checkpoint-every",
                    "20",
                    "--executor",
                    "slurm:cluster=local,sbatch=qos",
                    "--out",
                    str(tmp_path / "x"),
                ]
            )
            == 2
        )
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "KEY=VALUE" in err[0], err

    def test_a_script_without_a_main_guard_is_told_why(self, tmp_path):
        """Local workers start by importing the script that started them: a script that grows a sweep with
        2 workers at its top level gets, from each worker, one line naming the fix."""
        script = tmp_path / "unguarded.py"
        script.write_text(
            "import emergence\n"
            f"emergence.twins(preset='small', runs=2, steps=40, checkpoint_every=20, n_main=40, "
            f"n_emo=8, out={str(tmp_path / 'out')!r}, workers=2, threads=1).run(progress=False)\n"
        )
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
        assert done.returncode != 0
        assert 'put the script\'s sweep under `if __name__ == "__main__":`' in done.stderr, done.stderr


class TestExecutorOptions:
    def test_a_dry_run_starts_no_executor(self, tmp_path, monkeypatch, capsys):
        """--dry-run with --ray-address (the Ray executor) plans from the workers Ray would have, without
        starting Ray."""
        pytest.importorskip("ray")
        from emergence_plugins.ray_executor import RayExecutor

        def started(*args):
            raise AssertionError("a dry run started the executor")

        monkeypatch.setattr(RayExecutor, "__init__", started)
        assert (
            main(
                [
                    "protocol",
                    "twins",
                    "--n-main",
                    "40",
                    "--n-emo",
                    "8",
                    "--runs",
                    "2",
                    "--steps",
                    "40",
                    "--checkpoint-every",
                    "20",
                    "--ray-address",
                    "auto",
                    "--workers",
                    "2",
                    "--dry-run",
                    "--out",
                    str(tmp_path / "x"),
                ]
            )
            == 0
        )
        assert "executor: ray:address='auto', 2 chunk(s), 2 growing at once" in capsys.readouterr().out
        assert not (tmp_path / "x").exists()

    def test_ray_address_is_the_ray_plugins_option(self, capsys):
        """The core's executor options know no executor by name; --ray-address comes with the Ray plugin
        and means --executor ray:address=..."""
        import click

        from emergence.options import executor_options

        assert {p.name for p in executor_options(click.command()(lambda **k: None)).params} == {
            "executor",
            "workers",
            "threads",
        }
        main(["protocol", "twins", "--help"])
        assert "--ray-address" in capsys.readouterr().out
