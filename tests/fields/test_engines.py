"""The fast engine: the same model as the plain engine, its weight-noise stream, its fused pass.

Tolerances. Both engines draw the same field noise (each agent's torch generator) and the same weight
noise (each agent's counter-based stream), so they differ only by rounding: the order of sums, fused
multiply-adds, and the fast kernels' float32 Box-Muller (within 1e-6 of the float64 reference, see
``TestWeightNoiseStream``). Over 300 steps of a non-chaotic regime these differences stay below
``TOL``: 1e-6 in float64 and 2e-4 in float32, for activations, energy and every weight.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import torch
from scipy import stats

from emergence.agents import rng
from emergence.fields.engines import kernels
from emergence.fields.agent import ContinuousEmergeBase
from emergence.results.checkpoint import restore, save_checkpoint
from emergence import build_agent, ConfigError, preset, replace
from emergence.contract import hookimpl

# Not chaotic (gain 1.2, weight noise 1e-3), so rounding differences between the engines are not
# amplified exponentially; the ``small-saturated`` preset (RMS post) is calibrated to turn chaotic (MODEL.md section 10).
SMALL = preset("small-saturated", n_main=120, n_emo=24, n_input=32, recurrent_gain=1.2, weight_noise=1e-3)
TOL = {"float64": 1e-6, "float32": 2e-4}
COMPARED = (
    "sensory",
    "main",
    "emotion",
    "v_main",
    "trace_main",
    "energy",
    "awake",
    "W_in_main",
    "W_rec_main",
    "W_main_emo",
    "W_rec_emo",
    "weight_rng",
)


def _pair(config, steps, *, seeds=([1, 2], [3, 4]), plugins_fast=(), plugins_plain=(), **kwargs):
    """The same population grown by both engines."""
    fast = build_agent(replace(config, engine="fast"), *seeds, plugins=plugins_fast, **kwargs)
    plain = build_agent(replace(config, engine="plain"), *seeds, plugins=plugins_plain, **kwargs)
    assert fast.engine == "fast" and plain.engine == "plain"
    for agent in (fast, plain):
        if "hrls" in agent.scaffolds:
            agent.receive_feedback("Be kind to small voices", 1.0)
        agent.run(steps)
    return fast, plain


def _assert_close(fast, plain, tol):
    a, b = fast.state_dict(), plain.state_dict()
    for name in COMPARED:
        if name in ("awake", "weight_rng"):
            assert torch.equal(a[name], b[name]), name
        else:
            torch.testing.assert_close(a[name], b[name], rtol=0, atol=tol, msg=lambda m: f"{name}: {m}")


def _python_normal_pair(key: int, k: int) -> tuple[float, float]:
    """The stream's definition (emergence.agents.rng docstring), in plain Python integers."""
    mask = (1 << 64) - 1
    z = (key + k * rng.GOLDEN) & mask
    z = ((z ^ (z >> 30)) * rng.M1) & mask
    z = ((z ^ (z >> 27)) * rng.M2) & mask
    z ^= z >> 31
    a, t = z >> 32, z & 0xFFFFFFFF
    r = math.sqrt(-2 * math.log((a + 0.5) / 2**32))
    return r * math.cos(2 * math.pi * t / 2**32), r * math.sin(2 * math.pi * t / 2**32)


class TestWeightNoiseStream:
    @pytest.mark.parametrize("cols", [1, 6, 7])
    def test_reference_follows_the_definition(self, cols):
        """Element (i, j) takes z0 of number counter + i*ceil(cols/2) + j, z1 goes ceil(cols/2) further right."""
        key, counter, half = rng.stream_key(11), 1000, cols - cols // 2
        block = rng.gaussian_rows(key, counter, 0, 3, cols)
        for i in range(3):
            for j in range(half):
                z0, z1 = _python_normal_pair(key & ((1 << 64) - 1), counter + i * half + j)
                assert block[i, j].item() == pytest.approx(z0, abs=1e-12)
                if j + half < cols:
                    assert block[i, j + half].item() == pytest.approx(z1, abs=1e-12)

    @pytest.mark.parametrize("cols", [33, 300])
    def test_kernel_matches_the_reference(self, cols):
        """The kernels' float32 Box-Muller gives the reference's numbers within 1e-6."""
        key, counter = rng.stream_key(5), 123_456_789
        out = np.empty((200, cols), np.float32)
        kernels.gaussian_fill(out, np.uint64(key & ((1 << 64) - 1)), np.uint64(counter))
        ref = rng.gaussian_rows(key, counter, 0, 200, cols).numpy()
        assert np.abs(out - ref).max() < 1e-6

    def test_stream_is_standard_normal(self):
        """10^6 numbers of one stream: mean 0, variance 1, normal by Kolmogorov-Smirnov, uncorrelated."""
        out = np.empty((1000, 1000), np.float32)
        kernels.gaussian_fill(out, np.uint64(rng.stream_key(3) & ((1 << 64) - 1)), np.uint64(0))
        z = out.ravel().astype(np.float64)
        assert abs(z.mean()) < 5e-3 and abs(z.var() - 1) < 5e-3
        assert abs(stats.kurtosis(z)) < 0.02
        assert stats.kstest(z, "norm").pvalue > 1e-3
        assert abs(np.corrcoef(z[:-1], z[1:])[0, 1]) < 5e-3
        assert abs(np.corrcoef(out[:, :500].ravel(), out[:, 500:].ravel())[0, 1]) < 5e-3  # z0 vs z1

    def test_streams_of_different_seeds_differ(self):
        """Agents' keys differ, so their weight noise differs."""
        keys = {rng.stream_key(s) for s in range(1000)}
        assert len(keys) == 1000


class TestFastMatchesPlain:
    @pytest.mark.parametrize("dtype, every", [("float64", 1), ("float64", 10), ("float32", 1), ("float32", 10)])
    def test_trajectories_agree(self, dtype, every):
        """300 steps of two agents, exact and every-k weight noise: the engines agree within TOL."""
        config = replace(SMALL, dtype=dtype, weight_noise_every=every)
        fast, plain = _pair(config, 300)
        _assert_close(fast, plain, TOL[dtype])

    def test_sleep_and_hrls_drift(self):
        """Agents that sleep (no learning, no weight noise) and HRLS nudging W_main_emo after plasticity."""
        config = replace(SMALL, dtype="float64", weight_noise_every=1, energy_cost=0.2, energy_homeostasis=0.01)
        fast, plain = _pair(config, 300, scaffolds=["hrls:nudge_fraction=1.0"])
        assert int(fast.scaffolds["hrls"].nudges.sum()) > 0
        awake = []
        agent = ContinuousEmergeBase(config, [1, 2], [3, 4])
        for _ in range(300):
            agent.step()
            awake.append(bool(agent.learning[0]))
        assert not all(awake) and any(awake), "the test needs both learning and non-learning steps"
        _assert_close(fast, plain, TOL["float64"])

    def test_a_plugin_rule_is_not_bypassed(self):
        """With a plugin's plasticity rule the fast engine does not fuse: the rule runs every step."""
        calls = []

        class Decay:
            def apply(self, agent, learning):
                calls.append(agent.step_index)
                agent.W_rec_main.mul_(0.999)

        class Plugin:
            @hookimpl
            def plasticity(self, config):
                return Decay()

        config = replace(SMALL, dtype="float64")
        fast, plain = _pair(config, 50, plugins_fast=[Plugin()], plugins_plain=[Plugin()])
        assert not fast._engine.fused and calls == list(range(50)) * 2
        _assert_close(fast, plain, TOL["float64"])

    def test_plugin_noise_and_energy_models_are_used(self):
        """Non-default noise and energy models are called by the fast engine too."""

        class Loud:
            def amplitude(self, field, activation):
                return torch.full_like(activation, 0.05)

        class Flat:
            def update(self, energy, awake, main):
                return (energy * 0.99).clamp_min(0.5), awake

        class Plugin:
            @hookimpl
            def noise(self, config):
                return Loud()

            @hookimpl
            def energy(self, config):
                return Flat()

        config = replace(SMALL, dtype="float64", weight_noise_every=1)
        fast, plain = _pair(config, 100, plugins_fast=[Plugin()], plugins_plain=[Plugin()])
        assert not fast._engine.default_noise and not fast._engine.default_energy
        _assert_close(fast, plain, TOL["float64"])

    def test_drift_that_changes_the_recurrent_matrix(self):
        """A drift hook that edits W_rec_main after the fused pass: the cached product is recomputed."""

        class Prune:
            @hookimpl
            def relational_drift(self, agent, step):
                if step % 7 == 0:
                    agent.W_rec_main[:, :, :5] = 0.0

        config = replace(SMALL, dtype="float64", weight_noise_every=1)
        fast, plain = _pair(config, 60, plugins_fast=[Prune()], plugins_plain=[Prune()])
        _assert_close(fast, plain, TOL["float64"])


class TestFusedPass:
    def test_fused_product_is_the_product_of_the_updated_matrix(self):
        """After each step the cached recurrent input equals W_rec_main @ main of the updated matrix."""
        config = replace(SMALL, weight_noise_every=1, energy_cost=0.2, energy_homeostasis=0.01)
        agent = ContinuousEmergeBase(config, [1, 2], [3, 4])
        engine = agent._engine
        learned = set()
        for _ in range(120):
            agent.step()
            learned.update(agent.learning.tolist())
            fused = engine.recurrent.clone()
            fresh = torch.bmm(agent.W_rec_main, agent.main[..., None])[..., 0]
            torch.testing.assert_close(fused, fresh, rtol=1e-5, atol=1e-5)
            engine._rec_for = None  # recompute from the matrix alone (as after a plugin's change)
            torch.testing.assert_close(engine.recurrent_product(agent), fresh, rtol=1e-5, atol=1e-5)
        assert learned == {True, False}

    @pytest.mark.parametrize("engine", ["fast", "plain"])
    def test_every_k_noise_reaches_each_row_once_per_k_steps(self, engine):
        """weight_noise_every = 3 without Oja: on step t exactly the rows i with (i + t) % 3 == 0 move."""
        config = replace(
            SMALL,
            engine=engine,
            weight_noise_every=3,
            eta_in_main=0.0,
            eta_main_emo=0.0,
            eta_rec_main=0.0,
            eta_rec_emo=0.0,
            energy_cost=0.0,
        )
        agent = ContinuousEmergeBase(config, [1], [2])
        for t in range(6):
            before = agent.W_rec_main[0].clone()
            agent.step()
            moved = (agent.W_rec_main[0] != before).any(dim=1).nonzero().flatten().tolist()
            assert moved == [i for i in range(config.n_main) if (i + t) % 3 == 0]
            kick = (agent.W_rec_main[0] - before)[moved]
            assert abs(float(kick.std()) / (config.weight_noise * 3**0.5) - 1) < 0.05

    @pytest.mark.parametrize(
        "variant", [dict(weight_noise_every=1), dict(weight_noise_every=3), dict(weight_dtype="bfloat16")]
    )
    def test_resume_is_bit_identical(self, tmp_path, variant):
        """Checkpoint mid-run (weight-noise stream and cached recurrent input included), restore,
        continue: equal to never stopping, bit for bit (bfloat16 weights too)."""
        config = replace(SMALL, **variant, energy_cost=0.2, energy_homeostasis=0.01)

        def grow():
            agent = build_agent(config, [1, 2], [3, 4], scaffolds=["hrls"])
            agent.receive_feedback("Be kind to small voices", 1.0)
            return agent

        straight, first = grow(), grow()
        straight.run(80)
        first.run(37)
        save_checkpoint(tmp_path / "a.safetensors", first)
        resumed = grow()
        restore(tmp_path / "a.safetensors", resumed)
        resumed.run(43)
        for name, tensor in straight.state_dict().items():
            assert torch.equal(tensor, resumed.state_dict()[name]), name

    def test_population_does_not_change_an_agent(self):
        """An agent's trajectory is the same alone or in a population, bit for bit, weight noise included."""
        config = replace(SMALL, weight_noise_every=1)
        alone = ContinuousEmergeBase(config, [3], [9])
        crowd = ContinuousEmergeBase(config, [1, 3, 4], [8, 9, 10])
        alone.run(40)
        crowd.run(40)
        assert torch.equal(alone.W_rec_main[0], crowd.W_rec_main[1])
        assert torch.equal(alone.main[0], crowd.main[1])


class TestEngineConfig:
    def test_fast_is_the_default_and_plain_is_selectable(self):
        """``engine`` picks the code; the agent says which one ran."""
        assert preset("small").engine == "fast" and preset("paper").engine == "fast"
        assert ContinuousEmergeBase(replace(SMALL, engine="plain"), [1], [2]).engine == "plain"

    def test_without_numba_the_cpu_runs_plain_with_a_warning(self, monkeypatch):
        """Where the fused engine cannot be imported, the plain engine runs, with a warning."""
        from emergence.fields.agent import engine_for

        monkeypatch.setitem(sys.modules, "emergence.fields.engines.cpu", None)
        with pytest.warns(RuntimeWarning, match="fast engine unavailable"):
            assert engine_for(SMALL, torch.device("cpu")) == "plain"

    def test_bad_engine_names_the_field(self):
        with pytest.raises(ConfigError, match="engine"):
            replace(SMALL, engine="turbo")

    def test_metadata_records_engine_and_noise_mode(self):
        """Every checkpoint says which engine and which weight-noise mode ran."""
        exact = ContinuousEmergeBase(preset("paper-rms", n_main=64, n_emo=8), [1], [2]).metadata()["engine"]
        every = ContinuousEmergeBase(SMALL, [1], [2]).metadata()["engine"]
        assert exact["weight_noise_mode"] == "exact" and exact["weight_noise_every"] == 1
        assert every["weight_noise_mode"] == "every_k" and every["weight_noise_every"] == 10
        assert exact["engine"] == "fast"

    def test_literal_paper_preset_is_exact(self):
        """The literal reading draws weight noise every step; the paper preset every 10 steps x sqrt(10)."""
        assert preset("paper-rms").weight_noise_mode == "exact" and preset("paper").weight_noise_mode == "every_k"


class TestWeightStorage:
    def test_bfloat16_stores_the_matrices_and_runs_the_plain_engine(self):
        """``weight_dtype="bfloat16"``: the four matrices in bfloat16, the state in ``dtype``; the fast
        engine cannot store bfloat16, so the plain one runs and says so."""
        agent = build_agent(replace(SMALL, weight_dtype="bfloat16"), [1, 2], [3, 4], scaffolds=["hrls"])
        agent.receive_feedback("Be kind to small voices", 1.0)
        agent.run(30)
        assert agent.engine == "plain"
        assert {agent.W_rec_main.dtype, agent.W_in_main.dtype, agent.W_main_emo.dtype} == {torch.bfloat16}
        assert agent.main.dtype == torch.float32 and agent.main.isfinite().all()

    def test_bfloat16_starts_from_the_float32_weights_rounded(self):
        """Same seeds, same initial draw: the bfloat16 matrices are the float32 ones rounded."""
        full = ContinuousEmergeBase(replace(SMALL, engine="plain"), [1], [2])
        half = ContinuousEmergeBase(replace(SMALL, weight_dtype="bfloat16"), [1], [2])
        for name in ("W_in_main", "W_rec_main", "W_main_emo", "W_rec_emo"):
            assert torch.equal(getattr(full, name).to(torch.bfloat16), getattr(half, name)), name
        assert torch.equal(full.bias_main, half.bias_main)

    def test_bfloat16_follows_the_float32_start(self):
        """The first steps, before rounding errors grow, stay close to float32 storage."""
        full = ContinuousEmergeBase(replace(SMALL, engine="plain"), [1], [2])
        half = ContinuousEmergeBase(replace(SMALL, weight_dtype="bfloat16"), [1], [2])
        full.run(3)
        half.run(3)
        assert torch.allclose(full.main, half.main, atol=0.05)
        assert not torch.equal(full.main, half.main)


class TestDevice:
    @pytest.mark.parametrize("name", ["tpu", "meta"])
    def test_unknown_device_names_the_fix(self, name):
        with pytest.raises(ConfigError, match="use cpu, cuda or cuda:N"):
            ContinuousEmergeBase(SMALL, [1], [2], device=name)

    @pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
    def test_cuda_without_a_gpu_names_the_fix(self):
        with pytest.raises(ConfigError, match="use --device cpu"):
            ContinuousEmergeBase(SMALL, [1], [2], device="cuda")

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
    def test_cuda_follows_the_cpu(self):
        """The CUDA path (plain engine) follows the CPU's trajectory from the same seeds. Field noise
        comes from each device's own generator, so it is off here; the weight noise (a counter-based
        stream) is the same on every device."""
        quiet = dict(sensory_noise=0.0, main_noise=0.0, emo_noise=0.0, text_noise=0.0)
        config = replace(SMALL, dtype="float64", engine="plain", weight_noise_every=1, **quiet)
        cpu = build_agent(config, [1, 2], [3, 4], scaffolds=["hrls"])
        gpu = build_agent(config, [1, 2], [3, 4], scaffolds=["hrls"], device="cuda")
        assert gpu.engine == "plain"
        for agent in (cpu, gpu):
            agent.receive_feedback("Be kind to small voices", 1.0)
            agent.run(20)
        assert torch.allclose(cpu.W_rec_main, gpu.W_rec_main.cpu(), atol=1e-7)
        assert torch.allclose(cpu.main, gpu.main.cpu(), atol=1e-7)
