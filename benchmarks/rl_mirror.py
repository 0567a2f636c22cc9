"""The positive control of the rl substrate's geometry (docs/rl.md): do value learners collapse mirror pairs?

    python benchmarks/rl_mirror.py --out results/rl-mirror            # grow (resumes), then measure
    python benchmarks/rl_mirror.py --out results/rl-mirror --score    # measure what has grown

Each setting is one Twins sweep on the symmetric layout, twin A ``td`` and twin B ``reinforce`` from one
init with their own noise (``emergence protocol twins --substrate rl --a td --b reinforce --set
layout=symmetric``), so it resumes, and ``--threads``, ``--workers``, ``--executor`` pass through. Every
agent is restored from its chunk's last checkpoint and rebuilt at birth from its seeds, and read by
``plugins/rl/geometry.py``: the mirror ratio of its trunk and of its emotion field, its exact expected
return, and how far its trunk moved. Writes ``docs/data/rl_mirror.csv``, ``docs/figures/rl_mirror.png``
and the comparison in Markdown on stdout. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from emergence.analysis.within import paired  # noqa: E402
from emergence.cli import main as emergence  # noqa: E402
from emergence.host import build_agent  # noqa: E402
from emergence.results import ResultsFolder  # noqa: E402
from emergence.results.checkpoint import load_checkpoint, restore  # noqa: E402
from emergence_plugins.rl.evaluate import start_values  # noqa: E402
from emergence_plugins.rl.geometry import agent_geometry  # noqa: E402
from protocols.twins.settings import TwinsConfig  # noqa: E402

HERE = Path(__file__).resolve().parent
# Per setting: twin A's and twin B's learner. "trunk-x10": both trunks step at 20 instead of 2.0.
SETTINGS = {"default": ("td", "reinforce"), "trunk-x10": ("td:trunk_rate=40", "reinforce:trunk_rate=2.5")}
LEARNERS = ("td", "reinforce")
READOUTS = ("trunk_mirror_ratio", "emotion_mirror_ratio")
COLUMNS = (
    "setting",
    "run",
    "learner",
    "step",
    "expected_return",
    "trunk_mirror_ratio",
    "emotion_mirror_ratio",
    "trunk_value_rho",
    "emotion_value_rho",
    "trunk_moved",
)


def grow(setting: str, out: Path, runs: int, steps: int, passthrough: list[str]) -> None:
    a, b = SETTINGS[setting]
    code = emergence(
        [
            "protocol",
            "twins",
            "--substrate",
            "rl",
            "--a",
            a,
            "--b",
            b,
            "--set",
            "layout=symmetric",
            "--runs",
            str(runs),
            "--steps",
            str(steps),
            "--checkpoint-every",
            str(steps // 20),
            "--snapshot-every",
            str(steps // 20),
            "--out",
            str(out / setting),
            *passthrough,
        ]
    )
    if code:
        raise SystemExit(code)


def last_checkpoints(folder: Path) -> list[Path]:
    """Each chunk's newest committed checkpoint directory."""
    return [found[0][1] for found in (chunk.committed() for chunk in ResultsFolder(folder).chunks()) if found]


def agent_rows(agent, birth, setting: str, learner: str, runs: list[int]) -> list[dict]:
    """One row per agent of ``agent`` (restored) and of ``birth`` (the same agents at step 0)."""
    rows = []
    for population in (birth, agent):
        returns = start_values(population)
        moved = ((population.W_in - birth.W_in).flatten(1).norm(dim=1) / birth.W_in.flatten(1).norm(dim=1)).tolist()
        for k, geometry in enumerate(agent_geometry(population)):
            rows.append(
                dict(
                    setting=setting,
                    run=runs[k],
                    learner=learner,
                    step=population.step_index,
                    expected_return=float(returns[k]),
                    trunk_moved=moved[k],
                    **{c: geometry[c] for c in COLUMNS if c in geometry},
                )
            )
    return rows


def measure(setting: str, folder: Path) -> list[dict]:
    """Every agent of a grown sweep at birth and at its last checkpoint."""
    config = TwinsConfig.from_dict(ResultsFolder(folder).manifest()["config"])
    rows = []
    for last in last_checkpoints(folder):
        for twin, scaffolds, learner in (("A", config.a, LEARNERS[0]), ("B", config.b, LEARNERS[1])):
            path = last / f"{twin}.safetensors"
            _, _, state, extra = load_checkpoint(path)
            birth, agent = (
                build_agent(config.agent, state["init_seeds"], state["noise_seeds"], scaffolds=scaffolds)
                for _ in range(2)
            )
            restore(path, agent)
            rows += agent_rows(agent, birth, setting, learner, extra["runs"])
    return rows


def _by_run(rows: list[dict], learner: str, step: int, column: str) -> dict[int, float]:
    return {r["run"]: r[column] for r in rows if r["learner"] == learner and r["step"] == step}


def compare(rows: list[dict]) -> list[dict]:
    """Per setting and readout: each learner's mean, SE and n at birth and at the end, and td - reinforce
    at the end paired by run (the two share their init): sign-flip permutation and Wilcoxon p."""
    out = []
    for setting in dict.fromkeys(r["setting"] for r in rows):
        mine = [r for r in rows if r["setting"] == setting]
        end = max(r["step"] for r in mine)
        for readout in ("expected_return", *READOUTS):
            row = dict(setting=setting, readout=readout, step=end)
            birth = np.array(list(_by_run(mine, LEARNERS[0], 0, readout).values()))
            row.update(birth=float(birth.mean()), birth_se=float(birth.std(ddof=1) / math.sqrt(birth.size)))
            ends = {learner: _by_run(mine, learner, end, readout) for learner in LEARNERS}
            for learner, values in ends.items():
                v = np.array(list(values.values()))
                row.update(
                    {
                        learner: float(v.mean()),
                        f"{learner}_se": float(v.std(ddof=1) / math.sqrt(v.size)),
                        f"{learner}_n": int(v.size),
                    }
                )
            runs = sorted(set(ends["td"]) & set(ends["reinforce"]))
            td, pg = (np.array([ends[learner][r] for r in runs]) for learner in LEARNERS)
            test = paired(pg, td)
            row.update(
                difference=test["difference"],
                ci_low=test["ci_low"],
                ci_high=test["ci_high"],
                p_permutation=test["p_value"],
                p_wilcoxon=test["p_wilcoxon"],
                n_pairs=len(runs),
            )
            out.append(row)
    return out


def markdown(table: list[dict]) -> str:
    """The comparison as a Markdown table: mean ± SE per learner, td - reinforce with its 95% CI and p."""
    lines = [
        "| setting | readout | birth | td | reinforce | td − reinforce (95% CI) | p perm | p Wilcoxon | pairs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in table:
        ci = f"[{t['ci_low']:+.3f}, {t['ci_high']:+.3f}]" if math.isfinite(t["ci_low"]) else ""
        lines.append(
            f"| {t['setting']} | {t['readout']} | {t['birth']:.3f} ± {t['birth_se']:.3f} | "
            f"{t['td']:.3f} ± {t['td_se']:.3f} | {t['reinforce']:.3f} ± {t['reinforce_se']:.3f} | "
            f"{t['difference']:+.3f} {ci} | {t['p_permutation']:.2g} | {t['p_wilcoxon']:.2g} | "
            f"{t['n_pairs']} |"
        )
    return "\n".join(lines)


def figure(rows: list[dict], path: Path) -> None:
    """Per setting and readout: each run's mirror ratio at birth and at the end, td and reinforce
    joined by run, means in black; the dotted line is a code blind to the mirror (1)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = list(dict.fromkeys(r["setting"] for r in rows))
    fig, axes = plt.subplots(1, 2 * len(settings), figsize=(4.2 * 2 * len(settings), 4.2), squeeze=False)
    for i, setting in enumerate(settings):
        mine = [r for r in rows if r["setting"] == setting]
        end = max(r["step"] for r in mine)
        for j, readout in enumerate(READOUTS):
            ax = axes[0, 2 * i + j]
            columns = [("birth", _by_run(mine, LEARNERS[0], 0, readout))] + [
                (learner, _by_run(mine, learner, end, readout)) for learner in LEARNERS
            ]
            for run in columns[0][1]:
                ax.plot(range(3), [c[1].get(run, np.nan) for c in columns], color="grey", lw=0.6, alpha=0.6)
            for x, (label, values) in enumerate(columns):
                v = np.array(list(values.values()))
                ax.scatter(np.full(v.size, x), v, s=14, color=("grey", "tab:blue", "tab:orange")[x], zorder=3)
                ax.plot([x - 0.2, x + 0.2], [v.mean()] * 2, color="black", lw=2, zorder=4)
            ax.axhline(1.0, color="grey", ls=":", lw=0.8)
            ax.set_xticks(range(3), ["birth", f"td\n{end:,} steps", f"reinforce\n{end:,} steps"])
            ax.set_title(f"{setting}: {readout.split('_')[0]}", fontsize=9)
    axes[0, 0].set_ylabel("mirror ratio (mirror pairs / others at the same distance)")
    fig.suptitle("Mirror invariance on the symmetric layout: a value learner should fall below 1, a policy learner not")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/rl-mirror"), help="[results/rl-mirror]")
    parser.add_argument("--settings", nargs="+", choices=sorted(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--score", action="store_true", help="only measure what has grown")
    parser.add_argument("--csv", type=Path, default=HERE.parent / "docs/data/rl_mirror.csv")
    parser.add_argument("--figure", type=Path, default=HERE.parent / "docs/figures/rl_mirror.png")
    args, passthrough = parser.parse_known_args(argv)
    if not args.score:
        for setting in args.settings:
            grow(setting, args.out, args.runs, args.steps, passthrough)
    rows = [
        row
        for setting in args.settings
        if ResultsFolder(args.out / setting).manifest_path.exists()
        for row in measure(setting, args.out / setting)
    ]
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    with open(args.csv, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    figure(rows, args.figure)
    print(markdown(compare(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
