"""A sweep from Python, as in a notebook: grow two twin pairs, then read the results as DataFrames.

Run: python examples/python_api.py [OUT]   (default OUT: results/api-example)
"""

import sys

import emergence


def main(out: str) -> None:
    # The same options as `emergence protocol twins` (here a tiny field so it takes seconds).
    sweep = emergence.twins(a="hrls", b="surge", preset="small", runs=2, steps=500, n_main=100, n_emo=16, out=out)
    results = sweep.run(progress=False)  # re-running resumes: finished runs are not grown again

    runs = results.runs  # one row per run and emotion metric
    print(runs[["run", "metric", "A_corr_run", "E_corr_run"]].to_string(index=False))

    steps = emergence.load(out).steps  # one row per twin and step
    print(steps.groupby("twin")[["activity", "emotion", "energy", "awake"]].mean())

    activity = results.summary.activity.across_runs
    print(f"activity coupling across runs: {activity['mean']:+.3f} (n = {activity['n']} runs)")


if __name__ == "__main__":  # worker processes import this script: only the first one grows the sweep
    main(sys.argv[1] if len(sys.argv) > 1 else "results/api-example")
