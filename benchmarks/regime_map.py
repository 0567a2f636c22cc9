"""Map the dynamical regime of the field model: per-window diagnostics of a twin pair (docs/regime.md).

    python benchmarks/regime_map.py --n-main 500 1000 --steps 3000 --window 500 \
        --set oja_post=unit --grid "weight_noise=1e-3,3e-3" --out /tmp/map.csv

Each configuration = preset (default ``paper``) + ``--set`` overrides + one point of the ``--grid``
product, at each ``--n-main``. A value is a Python expression in ``n`` (n_main) and ``math``, e.g.
``--set "weight_noise=2e-3*(500/n)**0.5"``; anything that does not evaluate is taken as a string.
Two agents with the same initial weights and their own noise seeds (twins, same init) are stepped together;
per window it records, averaged over the two agents unless named:

    abs_a      mean |a_main| over neurons and steps (1 = every neuron at +-1)
    sat        fraction of neurons with |a_main| > 0.99
    norm_frac  |a_main| / sqrt(n_main) (MODEL.md 11's "activity norm / sqrt(n)")
    emo_sd     SD of the emotion scalar (mean of the emotion field) within the window, min over agents
    emo_abs    mean |a_emo|
    awake      fraction of awake steps;  learn: fraction of learning steps (awake and energy > 0.3)
    act_r      Pearson r of the two agents' activity series (NaN if a series is constant)
    emo_r      Pearson r of the two agents' emotion scalars
    row_norm   RMS row norm of W_rec_main (agent 0) at the window's end (initial: recurrent_gain)
    gain_eff   rms(W_rec_main a) / rms(a) at the window's end (agent 0): ~ row_norm for a random matrix,
               up to ~ sqrt(n_main) * row_norm when the rows align with the activity pattern
    align      gain_eff / row_norm (1 = as random; > 1 = rows aligned with the current activity)
    emo_gain   rms(W_main_emo a_main) / rms(a_main) at the window's end (agent 0), the same for the emotion drive

Not part of the test suite. Keep CPU threads at one (NUMBA_NUM_THREADS=1 is set here before numba loads).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import emergence  # noqa: E402
from emergence.fields.agent import ContinuousEmergeBase  # noqa: E402
from emergence import preset  # noqa: E402

COLUMNS = (
    "label",
    "n_main",
    "window",
    "start",
    "abs_a",
    "sat",
    "norm_frac",
    "emo_sd",
    "emo_abs",
    "awake",
    "learn",
    "act_r",
    "emo_r",
    "row_norm",
    "gain_eff",
    "align",
    "emo_gain",
    "ms_per_step",
)


def parse_value(text: str, n: int):
    try:
        return eval(text, {"__builtins__": {}, "math": math, "n": n, "sqrt": math.sqrt})  # noqa: S307
    except Exception:
        return text


def parse_assignments(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"expected field=value, got {item!r}")
        out.append((key.strip(), value.strip()))
    return out


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    if x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def run(name: str, n: int, overrides: dict, steps: int, window: int, seeds: tuple[int, int, int], label: str):
    cfg = preset(name, n_main=n, **overrides)
    agent = ContinuousEmergeBase(cfg, [seeds[0], seeds[0]], [seeds[1], seeds[2]])
    rows = []
    for w in range(steps // window):
        act, emo, abs_a, sat, emo_abs, awake, learn = (np.zeros((window, 2)) for _ in range(7))
        t0 = time.perf_counter()
        for t in range(window):
            learn[t] = agent.learning.numpy()
            agent.step()
            a = agent.main
            act[t] = agent.activity.numpy()
            emo[t] = agent.emotion.mean(dim=1).numpy()
            abs_a[t] = a.abs().mean(dim=1).numpy()
            sat[t] = (a.abs() > 0.99).float().mean(dim=1).numpy()
            emo_abs[t] = agent.emotion.abs().mean(dim=1).numpy()
            awake[t] = agent.awake.numpy()
        ms = 1e3 * (time.perf_counter() - t0) / window
        with torch.no_grad():
            W, a = agent.W_rec_main[0], agent.main[0]
            row_norm = float(W.norm(dim=1).pow(2).mean().sqrt())
            rms_a = float(a.pow(2).mean().sqrt()) or float("nan")
            gain_eff = float((W @ a).pow(2).mean().sqrt()) / rms_a
            emo_gain = float((agent.W_main_emo[0] @ a).pow(2).mean().sqrt()) / rms_a
        rows.append(
            dict(
                label=label,
                n_main=n,
                window=w,
                start=w * window,
                abs_a=abs_a.mean(),
                sat=sat.mean(),
                norm_frac=act.mean() / math.sqrt(n),
                emo_sd=emo.std(axis=0).min(),
                emo_abs=emo_abs.mean(),
                awake=awake.mean(),
                learn=learn.mean(),
                act_r=pearson(act[:, 0], act[:, 1]),
                emo_r=pearson(emo[:, 0], emo[:, 1]),
                row_norm=row_norm,
                gain_eff=gain_eff,
                align=gain_eff / row_norm,
                emo_gain=emo_gain,
                ms_per_step=ms,
            )
        )
        print_row(rows[-1])
    return rows


def fmt(v) -> str:
    if isinstance(v, float):
        return "nan" if math.isnan(v) else (f"{v:.2e}" if v != 0 and abs(v) < 1e-2 else f"{v:.3f}")
    return str(v)


SHOWN = (
    "n_main",
    "start",
    "abs_a",
    "sat",
    "emo_sd",
    "awake",
    "act_r",
    "emo_r",
    "row_norm",
    "align",
    "emo_gain",
    "ms_per_step",
)


def print_row(row: dict) -> None:
    print(" ".join(f"{k.split('_')[0]}={fmt(row[k])}" for k in SHOWN), flush=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", default="paper")
    p.add_argument("--n-main", type=int, nargs="+", default=[500])
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--window", type=int, default=500)
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="override for every run")
    p.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2", help="one axis of the grid")
    p.add_argument("--seeds", type=int, nargs=3, default=[1, 2, 3], metavar=("INIT", "NOISE_A", "NOISE_B"))
    p.add_argument("--label", default="", help="prefix of each configuration's label")
    p.add_argument("--out", default="regime_map.csv", help="CSV of per-window rows (appended if it exists)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    print(f"emergence from {Path(emergence.__file__).parent}", flush=True)

    fixed = parse_assignments(args.set)
    axes = [(k, v.split(",")) for k, v in parse_assignments(args.grid)]
    out = Path(args.out)
    new = not out.exists()
    with out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        for n in args.n_main:
            for point in itertools.product(*[[(k, v) for v in vs] for k, vs in axes]):
                assigned = fixed + list(point)
                overrides = {k: parse_value(v, n) for k, v in assigned}
                label = args.label + (" ".join(f"{k}={v}" for k, v in assigned) or args.preset)
                print(f"== n_main={n} {label}  ({overrides})", flush=True)
                for row in run(args.preset, n, overrides, args.steps, args.window, tuple(args.seeds), label):
                    writer.writerow({k: fmt(v) if isinstance(v, float) else v for k, v in row.items()})
                fh.flush()


if __name__ == "__main__":
    main()
