"""Benchmark of the executors: a 16-run ``small`` sweep grown by one local worker (in this process, with
2 threads and with 1), two local worker processes of one thread each, and the same two workers as Ray
tasks on a local Ray instance; then the projected time of the paper's sweep on N machines.

    python benchmarks/executors.py                   # 16 runs of the small preset, each way once
    python benchmarks/executors.py --runs 8 --pair-minutes 30

Each way is the whole command (``emergence protocol twins``, started fresh: imports, Ray's start, the
analysis), timed once, so the figures include every fixed cost a user pays; the three folders are then
checked to hold the same bits. Speed-ups are against one worker with 2 threads (this machine's default)
and with 1 (the same per-worker threads as the two workers). On a machine with other work the figures are upper bounds: say which
machine, and re-run. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emergence.results import ResultsFolder  # noqa: E402

PAPER_PAIRS = 100


def grow(out: Path, runs: int, executor: str, workers: int, threads: int) -> float:
    """Seconds of the whole command."""
    command = [
        "emergence",
        "protocol",
        "twins",
        "--preset",
        "small",
        "--runs",
        str(runs),
        "--out",
        str(out),
        "--executor",
        executor,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def projected(pair_minutes: float, machines: int, workers_per_machine: int) -> str:
    waves = -(-PAPER_PAIRS // (machines * workers_per_machine))
    hours = waves * pair_minutes / 60
    return f"{hours:,.1f} h"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument(
        "--pair-minutes",
        type=float,
        default=30.0,
        help="minutes one worker takes for one paper pair (50,000 steps at 10,000 neurons)",
    )
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    print(f"machine: {platform.processor() or platform.machine()}, {cores} cores; small preset, {args.runs} runs")
    ways = [
        ("local, 1 worker x 2 threads (this process)", "local", 1, 2),
        ("local, 1 worker x 1 thread (this process)", "local", 1, 1),
        ("local, 2 workers x 1 thread", "local", 2, 1),
        ("ray (local instance), 2 tasks x 1 CPU", "ray", 2, 1),
    ]
    with tempfile.TemporaryDirectory() as root:
        seconds, folders = {}, {}
        for name, executor, workers, threads in ways:
            folders[name] = Path(root) / f"{executor}-{workers}x{threads}"
            seconds[name] = grow(folders[name], args.runs, executor, workers, threads)
        first = next(iter(folders.values()))
        first = ResultsFolder(first)
        same = all(
            ResultsFolder(f).read_steps().equals(first.read_steps())
            and ResultsFolder(f).read_snapshots().equals(first.read_snapshots())
            for f in folders.values()
        )
    base, single, two, on_ray = (seconds[way[0]] for way in ways)
    print(f"{'way':46} {'seconds':>8} {'vs 1x2':>7} {'vs 1x1':>7}")
    for name, value in seconds.items():
        print(f"{name:46} {value:8.1f} {base / value:6.2f}x {single / value:6.2f}x")
    print(f"the same bits in all {len(folders)} folders: {same}")
    print(
        f"Ray's overhead over the local pool with the same workers: {on_ray - two:+.1f} s "
        f"({on_ray / two:.2f}x): its start and a fresh worker per task"
    )
    print(f"\nthe paper sweep ({PAPER_PAIRS} pairs) at {args.pair_minutes:g} min per pair and worker:")
    for machines in (1, 4, 16, 64):
        per = max(1, cores // 2)
        print(
            f"  {machines:3d} machine(s) like this one ({per} worker(s) each): {projected(args.pair_minutes, machines, per)}"
            f"   | with 8 workers each: {projected(args.pair_minutes, machines, 8)}"
        )
    print(
        "(waves of pairs: a machine's workers each grow one pair at a time at the given pace, which assumes "
        "workers sharing a machine do not slow each other; they share its memory bandwidth, so they will. "
        "A pair's data and checkpoint travel through the shared folder: about 11 MB and 0.8 GB)"
    )


if __name__ == "__main__":
    main()
