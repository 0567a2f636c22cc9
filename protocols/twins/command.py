"""``emergence protocol twins``: the command line of the Twins protocol (no torch at import)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from emergence.cli import metric_option
from emergence.substrates import DEFAULT_SUBSTRATE

from .settings import PROTOCOL_DEFAULTS

POSITIVE = click.IntRange(min=1)


@click.command()
@click.option("--a", "a", multiple=True, default=("hrls",), show_default=True, help="Scaffold plugin(s) of twin A.")
@click.option("--b", "b", multiple=True, default=("surge",), show_default=True, help="Scaffold plugin(s) of twin B.")
@click.option("--substrate", default=DEFAULT_SUBSTRATE, show_default=True,
              help="What the twins are: fields (continuous neural fields) or transformer (see `emergence plugins`).")
@click.option("--preset", "preset_name", default="small", show_default=True, help="Agent preset: small or paper.")
@click.option("--runs", type=POSITIVE, help="Twin pairs (independent seeds). [preset default]")
@click.option("--steps", type=POSITIVE, help="Post-birth steps per pair. [preset default]")
@click.option("--n-main", type=POSITIVE, help="Main-field size (transformer: residual width). [preset default]")
@click.option("--n-emo", type=POSITIVE, help="Emotion-field size. [preset default]")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Sweep seed.")
@click.option("--init", type=click.Choice(["same", "different"]), default="same", show_default=True,
              help="Twins share initial weights and state, or each has its own.")
@click.option("--checkpoint-every", type=POSITIVE, help="Steps per checkpoint = statistics window. [preset default]")
@click.option("--snapshot-every", type=POSITIVE, help="Steps between emotion-field snapshots. [preset default]")
@click.option("--feedback-every", type=POSITIVE, default=500, show_default=True, help="Steps between HRLS feedback calls.")
@click.option("--feedback-message", default="Be kind to small voices", show_default=True)
@click.option("--feedback-strength", type=float, default=1.0, show_default=True)
@click.option("--chunk-size", type=click.IntRange(min=0), default=0, show_default=True,
              help="Pairs grown together in one population (0: as many as memory allows).")
@click.option("--device", default="cpu", show_default=True, help="Where the agents grow: cpu, cuda or cuda:N.")
@click.option("--engine", type=click.Choice(["fast", "plain"]),
              help="Fields: fast (fused kernels) or plain (the torch reference). [preset default: fast]")
@click.option("--weight-noise-every", type=POSITIVE,
              help="Fields: weight noise every k steps with SD x sqrt(k); 1 = exact. [preset default]")
@click.option("--weight-dtype", type=click.Choice(["same", "bfloat16"]),
              help="Fields: storage of the weight matrices (bfloat16: plain engine). [preset default: same]")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Results folder. [results/twins-PRESET; another substrate: results/twins-SUBSTRATE-PRESET]")
@metric_option(default=("mean",), show_default=True)
def twins(substrate, preset_name, out, device, n_main, n_emo, engine, weight_noise_every, weight_dtype, **options) -> None:
    """Grow HRLS-vs-surge twin pairs side by side and report their coupling.

    Re-running the same command on the same --out skips finished runs and resumes unfinished ones.
    """
    from attrs import fields_dict

    from emergence.config import ConfigError
    from emergence.substrates import substrates

    from .settings import TwinsConfig

    kind = substrates()[substrate]
    agent_options = dict(n_main=n_main, n_emo=n_emo, engine=engine, weight_noise_every=weight_noise_every,
                         weight_dtype=weight_dtype)
    agent_options = {k: v for k, v in agent_options.items() if v is not None}
    for name in agent_options.keys() - fields_dict(kind.config_class).keys():
        raise ConfigError(f"--{name.replace('_', '-')} does not apply to --substrate {substrate}")
    agent = kind.preset(preset_name, **agent_options)
    if preset_name not in PROTOCOL_DEFAULTS:
        known = ", ".join(PROTOCOL_DEFAULTS)
        raise ConfigError(f"the twins protocol has no settings for preset {preset_name!r}; known: {known}")
    defaults = PROTOCOL_DEFAULTS[preset_name]
    values = {k: (defaults[k] if options.get(k) is None else options[k]) for k in defaults}
    values.update({k: v for k, v in options.items() if k not in defaults})
    config = TwinsConfig(agent=agent, substrate=substrate, **values)
    name = preset_name if substrate == DEFAULT_SUBSTRATE else f"{substrate}-{preset_name}"
    out = out or Path("results") / f"twins-{name}"
    sweep(config, out, device)


def sweep(config, out: Path, device: str = "cpu") -> None:
    """Run the sweep with a progress display, then analyse and render the report."""
    from rich.progress import (
        BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
    )

    from emergence.analysis import analyse
    from emergence.devices import resolve_device
    from emergence.report import render

    from .runner import check_plugins, run_sweep

    check_plugins(config)  # fail before the progress display opens (run_sweep checks again for library use)
    device = resolve_device(device)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("pair-steps · {task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())
    with Progress(*columns) as bar:
        task = bar.add_task(f"runs 0/{config.runs}", total=config.runs * config.steps, rate="")
        finished = 0

        def progress(steps: int, runs: int) -> None:
            nonlocal finished
            finished += runs
            bar.advance(task, steps)
            speed = bar.tasks[task].speed
            bar.update(task, description=f"runs {finished}/{config.runs}", rate=f"{speed:,.0f}/s" if speed else "")

        run_sweep(config, out, device=device, progress=progress, command_line=sys.argv)
    render(analyse(out), out)
