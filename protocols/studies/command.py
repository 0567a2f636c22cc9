"""``emergence study NAME|FILE``: the options of ``emergence protocol twins`` but the design's own
(``--a``, ``--b``, ``--init``, ``--out``), which the study sets."""

from __future__ import annotations

import click

from ..twins.command import twins

DESIGN = {"a", "b", "init", "noise", "out"}
SWEEP_ONLY = {"dry_run"}  # a study's plan is its conditions' plans: not offered here yet


def _study(name, preset_name, out, **options):
    """Grow every condition of a study (resuming), compare them and say what the comparison answers.

    NAME is a registered study (ablation, hrls-off, emotion-plasticity, emotion-noise, emotion-size,
    scaling, metrics; see docs/studies.md) or a study file (TOML). Without --runs a study grows the runs
    that detect a large paired effect (dz 1) after Holm; a design that cannot reach p < 0.05 is refused.
    """
    from rich.console import Console

    from emergence.analysis.study_report import print_comparison
    from emergence.options import executor_spec

    from .run import study_run

    show_plan, force = options.pop("plan"), options.pop("force")
    options["executor"] = executor_spec(options["executor"])
    run = study_run(name, preset_name, out, **options)
    if show_plan:
        for line in run.plan():
            click.echo(line)
        return
    results = run.run(force=force)
    console = Console()
    print_comparison(console, results.title, results.question, list(results.lines), list(results.rows))
    console.print(f"report: {results.report_path}")
    for path in results.figures:
        console.print(f"figure: {path}")


study = click.Command(
    "study",
    callback=_study,
    help=_study.__doc__,
    params=[
        click.Argument(["name"]),
        *[p for p in twins.params if p.name not in DESIGN | SWEEP_ONLY],
        click.Option(["--out"], type=click.Path(file_okay=False), help="Study folder. [results/study-NAME-PRESET]"),
        click.Option(
            ["--plan"],
            is_flag=True,
            help="Print what the study can detect with its runs, and the runs a large effect needs; grow nothing.",
        ),
        click.Option(
            ["--force"], is_flag=True, help="Grow a study whose runs cannot reach p < 0.05 after Holm (warned)."
        ),
    ],
)
