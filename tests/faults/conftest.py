"""Shared pieces of the fault-injection suite: a tiny sweep, its uninterrupted reference folder, and
the two outcomes every fault must end in (the same data as never failing, or a one-line error)."""

import shutil
from contextlib import contextmanager

import numba
import pyarrow.compute as pc
import pytest

from emergence.results import ResultsFolder
from emergence_protocols.twins.runner import run_sweep
from emergence_protocols.twins.settings import make_config

SIZES = dict(runs=2, steps=40, checkpoint_every=10, snapshot_every=5, feedback_every=15, chunk_size=1)
AGENT = dict(n_main=40, n_emo=8)
CLI = [
    "protocol",
    "twins",
    "--preset",
    "small",
    "--n-main",
    "40",
    "--n-emo",
    "8",
    "--runs",
    "2",
    "--steps",
    "40",
    "--checkpoint-every",
    "10",
    "--snapshot-every",
    "5",
    "--feedback-every",
    "15",
    "--chunk-size",
    "1",
]


class PowerCut(Exception):
    """The process stops here (what a kill does to the code after it)."""


def tiny(**changes):
    return make_config("fields", "small", {**AGENT, **changes.pop("agent", {})}, **{**SIZES, **changes})


def grow(out, config=None, **options) -> list[str]:
    """Grow the tiny sweep into ``out``; returns the lines the sweep said."""
    said = []
    run_sweep(config or tiny(), out, say=said.append, **options)
    return said


def assert_same_data(out, reference):
    """Every row of the uninterrupted sweep exactly once, with the same values; the folder checks clean."""
    folder, reference = ResultsFolder(out), ResultsFolder(reference)
    assert folder.problems() == []
    steps = folder.read_steps()
    keys = pc.binary_join_element_wise(
        pc.cast(steps["run"], "string"), steps["twin"], pc.cast(steps["step"], "string"), ":"
    )
    assert steps.num_rows == 2 * 2 * 40 == len(pc.unique(keys))
    assert steps.equals(reference.read_steps())
    assert folder.read_snapshots().equals(reference.read_snapshots())


def assert_one_line_error(code, err, *words):
    """A non-zero exit, one line on stderr (no traceback) containing ``words``."""
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error: "), err
    for word in words:
        assert word in lines[0]


@contextmanager
def one_thread():
    """Kernel threads off: at these sizes threads cost more than they give, and the kernels' arithmetic
    does not depend on the thread count."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


@pytest.fixture(autouse=True)
def _one_thread():
    with one_thread():
        yield


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    """The tiny sweep grown without a fault (finished, last checkpoints kept)."""
    out = tmp_path_factory.mktemp("reference") / "twins"
    with one_thread():
        grow(out)
    return out


@pytest.fixture
def finished(reference, tmp_path):
    """A copy of the reference folder to damage."""
    return shutil.copytree(reference, tmp_path / "finished")


def interrupted(out, at_step: int, monkeypatch, config=None) -> None:
    """Grow the tiny sweep (or ``config``) into ``out`` and stop it when the first chunk records ``at_step``."""
    from emergence.results.recorder import Recorder

    original = Recorder.record

    def record(self, step, twins):
        if step == at_step:
            raise PowerCut
        original(self, step, twins)

    with monkeypatch.context() as patch:
        patch.setattr(Recorder, "record", record)
        with pytest.raises(PowerCut):
            grow(out, config)
