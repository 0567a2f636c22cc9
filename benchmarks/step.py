"""Benchmark of one learning step: this machine's memory bandwidth, a plain PyTorch reference step
written the obvious way, and the engine's step, in one run.

    python benchmarks/step.py            # n_main 2,000 / 5,000 / 10,000, populations 1 and 4 (2 at 10k)
    python benchmarks/step.py --quick    # n_main 2,000 only, fewer repetitions (about a minute)
    python benchmarks/step.py --gpu-only # the GPU part alone (where CUDA is available)

For each size, population and weight-noise mode it prints ms per agent-step, the multiple of the
bandwidth floor (floor = 2 x 4 x n_main^2 bytes / bandwidth: W_rec_main read and written once), the
fraction of that floor reached, the speed-up over the reference step in the same mode, and the peak
memory per agent (resident-set high-water mark while the population steps, over its weights). Then
steps per second at the ``small`` preset. Where CUDA is available, also the GPU: its bandwidth, the plain
and the fast (Triton) engine at n_main 10,000, populations 1 and 32 (or as many as fit), both noise
modes, and the projected time of the paper's sweep. Not part of the test suite; timings on a shared machine are
noisy, so every figure is the best of several repetitions (say which machine, and re-run).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emergence import preset  # noqa: E402
from emergence.fields.agent import ContinuousEmergeBase  # noqa: E402

MODES = {"exact": 1, "every_10": 10}


# -- memory ------------------------------------------------------------------------------------------
def _status(field: str) -> int:
    """A field of /proc/self/status in bytes (Linux), or -1."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return -1
    match = re.search(rf"{field}:\s+(\d+) kB", text)
    return int(match.group(1)) * 1024 if match else -1


def reset_peak() -> int:
    """Reset the resident-set high-water mark (Linux clear_refs); returns the current RSS."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status("VmRSS")


def peak_since(baseline: int) -> int:
    return _status("VmHWM") - baseline


# -- bandwidth ---------------------------------------------------------------------------------------
def bandwidth(reps: int) -> dict:
    """GB/s of an in-place scale of a 400 MB fp32 tensor (bytes read + written), best of ``reps``."""
    W = torch.full((10_000, 10_000), 1.0)
    times = []
    for _ in range(reps + 1):
        t = time.perf_counter()
        W.mul_(1.0000001)
        times.append(time.perf_counter() - t)
    best = min(times[1:])
    result = {"torch_mul_GBps": 2 * W.numel() * 4 / best / 1e9}
    try:
        from emergence.fields.engines.kernels import scale_

        arr = W.numpy()
        scale_(arr, np.float32(1.0))
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            scale_(arr, np.float32(1.0000001))
            times.append(time.perf_counter() - t)
        result["numba_scale_GBps"] = 2 * W.numel() * 4 / min(times) / 1e9
    except ImportError:
        pass
    del W
    result["GBps"] = max(result.values())
    return result


# -- the plain reference step, written the obvious way ------------------------------------------------
class Reference:
    """The model's step as a plain PyTorch program would write it: new tensors for every term of
    Oja's rule, ``randn_like(W)`` for the weight noise. Same sizes and arithmetic per step as the
    engine (fields, energy, four Oja rules, noise on the recurrent matrices); every agent learns."""

    def __init__(self, config, population: int, seed: int = 0):
        c = self.c = config
        P = self.P = population
        g = torch.Generator().manual_seed(seed)
        self.g = g
        n_in, n, e = c.n_input, c.n_main, c.n_emo
        self.W_in = torch.randn(P, n, n_in, generator=g) / math.sqrt(n_in)
        self.W_rec = torch.randn(P, n, n, generator=g) * (c.recurrent_gain / math.sqrt(n))
        self.W_me = torch.randn(P, e, n, generator=g) / math.sqrt(n)
        self.W_re = torch.randn(P, e, e, generator=g) / math.sqrt(e)
        self.b_m, self.b_e = torch.randn(P, n, generator=g) * 0.1, torch.randn(P, e, generator=g) * 0.1
        self.v_s, self.v_m, self.v_e = torch.zeros(P, n_in), torch.zeros(P, n), torch.zeros(P, e)
        self.s, self.m, self.e = torch.zeros(P, n_in), torch.zeros(P, n), torch.zeros(P, e)
        self.energy = torch.ones(P)
        self.code = torch.randn(n_in, generator=g)
        self.code /= self.code.norm()
        self.t = 0

    @staticmethod
    def oja(W, pre, post, eta):
        x = pre / pre.norm(dim=1, keepdim=True)
        y = post / post.norm(dim=1, keepdim=True) * math.sqrt(post.shape[1])
        return W + eta * (y[:, :, None] * x[:, None, :] - (y**2)[:, :, None] * W)

    def step(self):
        c, g = self.c, self.g
        noise = lambda like, sd: torch.randn(like.shape, generator=g) * sd * (1 + like.abs())  # noqa: E731
        self.v_s = self.v_s + c.dt / c.tau_sensory * (-self.v_s + self.code + noise(self.s, c.sensory_noise))
        s = torch.tanh(self.v_s)
        m_prev = self.m
        drive = (self.W_in @ s[..., None])[..., 0] + (self.W_rec @ m_prev[..., None])[..., 0] + self.b_m
        self.v_m = self.v_m + c.dt / c.tau_main * (-self.v_m + drive + noise(m_prev, c.main_noise))
        m = torch.tanh(self.v_m)
        e_prev = self.e
        drive = (self.W_me @ m[..., None])[..., 0] + (self.W_re @ e_prev[..., None])[..., 0] + self.b_e
        self.v_e = self.v_e + c.dt / c.tau_emo * (-self.v_e + drive + noise(e_prev, c.emo_noise))
        e = torch.tanh(self.v_e)
        self.energy = (
            self.energy
            + c.energy_homeostasis * (c.energy_setpoint - self.energy)
            - c.energy_cost * m.norm(dim=1) / math.sqrt(c.n_main)
        ).clamp(0, 1)
        self.W_in = self.oja(self.W_in, s, m, c.eta_in_main)
        self.W_me = self.oja(self.W_me, m, e, c.eta_main_emo)
        self.W_rec = self.oja(self.W_rec, m_prev, m, c.eta_rec_main)
        self.W_re = self.oja(self.W_re, e_prev, e, c.eta_rec_emo)
        if self.t % c.weight_noise_every == 0:
            sd = c.weight_noise * math.sqrt(c.weight_noise_every)
            self.W_rec = self.W_rec + sd * torch.randn_like(self.W_rec)
            self.W_re = self.W_re + sd * torch.randn_like(self.W_re)
        self.s, self.m, self.e = s, m, e
        self.t += 1


# -- measurements ------------------------------------------------------------------------------------
def time_steps(step, steps: int, repeats: int) -> float:
    """Best mean seconds per call of ``step`` over ``repeats`` runs of ``steps`` calls."""
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - t) / steps)
    return best


def weight_bytes(config) -> int:
    c = config
    return 4 * (c.n_main * c.n_main + c.n_main * c.n_input + c.n_emo * c.n_main + c.n_emo * c.n_emo)


def _scale_seconds(buffer: torch.Tensor) -> float:
    """Seconds for one in-place scale of ``buffer``: the better of torch and numba, measured now."""
    from emergence.fields.engines.kernels import scale_

    t = time.perf_counter()
    buffer.mul_(1.0)
    best = time.perf_counter() - t
    t = time.perf_counter()
    scale_(buffer.numpy(), np.float32(1.0))
    return min(best, time.perf_counter() - t)


def measure_peak(n: int, P: int, every: int, engine: str = "fast") -> dict:
    """Peak resident memory of a population that steps, in a fresh process (so that memory freed by
    earlier measurements cannot hide an allocation): above the process before the population was built."""
    import subprocess

    command = [sys.executable, str(Path(__file__).resolve()), "--peak-of", str(n), str(P), str(every), engine]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _peak_of(n: int, P: int, every: int, engine: str) -> dict:
    warm_up()
    config = preset("paper", n_main=n, weight_noise_every=every, engine=engine)
    base = reset_peak()
    agent = ContinuousEmergeBase(config, list(range(P)), list(range(100, 100 + P)))
    agent.run(1)
    built = peak_since(base)
    reset_peak()  # from here: the high-water mark of stepping alone
    agent.run(2 * every + 2)  # noise on every row at least once
    return dict(peak=peak_since(base), with_construction=max(built, peak_since(base)))


def measure_engine(n: int, P: int, every: int, repeats: int, engine: str = "fast") -> dict:
    """The engine's step, each repetition right after an in-place scale of a 400 MB tensor (the
    bandwidth of that moment: on a shared machine it drifts); the floor is scaled to 2 x 4 x P n_main^2 B."""
    config = preset("paper", n_main=n, weight_noise_every=every, engine=engine)
    agent = ContinuousEmergeBase(config, list(range(P)), list(range(100, 100 + P)))
    agent.run(every + 1)
    steps = max(every, 10 if n <= 5000 else 5) if every > 1 else (10 if n <= 5000 else 4)
    buffer = torch.ones(10_000, 10_000)
    _scale_seconds(buffer)
    learning, seconds, ratios = [], [], []
    for _ in range(repeats):
        floor = _scale_seconds(buffer) * P * n * n / buffer.numel()
        t = time.perf_counter()
        for _ in range(steps):
            agent.step()
            learning.append(float(agent.learning.float().mean()))
        seconds.append((time.perf_counter() - t) / steps)
        ratios.append(seconds[-1] / floor)
    del agent, buffer
    gc.collect()
    peak = measure_peak(n, P, every, engine)
    return dict(
        ms_per_agent_step=1e3 * min(seconds) / P,
        x_floor=float(np.median(ratios)),
        x_floor_best=float(min(ratios)),
        learning=float(np.mean(learning)),
        peak_bytes_per_agent=peak["peak"] / P,
        peak_with_construction_per_agent=peak["with_construction"] / P,
        engine=config.engine,
    )


def measure_reference(n: int, P: int, every: int, repeats: int) -> dict:
    config = preset("paper", n_main=n, weight_noise_every=every)
    base = reset_peak()
    ref = Reference(config, P)
    ref.step()
    ref.step()
    steps = every if every > 1 and n < 10_000 else 2
    if every > 1 and n >= 10_000:
        # At 10k one noise step and one plain step, weighted 1 : every-1 (saves a minute of noise steps).
        ref.t = 0
        noisy = time_steps(ref.step, 1, 1)
        ref.t = 1
        quiet = time_steps(ref.step, 1, max(1, repeats - 1))
        seconds = (noisy + (every - 1) * quiet) / every
    else:
        ref.t = 0
        seconds = time_steps(ref.step, steps, max(1, repeats - 1))
    peak = peak_since(base)
    del ref
    gc.collect()
    return dict(ms_per_agent_step=1e3 * seconds / P, peak_bytes_per_agent=peak / P)


def small_preset_rate(P: int, engine: str, seconds: float = 2.0) -> float:
    agent = ContinuousEmergeBase(preset("small", engine=engine), list(range(P)), list(range(50, 50 + P)))
    agent.run(20)
    steps, t = 0, time.perf_counter()
    while time.perf_counter() - t < seconds:
        agent.run(50)
        steps += 50
    return steps / (time.perf_counter() - t)


def warm_up() -> None:
    """Compile the kernels (or load them from numba's cache) outside the timings."""
    for every in (1, 10):
        ContinuousEmergeBase(preset("paper", n_main=64, n_emo=8, weight_noise_every=every), [0], [1]).run(2)


# -- the GPU -----------------------------------------------------------------------------------------
SWEEP_AGENT_STEPS = 2 * 100 * 50_000  # the paper's sweep: 100 pairs of twins x 50,000 steps


def _cuda_seconds(step, steps: int, repeats: int) -> float:
    """Best mean seconds per call of ``step`` on the GPU (synchronised before and after)."""
    best = math.inf
    for _ in range(repeats):
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - t) / steps)
    return best


def gpu_bandwidth(repeats: int) -> float:
    """GB/s of an in-place scale of a 400 MB fp32 tensor on the GPU (bytes read + written)."""
    W = torch.full((10_000, 10_000), 1.0, device="cuda")
    W.mul_(1.0)
    seconds = _cuda_seconds(lambda: W.mul_(1.0000001), 10, repeats)
    return 2 * 4 * 10_000**2 / seconds / 1e9


def measure_gpu(n: int, P: int, every: int, engine: str, repeats: int, bandwidth_GBps: float) -> dict:
    config = preset("paper", n_main=n, weight_noise_every=every, engine=engine)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    agent = ContinuousEmergeBase(config, list(range(P)), list(range(100, 100 + P)), device="cuda")
    agent.run(every + 1)  # compiles the kernel; noise on every row once
    seconds = _cuda_seconds(agent.step, max(every, 10), repeats)
    peak = torch.cuda.max_memory_allocated() / (P * weight_bytes(config))
    ms = 1e3 * seconds / P
    floor_ms = 1e3 * 2 * 4 * n * n / (bandwidth_GBps * 1e9)
    del agent
    return dict(
        engine=engine,
        n_main=n,
        population=P,
        noise=every,
        ms_per_agent_step=ms,
        bandwidth_fraction=floor_ms / ms,
        peak_over_weights=peak,
        sweep_hours=ms * SWEEP_AGENT_STEPS / 3.6e6,
    )


def gpu_report(repeats: int) -> list[dict]:
    """The GPU part: bandwidth, then the plain and the fast engine at n_main 10,000."""
    n = 10_000
    bw = gpu_bandwidth(repeats)
    free, _ = torch.cuda.mem_get_info()
    fits = max(1, int(0.8 * free / weight_bytes(preset("paper", n_main=n))))
    print(f"GPU: {torch.cuda.get_device_name()}, bandwidth (in-place scale of 400 MB, read + write) {bw:.0f} GB/s")
    header = (
        f"{'engine':>6} {'n_main':>7} {'P':>3} {'noise':>9} {'ms/agent-step':>14} {'of bandwidth':>13} "
        f"{'peak/weights':>13} {'paper sweep':>12}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for engine in ("plain", "fast"):
        for P in sorted({1, min(32, fits)}):
            for mode, every in MODES.items():
                row = measure_gpu(n, P, every, engine, repeats, bw)
                rows.append(row)
                print(
                    f"{engine:>6} {n:>7} {P:>3} {mode:>9} {row['ms_per_agent_step']:>14.3f} "
                    f"{100 * row['bandwidth_fraction']:>12.0f}% {row['peak_over_weights']:>13.3f} "
                    f"{row['sweep_hours']:>10.1f} h",
                    flush=True,
                )
    print(
        f"of bandwidth: the floor 2 x 4 x n_main^2 B / bandwidth over the time per agent-step; paper sweep: "
        f"{SWEEP_AGENT_STEPS:,} agent-steps (100 pairs x 50,000 steps) at that rate, one GPU."
    )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n_main 2,000 only, fewer repetitions")
    parser.add_argument("--sizes", type=int, nargs="*", help="n_main values (default 2000 5000 10000)")
    parser.add_argument("--population", type=int, default=4, help="the larger population (default 4; 2 at 10k)")
    parser.add_argument("--no-reference", action="store_true", help="skip the plain reference step")
    parser.add_argument("--gpu-only", action="store_true", help="only the GPU part (needs CUDA)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--peak-of", nargs=4, help=argparse.SUPPRESS)  # internal: one peak, in a fresh process
    args = parser.parse_args(argv)
    if args.peak_of:
        n, P, every, engine = args.peak_of
        print(json.dumps(_peak_of(int(n), int(P), int(every), engine)))
        return 0
    torch.set_num_threads(os.cpu_count() or 1)
    if args.gpu_only:
        if not torch.cuda.is_available():
            parser.error("--gpu-only: CUDA is not available here")
        gpu = gpu_report(2 if args.quick else 3)
        if args.json:
            args.json.write_text(json.dumps(dict(gpu=gpu), indent=2))
        return 0
    sizes = args.sizes or ([2000] if args.quick else [2000, 5000, 10_000])
    repeats = 2 if args.quick else 3

    import numba

    warm_up()
    bw = bandwidth(3 if args.quick else 6)
    info = dict(
        machine=platform.processor() or platform.machine(),
        cores=os.cpu_count(),
        torch=torch.__version__,
        torch_threads=torch.get_num_threads(),
        numba=numba.__version__,
        numba_threads=numba.get_num_threads(),
        numba_layer=numba.threading_layer(),
        bandwidth=bw,
    )
    print(
        f"machine: {info['cores']} cores, torch {info['torch']} ({info['torch_threads']} threads), "
        f"numba {info['numba']} ({info['numba_threads']} threads, {info['numba_layer']} layer)"
    )
    print(
        "memory bandwidth (in-place scale of 400 MB, read + write): "
        + ", ".join(f"{k[:-5]} {v:.1f} GB/s" for k, v in bw.items() if k != "GBps")
        + f"; floor uses {bw['GBps']:.1f} GB/s"
    )
    print()
    header = (
        f"{'n_main':>7} {'P':>3} {'noise':>9} {'ms/agent-step':>14} {'x floor':>8} {'floor %':>8} "
        f"{'ref ms':>9} {'speed-up':>9} {'vs exact':>9} {'peak/agent':>11} {'x weights':>10} {'+ fixed':>8} "
        f"{'learning':>9}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    single = {}  # (n, mode) -> the reference at P = 1, for populations too large to run it
    for n in sizes:
        floor_ms = 1e3 * 2 * 4 * n * n / (bw["GBps"] * 1e9)  # from the run's first measurement; rows use their own
        populations = [1, min(args.population, 2) if n >= 10_000 else args.population]
        for P in populations:
            for mode, every in MODES.items():
                fast = measure_engine(n, P, every, repeats)
                ref = None
                if not args.no_reference and (P == 1 or n < 10_000):
                    ref = measure_reference(n, P, every, repeats)
                row = dict(
                    n_main=n,
                    population=P,
                    noise=mode,
                    weight_noise_every=every,
                    floor_ms=floor_ms,
                    fast=fast,
                    reference=ref,
                    weights_bytes=weight_bytes(preset("paper", n_main=n)),
                )
                rows.append(row)
                ms = fast["ms_per_agent_step"]
                if ref and P == 1:
                    single[n, mode] = ref
                ref_ms = (ref or single.get((n, mode), {})).get("ms_per_agent_step", float("nan"))
                exact_ms = single.get((n, "exact"), {}).get("ms_per_agent_step", float("nan"))
                peak = fast["peak_bytes_per_agent"]
                fixed = (peak - row["weights_bytes"]) * P  # the population's memory beyond its weights
                row["fixed_overhead_bytes"] = fixed
                print(
                    f"{n:>7} {P:>3} {mode:>9} {ms:>14.2f} {fast['x_floor']:>8.2f} {100 / fast['x_floor']:>7.0f}% "
                    f"{ref_ms:>9.1f} {ref_ms / ms:>8.0f}x {exact_ms / ms:>8.0f}x {peak / 2**20:>9.0f}MB "
                    f"{peak / row['weights_bytes']:>10.3f} {fixed / 2**20:>6.0f}MB {fast['learning']:>9.2f}",
                    flush=True,
                )
    print()
    print("x floor: time per agent-step over the floor 2 x 4 x n_main^2 B / bandwidth, the bandwidth measured by an")
    print("in-place scale of 400 MB just before each repetition (median); floor %: its inverse.")
    print("speed-up: over the reference step in the same noise mode; vs exact: over the reference with exact")
    print("noise (randn_like(W) every step: 'the plain step' of issue 5).")
    print("peak/agent: resident-set high-water mark while the population steps (in a fresh process, above the")
    print("process before the population was built), per agent; x weights: over the")
    print("agent's fp32 weights; + fixed: the population's peak beyond all its weights (buffers, state, runtime).")
    print("ref ms: the plain PyTorch reference step, ms per agent-step (same noise mode; at 10k its P = 1 figure")
    print("stands for larger populations, whose temporaries would not fit beside other work); its peak memory per")
    print(
        "agent: "
        + ", ".join(
            f"{r['n_main']}/P{r['population']}/{r['noise']}: {r['reference']['peak_bytes_per_agent'] / r['weights_bytes']:.1f}x weights"
            for r in rows
            if r["reference"]
        )
    )
    print()
    small = {}
    for engine in ("fast", "plain"):
        for P in (1, 8):
            small[f"{engine}/P{P}"] = rate = small_preset_rate(P, engine, 1.0 if args.quick else 2.0)
            print(
                f"small preset (n_main 500, weight noise every 10), engine {engine:>5}, P={P}: "
                f"{rate:8.0f} steps/s = {rate * P:8.0f} agent-steps/s ({1e6 / (rate * P):6.0f} us per agent-step)"
            )
    gpu = None
    if torch.cuda.is_available():
        print()
        gpu = gpu_report(repeats)
    if args.json:
        args.json.write_text(json.dumps(dict(info=info, rows=rows, small_preset_steps_per_s=small, gpu=gpu), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
