"""Grow and score the plateau screen of docs/regime.md (the variants of ``regime_screen.toml``).

    python benchmarks/regime_screen.py --out results/regime-screen            # grow (resumes), then score
    python benchmarks/regime_screen.py --out results/regime-screen --score    # score what has grown
    python benchmarks/regime_screen.py --round 2 --out results/regime-screen2  # round 2 (regime_screen2.toml)
    python benchmarks/regime_screen.py --sweep results/paper-10k                # one sweep (the 10k confirmation)
    python benchmarks/regime_screen.py --sweep results/paper-10k --windows trail:16@50 --burn-in 1000
    python benchmarks/regime_screen.py --sweep results/paper-10k --windows trail:16@50 --burn-in 1000 --confirm
    python benchmarks/regime_screen.py --sweep results/paper-10k --course 5000 --span 30000:50000
    python benchmarks/regime_screen.py --sweep A --sweep B --scale 1 --scale 4 --course 2500 --figure F.png

Growing is ``emergence study benchmarks/regime_screen.toml --preset paper --runs 16 --steps 50000``: an
ordinary study, so every variant is a resumable Twins sweep and any executor grows it (``--executor``,
``--workers``, ``--threads`` pass through). Scoring applies the pre-registered rule of docs/regime.md to
each variant's own summary and writes the table (``--csv``), a figure (``--figure``) and the table in
Markdown on stdout. ``--course`` and ``--span`` read one sweep's activity coupling over the run instead
(trail:16 every 50 steps after step 1,000, the mean per run in bins or spans of steps), and how far the
input weights' learned part drives the cortex. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import emergence as emergence_api  # noqa: E402
from emergence.analysis.fingerprint import fingerprint  # noqa: E402
from emergence.analysis.statistics import window_correlations  # noqa: E402
from emergence.analysis.summary import SweepSummary  # noqa: E402
from emergence.analysis.windows import parse_windows  # noqa: E402
from emergence.cli import main as emergence  # noqa: E402
from emergence.host import build_agent  # noqa: E402
from emergence.results.checkpoint import load_checkpoint  # noqa: E402
from emergence.results import ResultsFolder, run_arrays  # noqa: E402
from protocols.studies.design import conditions, folder_name, load_study  # noqa: E402
from protocols.twins.settings import TwinsConfig  # noqa: E402

HERE = Path(__file__).resolve().parent
# Per round: the study file and its variants' names, in the order of its axes.
ROUNDS = {
    1: ("regime_screen.toml", ("V0", "V1a", "V1b", "V2a", "V2b", "V2c", "V3a", "V3b", "V3c", "V4")),
    2: ("regime_screen2.toml", ("W1", "W2", "W3")),
    3: ("regime_screen3.toml", ("X1", "X2", "X3")),
    4: ("regime_screen4.toml", ("Y1", "Y2", "Y3")),
    5: ("regime_screen5.toml", ("Z1", "Z2", "Z3")),
    6: ("regime_screen6.toml", ("U1", "U2", "U3", "U4")),
    7: ("regime_screen7.toml", ("T1", "T2", "T3")),
    8: ("regime_screen8.toml", ("S1", "S2", "S3")),
    9: ("regime_screen9.toml", ("R1", "R2")),
    10: ("regime_screen10.toml", ("Q1", "Q2")),
}
SCORED = (
    "activity mean of run r",
    "activity run SD",
    "activity plateau, first half of run",
    "activity plateau, second half of run",
    "emotion mean of run r",
    "emotion run SD",
    "corr(A_corr_run, E_corr_run)",
)
OJA_MIN = 0.01  # W_in_main moved by at least 1 % of its birth norm (rule 3)
COLUMNS = (
    "id",
    "D",
    "eligible",
    "why_not",
    "activity",
    "activity_se",
    "activity_run_sd",
    "plateau_first",
    "plateau_second",
    "emotion",
    "emotion_run_sd",
    "corr_ae",
    "shift_p",
    "cross_pair_p",
    "saturated",
    "frozen",
    "windows",
    "mean_abs_a_last",
    "w_in_main_change",
    "w_rec_main_change",
    "nudged_a",
    "v5_activity",
    "v5_D",
    "folder",
)


def grow(study: Path, out: Path, passthrough: list[str]) -> None:
    code = emergence(
        ["study", str(study), "--preset", "paper", "--runs", "16", "--steps", "50000", "--out", str(out), *passthrough]
    )
    if code:
        raise SystemExit(code)


def _rows(print_: dict) -> dict[str, dict]:
    return {row["figure"]: row for row in print_["rows"]}


def _distance(rows: dict[str, dict]) -> float:
    values = [rows[name]["distance_se"] for name in SCORED]
    values = [v for v in values if v is not None and math.isfinite(v)]
    return math.sqrt(sum(v * v for v in values) / len(values)) if values else float("nan")


def weight_changes(folder: Path) -> tuple[float, float]:
    """Mean over agents of |W - W_birth| / |W_birth| for W_in_main and W_rec_main at the last checkpoint
    of every chunk; the birth weights are rebuilt from the seeds the checkpoint names."""
    config = TwinsConfig.from_dict(ResultsFolder(folder).manifest()["config"])
    changes = {"W_in_main": [], "W_rec_main": []}
    for last in _last_steps(folder):
        for twin in ("A", "B"):
            tensors, _, state, _ = load_checkpoint(last / f"{twin}.safetensors")
            birth = build_agent(config.agent, state["init_seeds"], state["noise_seeds"])
            for name, moved in changes.items():
                now, then = tensors[name].double(), getattr(birth, name).double()
                moved += ((now - then).flatten(1).norm(dim=1) / then.flatten(1).norm(dim=1)).tolist()
    return float(np.mean(changes["W_in_main"])), float(np.mean(changes["W_rec_main"]))


def _last_steps(folder: Path) -> list[Path]:
    return [found[0][1] for found in (chunk.committed() for chunk in ResultsFolder(folder).chunks()) if found]


def mean_abs_fingerprint(folder: Path, summary: SweepSummary) -> dict:
    """V5: the fingerprint with the activity scalar read as mean |a| (the ``main_abs`` column)."""
    sweep = summary.sweep
    windows = parse_windows(sweep.windows, sweep.window, sweep.burn_in)
    steps = ResultsFolder(folder).read_steps()
    activity = run_arrays(steps, sweep.runs, sweep.steps, "main_abs")
    emotion = run_arrays(steps, sweep.runs, sweep.steps, "emotion")
    return fingerprint(
        window_correlations(activity["A"], activity["B"], windows),
        window_correlations(emotion["A"], emotion["B"], windows),
    )


def score(variant: str, folder: Path, summary: SweepSummary | None = None) -> dict:
    """The rule applied to ``folder``'s own summary, or to ``summary`` (another reading of its runs)."""
    summary = summary or SweepSummary.from_json(ResultsFolder(folder).summary())
    metric = summary.metrics["mean"]
    print_, controls = metric.fingerprint, metric.controls["detrend"]["none"]
    rows = _rows(print_)
    regime = print_["regime"]
    shift_p = controls["surrogate"]["statistics"]["mean_activity"]["p_value"]
    cross_p = controls["cross_pair"]["statistics"]["mean_activity"]["p_value"]
    w_in, w_rec = weight_changes(folder)
    reasons = []
    if regime["saturated"] or regime["frozen"]:
        reasons.append(f"regime ({regime['saturated']} saturated, {regime['frozen']} frozen windows)")
    if not shift_p < 0.05:
        reasons.append(f"not coupled (shift null p = {shift_p:.3f})")
    if not w_in >= OJA_MIN:
        reasons.append(f"Oja inert (W_in_main moved {w_in:.3f})")
    v5 = _rows(mean_abs_fingerprint(folder, summary))
    last_abs = summary.regime["per_run"]["main_abs"]
    return dict(
        id=variant,
        D=_distance(rows),
        eligible=not reasons,
        why_not="; ".join(reasons),
        activity=rows["activity mean of run r"]["sweep"],
        activity_se=rows["activity mean of run r"]["se"],
        activity_run_sd=rows["activity run SD"]["sweep"],
        plateau_first=rows["activity plateau, first half of run"]["sweep"],
        plateau_second=rows["activity plateau, second half of run"]["sweep"],
        emotion=rows["emotion mean of run r"]["sweep"],
        emotion_run_sd=rows["emotion run SD"]["sweep"],
        corr_ae=rows["corr(A_corr_run, E_corr_run)"]["sweep"],
        shift_p=shift_p,
        cross_pair_p=cross_p,
        saturated=regime["saturated"],
        frozen=regime["frozen"],
        windows=regime["windows"],
        mean_abs_a_last=float(np.mean([run[-1] for run in last_abs])),
        w_in_main_change=w_in,
        w_rec_main_change=w_rec,
        nudged_a=summary.nudges["A"]["fraction"],
        v5_activity=v5["activity mean of run r"]["sweep"],
        v5_D=_distance(v5),
        folder=folder.name,
    )


COURSE_WINDOWS = "trail:16@50"
COURSE_BURN_IN = 1000


def course(folder: Path, spans: list[tuple[int, int]]) -> list[dict]:
    """The activity coupling of each run over each span of steps (the mean r of the trail:16 windows
    every 50 steps after step 1,000 that end inside it)."""
    manifest = ResultsFolder(folder).manifest()["config"]
    runs, length = manifest["runs"], manifest["steps"]
    activity = run_arrays(ResultsFolder(folder).read_steps(), runs, length, "activity")
    windows = parse_windows(COURSE_WINDOWS, 0, COURSE_BURN_IN)
    r = window_correlations(activity["A"], activity["B"], windows)
    ends = windows.bounds(length)[1]
    rows = []
    for lo, hi in spans:
        inside = (ends > lo) & (ends <= hi)
        if inside.any():
            per_run = np.nanmean(r[:, inside], axis=1)
            rows.append(dict(sweep=folder.name, steps_from=lo, steps_to=hi, mean=per_run.mean(), per_run=per_run))
    return rows


def course_markdown(rows: list[dict]) -> str:
    lines = ["| steps | mean over runs | per run |", "|---|---|---|"]
    for row in rows:
        per_run = " ".join(f"{v:+.3f}" for v in row["per_run"])
        lines.append(f"| {row['steps_from']:,}-{row['steps_to']:,} | {row['mean']:+.3f} | {per_run} |")
    return "\n".join(lines)


def _write_course_csv(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["sweep", "steps_from", "steps_to", "mean", *(f"run_{i}" for i in range(len(rows[0]["per_run"])))]
        )
        for row in rows:
            writer.writerow(
                [
                    row["sweep"],
                    row["steps_from"],
                    row["steps_to"],
                    f"{row['mean']:.4f}",
                    *(f"{v:.4f}" for v in row["per_run"]),
                ]
            )


def learned_parts(folder: Path) -> list[dict]:
    """At the last checkpoint, per agent: W_in_main's learned part (now minus birth) against the birth
    norm, the share of its largest singular value, its input direction against the sensory field, and the
    drive it adds to the cortex against the cortex's activity and the birth weights' drive."""
    config = TwinsConfig.from_dict(ResultsFolder(folder).manifest()["config"])
    parts = []
    for chunk, last in enumerate(_last_steps(folder)):
        for twin in ("A", "B"):
            tensors, _, state, _ = load_checkpoint(last / f"{twin}.safetensors")
            birth = build_agent(config.agent, state["init_seeds"], state["noise_seeds"]).W_in_main.double()
            now = tensors["W_in_main"].double()
            for p in range(now.shape[0]):
                learned = now[p] - birth[p]
                x = tensors["sensory"][p].double()
                x = x / x.norm()
                drive, birth_drive, a = learned @ x, birth[p] @ x, tensors["main"][p].double()
                _, sv, vh = np.linalg.svd(learned.numpy(), full_matrices=False)
                parts.append(
                    dict(
                        agent=f"chunk {chunk} pair {p} {twin}",
                        size=float(learned.norm() / birth[p].norm()),
                        top_share=float(sv[0] ** 2 / (sv**2).sum()),
                        cos_sensory=abs(float(vh[0] @ x.numpy())),
                        drive_rms=float(drive.pow(2).mean().sqrt()),
                        birth_drive_rms=float(birth_drive.pow(2).mean().sqrt()),
                        cos_activity=_cos(drive, a),
                        cos_birth_drive=_cos(drive, birth_drive),
                    )
                )
    return parts


def learned_input(folder: Path) -> str:
    """``learned_parts`` as a Markdown table."""
    lines = [
        "| agent | learned / birth norm | top singular share | cos(input dir, sensory) | learned drive rms "
        "| birth drive rms | cos(learned drive, a) | cos(learned drive, birth drive) |",
        "|" + "---|" * 8,
    ]
    for q in learned_parts(folder):
        lines.append(
            f"| {q['agent']} | {q['size']:.4f} | {q['top_share']:.3f} | {q['cos_sensory']:.3f} | {q['drive_rms']:.3f} | "
            f"{q['birth_drive_rms']:.3f} | {q['cos_activity']:+.3f} | {q['cos_birth_drive']:+.3f} |"
        )
    return "\n".join(lines)


# A 10k confirmation (docs/regime.md, rounds 11 and 13): the level within this many combined SE of the
# write-up's, halves within FLAT of each other, and at 10,000 neurons the input weights' learned part at
# least LEARNED_MIN of their birth norm with its largest singular value at least RANK_ONE of its square.
CONFIRM_SE, FLAT, LEARNED_MIN, RANK_ONE = 2.0, 0.07, 0.005, 0.9


def confirmation(folder: Path, reading: SweepSummary) -> tuple[bool, list[str]]:
    """The pre-registered verdict of a 10k confirmation read on ``reading``: each criterion with its value."""
    s = score(folder.name, folder, reading)
    level = _rows(reading.metrics["mean"].fingerprint)["activity mean of run r"]
    parts = learned_parts(folder)
    size, share = min(q["size"] for q in parts), min(q["top_share"] for q in parts)
    checks = [
        (
            abs(level["distance_se"]) < CONFIRM_SE,
            f"level {s['activity']:+.3f} (SE {s['activity_se']:.3f}) against the write-up's "
            f"{level['write_up']:+.3f}: {level['distance_se']:+.1f} combined SE (bar {CONFIRM_SE:g})",
        ),
        (not s["saturated"] and not s["frozen"], f"{s['saturated']} saturated and {s['frozen']} frozen windows"),
        (
            abs(s["plateau_second"] - s["plateau_first"]) < FLAT,
            f"halves {s['plateau_first']:+.3f} / {s['plateau_second']:+.3f} (bar: within {FLAT:g})",
        ),
        (
            size >= LEARNED_MIN and share >= RANK_ONE,
            f"W_in_main's learned part at least {size:.2%} of its birth norm, its top singular share at least "
            f"{share:.3f} (bars {LEARNED_MIN:.1%} and {RANK_ONE:g})",
        ),
    ]
    return all(ok for ok, _ in checks), [f"{'pass' if ok else 'FAIL'}: {text}" for ok, text in checks]


def _cos(u, v) -> float:
    return float(u @ v / (u.norm() * v.norm()))


def course_figure(rows: list[dict], scales: dict[str, float], every: int, out: Path) -> None:
    """Each sweep's coupling in its bins of ``every`` steps, mean over runs with each run faint, against
    its step times its scale (a learning rate k times the preset's reaches step t's learned weights at t / k)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, scale in scales.items():
        mine = [r for r in rows if r["sweep"] == name and r["steps_to"] - r["steps_from"] == every]
        x = np.array([(r["steps_from"] + r["steps_to"]) / 2 * scale for r in mine]) / 1000
        (line,) = ax.plot(x, [r["mean"] for r in mine], "o-", lw=2, label=f"{name} (step x {scale:g})")
        ax.plot(x, np.array([r["per_run"] for r in mine]), color=line.get_color(), alpha=0.2, lw=0.8)
    ax.axhspan(0.2111 - 0.072, 0.2111 + 0.072, color="0.88", label="write-up 0.21 ± 0.07 (run SD)")
    ax.set(
        xlabel="step x the run's input-learning rate relative to the preset's (thousands)",
        ylabel=f"activity r, trail:16 every 50 steps, mean per {every:,} steps",
    )
    ax.set_title("Twin activity coupling at 10,000 neurons, by how far the input weights have learned", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)


def figure(scores: list[dict], out: Path, screen: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    for s in scores:
        evolution = SweepSummary.from_json(ResultsFolder(screen / s["folder"]).summary()).activity.evolution
        step, mean = np.asarray(evolution["step"]), np.asarray(evolution["mean"], dtype=float)
        smooth = np.convolve(mean, np.ones(5) / 5, mode="valid")  # each point the mean of 5 checkpoints
        left.plot(step[2:-2] / 1000, smooth, lw=2.2 if s["eligible"] else 1.0, label=s["id"])
    left.axhspan(0.2111 - 0.072, 0.2111 + 0.072, color="0.85", label="write-up 0.21 ± 0.07 (run SD)")
    left.set(
        xlabel="step (thousands)",
        ylabel="activity r, mean over 16 runs (5-checkpoint average)",
        title="Twin activity coupling over the run (trail:16 windows)",
    )
    left.legend(ncol=4, fontsize=7)
    ids = [s["id"] for s in scores]
    y = np.arange(len(ids))
    right.errorbar(
        [s["activity"] for s in scores], y, xerr=[1.96 * s["activity_se"] for s in scores], fmt="o", color="k"
    )
    right.axvspan(0.2111 - 0.072, 0.2111 + 0.072, color="0.85")
    right.axvline(0, color="0.5", lw=0.8)
    right.set_yticks(y, [f"{s['id']}  D={s['D']:.1f}{'' if s['eligible'] else ' ✗'}" for s in scores])
    right.invert_yaxis()
    right.set(xlabel="activity coupling, mean of run r ± 1.96 SE", title="Score D (RMS distance in SE); ✗ not eligible")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)


def markdown(scores: list[dict]) -> str:
    lines = [
        "| id | D | eligible | activity r (SE) | run SD | plateau 1st / 2nd half | emotion r (run SD) | "
        "corr(A, E) | shift p | cross-pair p | sat / frozen | mean \\|a\\| at 50k | W_in_main moved | "
        "W_rec_main moved | A nudged | V5: mean \\|a\\| r (D) |",
        "|" + "---|" * 16,
    ]
    for s in scores:
        lines.append(
            f"| {s['id']} | {s['D']:.1f} | {'yes' if s['eligible'] else 'no: ' + s['why_not']} | "
            f"{s['activity']:+.3f} ({s['activity_se']:.3f}) | {s['activity_run_sd']:.3f} | "
            f"{s['plateau_first']:+.3f} / {s['plateau_second']:+.3f} | {s['emotion']:+.3f} ({s['emotion_run_sd']:.3f}) | "
            f"{s['corr_ae']:+.2f} | {s['shift_p']:.3f} | {s['cross_pair_p']:.3f} | {s['saturated']} / {s['frozen']} | "
            f"{s['mean_abs_a_last']:.3f} | {s['w_in_main_change']:.3f} | {s['w_rec_main_change']:.3f} | "
            f"{s['nudged_a']:.1%} | {s['v5_activity']:+.3f} ({s['v5_D']:.1f}) |"
        )
    return "\n".join(lines)


def _write_csv(scores: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(scores)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", type=int, choices=sorted(ROUNDS), default=1)
    parser.add_argument("--out", type=Path, help="the screen's folder [results/regime-screen, -screen2]")
    parser.add_argument("--score", action="store_true", help="only score what has grown")
    parser.add_argument("--csv", type=Path, help="[docs/data/regime_screen.csv, regime_screen2.csv]")
    parser.add_argument("--figure", type=Path, help="[docs/figures/regime_screen.png, regime_screen2.png]")
    parser.add_argument(
        "--sweep", type=Path, action="append", help="score this sweep by the rule (the 10k confirmation)"
    )
    parser.add_argument("--windows", help="with --sweep: read it on these windows (e.g. trail:16@50)")
    parser.add_argument("--burn-in", type=int, help="with --sweep: and after this many steps")
    parser.add_argument("--course", type=int, metavar="STEPS", help="with --sweep: the coupling in bins of STEPS")
    parser.add_argument("--span", action="append", default=[], metavar="LO:HI", help="with --sweep: over LO-HI")
    parser.add_argument("--learned-input", action="store_true", help="with --sweep: W_in_main's learned part")
    parser.add_argument("--confirm", action="store_true", help="with --sweep: the verdict of a 10k confirmation")
    parser.add_argument("--scale", type=float, action="append", help="with --course --figure: per --sweep, x axis x")
    args, passthrough = parser.parse_known_args(argv)
    if args.sweep and (args.course or args.span or args.learned_input):
        scales = args.scale or [1.0] * len(args.sweep)
        if len(scales) != len(args.sweep):
            parser.error("give one --scale per --sweep")
        rows = []
        for sweep in args.sweep:
            length = ResultsFolder(sweep).manifest()["config"]["steps"]
            bins = [(lo, lo + args.course) for lo in range(0, length, args.course)] if args.course else []
            found = course(sweep, bins + [tuple(int(v) for v in span.split(":")) for span in args.span])
            print(f"{sweep.name}\n{course_markdown(found)}\n")
            rows += found
            if args.learned_input:
                print(learned_input(sweep) + "\n")
        if args.csv and rows:
            _write_course_csv(rows, args.csv)
        if args.figure and args.course:
            course_figure(rows, dict(zip((p.name for p in args.sweep), scales)), args.course, args.figure)
        return 0
    if args.sweep and len(args.sweep) > 1:
        parser.error("score one --sweep at a time")
    args.sweep = args.sweep[0] if args.sweep else None
    if args.sweep:
        reading = None
        if args.windows or args.burn_in is not None:
            reading = emergence_api.load(args.sweep).analyse(windows=args.windows, burn_in=args.burn_in, keep=False)
        if args.confirm:
            reading = reading or SweepSummary.from_json(ResultsFolder(args.sweep).summary())
            confirmed, lines = confirmation(args.sweep, reading)
            print("\n".join(lines) + f"\n{'confirmed' if confirmed else 'not confirmed'} by the pre-registered rule")
            return 0
        scored = [score(args.sweep.name, args.sweep, reading)]
        print(markdown(scored))
        if args.csv:
            _write_csv(scored, args.csv)
        return 0
    stem = "regime_screen" + ("" if args.round == 1 else str(args.round))
    out = args.out or Path("results") / stem.replace("_", "-")
    study_file, ids = ROUNDS[args.round]
    study = HERE / study_file
    if not args.score:
        grow(study, out, passthrough)
    variants = conditions(load_study(study))
    assert len(variants) == len(ids), f"ROUNDS must name every condition of {study_file}, in order"
    scores = [
        score(i, out / folder_name(c))
        for i, c in zip(ids, variants)
        if ResultsFolder(out / folder_name(c)).summary_path.exists()
    ]
    _write_csv(scores, args.csv or HERE.parent / f"docs/data/{stem}.csv")
    figure(scores, args.figure or HERE.parent / f"docs/figures/{stem}.png", out)
    print(markdown(scores))
    eligible = [s for s in scores if s["eligible"]]
    best = min(eligible, key=lambda s: s["D"]) if eligible else None
    winner = f"{best['id']} (D = {best['D']:.1f})" if best else "none eligible"
    print(f"\nscored {len(scores)} of {len(ids)} variants; winner by the rule: {winner}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
