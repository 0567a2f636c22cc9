"""The CUDA fast engine's Triton kernel, run by Triton's interpreter on CPU tensors (no GPU here).

``TRITON_INTERPRET=1`` is set while this module imports the kernels (a kernel is interpreted or
compiled from the moment it is defined) and while its tests run (the interpreter checks it at launch
too), never for other modules. What the interpreter
verifies: the kernel's semantics (indexing, masks, the uint64 stream arithmetic, the float32
Box-Muller) against the numba kernel and the torch reference. What it cannot: compilation for and
behaviour on a real GPU, and speed.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

with pytest.MonkeyPatch.context() as _patch:
    _patch.setenv("TRITON_INTERPRET", "1")
    pytest.importorskip("triton")
    from triton.runtime.interpreter import InterpretedFunction

    from emergence.fields.engines import triton_kernels
    from emergence.fields.engines.cuda import CudaEngine

from emergence import build_agent
from emergence.agents import rng
from emergence.fields.engines import kernels  # noqa: E402
from emergence.fields.engines import engine_for  # noqa: E402
from emergence.config import replace  # noqa: E402
from emergence.contract import hookimpl  # noqa: E402
from emergence.agents.oja import normalised, oja_update  # noqa: E402
from test_engines import COMPARED, SMALL, TOL, _assert_close  # noqa: E402

RATE, SD = 0.01, 0.05
TINY = replace(SMALL, n_main=48, n_emo=16)  # few programs per step: the interpreter is slow


@pytest.fixture(autouse=True, scope="module")
def interpreter():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRITON_INTERPRET", "1")
        yield


def _inputs(P, n, m, seed=0):
    """A weight matrix, the normalised pre/post vectors, a product vector and each agent's stream."""
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(P, n, m, generator=g) / m**0.5
    x, y = normalised(torch.randn(P, m, generator=g), torch.randn(P, n, generator=g))
    v = torch.randn(P, m, generator=g)
    keys = torch.tensor([rng.stream_key(s) for s in range(P)])
    counters = torch.tensor([10_000 + 777 * p for p in range(P)])
    return W, x, y, v, keys, counters


def test_kernels_are_interpreted():
    assert isinstance(triton_kernels._oja_pass_kernel, InterpretedFunction)


class TestFusedPass:
    @pytest.mark.parametrize(
        "m, every, phase, learn, dot, block",
        [
            (40, 1, 0, [True, False], True, (16, 128)),
            (37, 3, 1, [False, True, True], True, (4, 8)),  # several row blocks and column tiles, partial ones
            (37, 3, 2, [True, True], False, (8, 4)),
            (37, 0, 0, [True, False], True, (16, 128)),  # no weight noise
        ],
    )
    def test_equals_the_numba_pass(self, m, every, phase, learn, dot, block):
        """Oja + staggered noise + product: the kernel gives kernels.oja_pass's numbers; non-learners'
        rows are not written."""
        P, n = len(learn), 40
        W, x, y, v, keys, counters = _inputs(P, n, m)
        learn = torch.tensor(learn)
        expected, expected_out = W.clone(), torch.zeros(P, n)
        kernels.oja_pass(
            expected.numpy(),
            x.numpy(),
            y.numpy(),
            np.float32(RATE),
            learn.numpy(),
            np.float32(SD),
            every,
            phase,
            keys.numpy().view(np.uint64),
            counters.numpy().view(np.uint64),
            v.numpy(),
            expected_out.numpy(),
            dot,
        )
        got, out = W.clone(), torch.zeros(P, n)
        triton_kernels.oja_pass(got, x, y, RATE, learn, SD, every, phase, keys, counters, v, out, dot, block=block)
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
        torch.testing.assert_close(out, expected_out, rtol=0, atol=1e-5)
        assert torch.equal(got[~learn], W[~learn])

    def test_equals_the_torch_reference(self):
        """The same pass as the plain engine: oja_update, add_gaussian_ from the stream, then W @ v."""
        P, n, m, every, phase = 2, 40, 37, 3, 1
        W, x, y, v, keys, counters = _inputs(P, n, m, seed=1)
        learn = torch.tensor([True, False])
        expected = W.clone()
        oja_update(expected, x, y, RATE * learn.float())
        rng.add_gaussian_(expected[0], SD, int(keys[0]), int(counters[0]), every, phase)
        got, out = W.clone(), torch.zeros(P, n)
        triton_kernels.oja_pass(got, x, y, RATE, learn, SD, every, phase, keys, counters, v, out, True)
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
        torch.testing.assert_close(out, torch.bmm(expected, v[..., None])[..., 0], rtol=0, atol=1e-5)

    def test_noise_is_the_stream(self):
        """Rate 0, sd 1: the pass adds the stream's normals (rng.gaussian_rows) within 1e-5, including
        the numbers of smallest and largest radius among the first 2^20 (log near 1 and near 0)."""
        key = rng.stream_key(7)
        pairs = rng.gaussian_rows(key, 0, 0, 1, 2**21)[0]
        radius = pairs[: 2**20] ** 2 + pairs[2**20 :] ** 2
        extremes = [int(radius.argmin()), int(radius.argmax())]
        n, m = 64, 300
        for counter in [123_456_789, *extremes]:
            W, x, y, _, _, _ = _inputs(1, n, m)
            keys, counters = torch.tensor([key]), torch.tensor([counter])
            got = W.clone()
            triton_kernels.oja_pass(got, x, y, 0.0, torch.tensor([True]), 1.0, 1, 0, keys, counters, None, None, False)
            expected = rng.gaussian_rows(key, counter, 0, n, m).float()
            torch.testing.assert_close(got[0] - W[0], expected, rtol=0, atol=1e-5)


class TestCudaEngine:
    """The whole CUDA engine, built for CPU tensors and run by the interpreter, against the plain engine."""

    @staticmethod
    def _pair(config, steps, plugins=(), scaffolds=()):
        config = replace(config, engine="plain")
        plain = build_agent(config, [1, 2], [3, 4], plugins=plugins, scaffolds=scaffolds)
        fused = build_agent(config, [1, 2], [3, 4], plugins=plugins, scaffolds=scaffolds)
        fused._engine = CudaEngine(fused)  # what base does on a CUDA device
        learned = set()
        for agent in (plain, fused):
            if scaffolds:
                agent.receive_feedback("Be kind to small voices", 1.0)
            for _ in range(steps):
                agent.step()
                learned.update(agent.learning.tolist())
        return fused, plain, learned

    @pytest.mark.parametrize("every", [1, 3])
    def test_fifty_steps_follow_the_plain_engine(self, every):
        """Exact and every-3 noise, agents that sleep, HRLS (every 1) or a drift that edits W_rec_main
        (every 3, so the cached recurrent input must be recomputed): float32 within TOL, streams equal."""

        class Prune:
            @hookimpl
            def relational_drift(self, agent, step):
                if step % 7 == 0:
                    agent.W_rec_main[:, :, :5] = 0.0

        config = replace(TINY, dtype="float32", weight_noise_every=every, energy_cost=0.2, energy_homeostasis=0.01)
        plugins, scaffolds = ((), ["hrls"]) if every == 1 else ([Prune()], ())
        fused, plain, learned = self._pair(config, 50, plugins, scaffolds)
        assert fused._engine.fused and learned == {True, False}
        _assert_close(fused, plain, TOL["float32"])
        assert set(COMPARED) <= set(fused.state_dict())


class TestEngineChoice:
    def test_fast_on_cuda_is_the_triton_engine(self):
        """``engine="fast"`` means the device's fused engine: triton on CUDA (no GPU needed to choose)."""
        assert engine_for(SMALL, torch.device("cuda")) == "fast"
        assert engine_for(replace(SMALL, engine="plain"), torch.device("cuda")) == "plain"

    def test_float64_on_cuda_is_plain(self):
        """The Triton pass is float32 only: float64 on CUDA runs, and is recorded as, the plain engine."""
        assert engine_for(replace(SMALL, dtype="float64"), torch.device("cuda")) == "plain"

    def test_without_triton_cuda_runs_plain_with_a_warning(self, monkeypatch):
        for name in ("triton", "emergence.fields.engines.cuda", "emergence.fields.engines.triton_kernels"):
            monkeypatch.setitem(sys.modules, name, None)
        with pytest.warns(RuntimeWarning, match="fast engine unavailable"):
            assert engine_for(SMALL, torch.device("cuda")) == "plain"
