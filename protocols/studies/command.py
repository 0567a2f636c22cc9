"""``emergence study NAME|FILE``: the options of ``emergence protocol twins`` but the design's own
(``--a``, ``--b``, ``--init``, ``--out``), which the study sets."""

from __future__ import annotations

from pathlib import Path

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

    from emergence.analysis.study_report import render_comparison, study_figures
    from emergence.analysis.verdicts import comparison_lines, sweep_lines, variance_lines
    from emergence.host import installed
    from emergence.options import executor_spec

    from .design import load_study
    from .plan import check_power, default_runs, plan_lines
    from .run import StudyRun
    from .split import split_verdicts

    study = load_study(Path(name)) if name.endswith(".toml") else installed().studies[name]
    show_plan, force = options.pop("plan"), options.pop("force")
    metrics = study.base.get("emotion_metrics", options.get("emotion_metrics") or ("mean",))
    n_metrics = len(installed().metrics.names()) if metrics == "all" else len(metrics)
    if options.get("runs") is None:
        options["runs"] = default_runs(study, n_metrics)
    if show_plan:
        for line in plan_lines(study, options["runs"], n_metrics):
            click.echo(line)
        return
    warning = check_power(study, options["runs"], n_metrics, force)
    if warning:
        click.echo(warning, err=True)
    options["executor"] = executor_spec(options["executor"], options.pop("ray_address"))
    run = StudyRun(study, preset_name, out, **options)
    grown = run.grow()
    axes, cells, rows = run.compare(grown)
    run.write(grown, axes, rows)
    console = Console()
    lines = comparison_lines(rows)
    if study.decompose:
        lines = [line for by_label in cells.values() for line in variance_lines(by_label)] + lines
    lines = split_verdicts(study.split, grown) + lines
    conditions = [(folder, sweep_lines(results.summary)) for folder, results in
                  ((p.out.name, p) for _, p in grown)]
    if len(conditions) == 1:
        lines = conditions[0][1] + lines
    sections = [(f"Condition {folder} against its nulls", "\n".join(f"- {l}" for l in ls)) for folder, ls in conditions]
    render_comparison(console, run.out, f"study {study.name} ({preset_name})", study.question, lines, rows, sections)
    for metric, by_label in cells.items():
        for path in study_figures(by_label, axes, run.out, metric or "metrics"):
            console.print(f"figure: {path}")


study = click.Command(
    "study", callback=_study, help=_study.__doc__,
    params=[click.Argument(["name"]),
            *[p for p in twins.params if p.name not in DESIGN | SWEEP_ONLY],
            click.Option(["--out"], type=click.Path(file_okay=False), help="Study folder. [results/study-NAME-PRESET]"),
            click.Option(["--plan"], is_flag=True, help="Print what the study can detect with its runs, and the "
                         "runs a large effect needs; grow nothing."),
            click.Option(["--force"], is_flag=True, help="Grow a study whose runs cannot reach p < 0.05 after "
                         "Holm (warned).")],
)
