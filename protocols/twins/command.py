"""``emergence protocol twins``: the command line of the Twins protocol (no torch at import)."""

from __future__ import annotations

from pathlib import Path

import click

from emergence.host import DEFAULT_SUBSTRATE
from emergence.options import (
    FINITE,
    PRESET_HELP,
    executor_options,
    executor_spec,
    measurement_options,
    metric_option,
    settings_option,
)
from emergence.results import ResultsError

POSITIVE = click.IntRange(min=1)


@click.command()
@click.option("--a", "a", multiple=True, default=("hrls",), show_default=True, help="Scaffold plugin(s) of twin A.")
@click.option("--b", "b", multiple=True, default=("surge",), show_default=True, help="Scaffold plugin(s) of twin B.")
@click.option(
    "--substrate",
    default=DEFAULT_SUBSTRATE,
    show_default=True,
    help="What the twins are: fields (continuous neural fields) or transformer (see `emergence plugins`).",
)
@click.option("--preset", "preset_name", default="small", show_default=True, help=PRESET_HELP)
@click.option("--runs", type=POSITIVE, help="Twin pairs (independent seeds). [preset default]")
@click.option("--steps", type=POSITIVE, help="Post-birth steps per pair. [preset default]")
@click.option("--n-main", type=POSITIVE, help="Main-field size (transformer: residual width). [preset default]")
@click.option("--n-emo", type=POSITIVE, help="Emotion-field size. [preset default]")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Sweep seed.")
@click.option(
    "--init",
    type=click.Choice(["same", "different", "one"]),
    default="same",
    show_default=True,
    help="Twins share initial weights and state, or each has its own, or every run starts from one init.",
)
@click.option(
    "--noise",
    type=click.Choice(["own", "shared"]),
    default="own",
    show_default=True,
    help="Each twin has its own noise streams, or twin B reads twin A's (they diverge only by scaffold).",
)
@click.option(
    "--input",
    "input",
    type=click.Choice(["own", "shared"]),
    help="Fields: each twin adds its own text noise, or both read one noisy input per step. [preset default]",
)
@click.option(
    "--checkpoint-every",
    type=POSITIVE,
    help="Steps per checkpoint (= contiguous window of the statistics). [preset default]",
)
@click.option("--snapshot-every", type=POSITIVE, help="Steps between emotion-field snapshots. [preset default]")
@click.option(
    "--feedback-every", type=POSITIVE, default=500, show_default=True, help="Steps between HRLS feedback calls."
)
@click.option("--feedback-message", default="Be kind to small voices", show_default=True)
@click.option("--feedback-strength", type=FINITE, default=1.0, show_default=True)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Pairs grown together in one population (0: as many as memory allows).",
)
@click.option("--device", default="cpu", show_default=True, help="Where the agents grow: cpu, cuda or cuda:N.")
@click.option(
    "--engine",
    type=click.Choice(["fast", "plain"]),
    help="Fields: fast (fused kernels) or plain (the torch reference). [preset default: fast]",
)
@click.option(
    "--weight-noise-every",
    type=POSITIVE,
    help="Fields: weight noise every k steps with SD x sqrt(k); 1 = exact. [preset default]",
)
@click.option(
    "--weight-dtype",
    type=click.Choice(["same", "bfloat16"]),
    help="Fields: storage of the weight matrices (bfloat16: plain engine). [preset default: same]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Results folder. [results/twins-PRESET; another substrate: results/twins-SUBSTRATE-PRESET]",
)
@click.option(
    "--keep-checkpoints",
    type=click.Choice(["last", "none"]),
    default="last",
    show_default=True,
    help="Keep each chunk's last checkpoint, or delete a finished chunk's.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan (memory, disk, estimated time) and exit; writes nothing.")
@executor_options
@measurement_options()
@metric_option(default=("mean",), show_default=True)
@settings_option()
def twins(substrate, preset_name, out, device, dry_run, **options) -> None:
    """Grow HRLS-vs-surge twin pairs side by side and report their coupling.

    Re-running the same command on the same --out skips finished runs, resumes unfinished ones and
    rebuilds any missing or damaged part.
    """
    from rich.console import Console

    from emergence.analysis import print_tables, show_written

    from .sweep import sweep

    options["executor"] = executor_spec(options["executor"])
    planned = sweep(substrate=substrate, preset=preset_name, out=out, device=device, **options)
    if dry_run:
        lines, refusal = planned.plan(measure=True)
        for line in lines:
            click.echo(line)
        if refusal:
            raise ResultsError(f"this sweep would be refused: {refusal} (nothing was written)")
        return
    results = planned.run()
    console = Console()
    print_tables(results.summary, console)
    show_written([results.folder.report_path, *results.folder.figures()], console)
