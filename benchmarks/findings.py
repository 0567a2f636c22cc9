"""Grow every built-in study in the write-up's regime and gather what docs/findings.md rests on.

    python benchmarks/findings.py --out results/findings            # grow each study (resumes), then gather
    python benchmarks/findings.py --out results/findings --gather   # gather what has grown

Each study is ``emergence study NAME --steps 10000 --burn-in 2000`` at the small preset (the paper
preset's regime at 500 neurons) and at the runs its plan asks for (a paired effect of dz 1 after Holm);
``--workers``, ``--threads`` and ``--executor`` pass through. Gathering copies each study's comparison
table to docs/data/findings_NAME.csv and its figure of the conditions to
docs/figures/findings_NAME.png, and prints each study's question, power and verdict lines in Markdown.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

import emergence  # noqa: E402
from emergence.cli import main as emergence_cli  # noqa: E402
from emergence.results import ResultsFolder  # noqa: E402

STUDIES = (
    "ablation",
    "variance",
    "hrls-off",
    "emotion-plasticity",
    "emotion-noise",
    "emotion-size",
    "metrics",
    "scaling",
)
STEPS, BURN_IN = 10_000, 2_000
DOCS = Path(__file__).resolve().parent.parent / "docs"


def grow(out: Path, passed: list[str]) -> None:
    for name in STUDIES:
        args = ["study", name, "--steps", str(STEPS), "--burn-in", str(BURN_IN), "--out", str(out / name)]
        code = emergence_cli([*args, "--keep-checkpoints", "last", *passed])
        if code:
            print(f"study {name} did not finish (exit {code}); re-run to resume", file=sys.stderr)


def verdicts(report: str) -> list[str]:
    """The bullet lines of a study report's Verdicts section."""
    section = report.split("## Verdicts", 1)[1].split("\n## ", 1)[0]
    return [line[2:] for line in section.splitlines() if line.startswith("- ")]


def gather(out: Path) -> None:
    for name in STUDIES:
        folder = ResultsFolder(out / name)
        if not folder.report_path.exists():
            print(f"## {name}\n\nnot grown yet\n")
            continue
        pd.read_parquet(folder.comparison_path).to_csv(DOCS / "data" / f"findings_{name}.csv", index=False)
        figure = next((f for f in folder.figures() if f.name.startswith("conditions_")), None)  # mean, or metrics
        if figure:
            shutil.copyfile(figure, DOCS / "figures" / f"findings_{name}.png")
        print(f"## {name}\n")
        print(folder.report_path.read_text().split("\n", 3)[2])  # the question
        print()
        runs = json.loads(folder.study_path.read_text())["options"]["runs"]
        for line in emergence.plan(name, runs=runs):
            print(f"    {line}")
        print()
        for line in verdicts(folder.report_path.read_text()):
            print(f"- {line}")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/findings"))
    parser.add_argument("--gather", action="store_true", help="gather what has grown; grow nothing")
    args, passed = parser.parse_known_args()
    if not args.gather:
        grow(args.out, passed)
    gather(args.out)


if __name__ == "__main__":
    main()
