"""The ``emergence`` command line: thin; it parses, calls library functions and renders with rich.

Importing this module (and ``--help``) imports neither torch, scipy, pyarrow, numba nor matplotlib; commands
import what they need.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import click

from .config import ConfigError
from .contract import PluginError, UnknownPluginError
from .host import DEFAULT_SUBSTRATE, installed
from .options import PRESET_HELP, measurement_options, metric_option
from .results import ResultsError, ResultsFolder
from .starter import KINDS, StarterError, write_package

__all__ = ["cli", "main", "USER_ERRORS"]

USER_ERRORS = (ConfigError, UnknownPluginError, PluginError, ResultsError, StarterError)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="emergence")
def cli() -> None:
    """Grow developmental agents side by side and compare them."""


@cli.group(short_help="Run an experiment protocol, such as twins.")
def protocol() -> None:
    """Run an experiment protocol, such as `emergence protocol twins --a hrls --b surge`."""


@cli.command()
def plugins() -> None:
    """List installed plugins and what each contributes."""
    from rich.console import Console
    from rich.table import Table

    catalogue = installed()
    table = Table(title="Installed plugins")
    for column in ("plugin", "package", "version"):
        table.add_column(column)
    for name, package, version in catalogue.sources():
        table.add_row(name, package, version)
    console = Console()
    console.print(table)
    for kind, registry in (
        ("scaffolds", catalogue.scaffolds),
        ("emotion metrics", catalogue.metrics),
        ("protocols", catalogue.protocols),
        ("substrates", catalogue.substrates),
        ("executors", catalogue.executors),
    ):
        console.print(f"[bold]{kind}:[/bold] {', '.join(registry.names()) or 'none'}")


@cli.command()
@click.option("--substrate", default=DEFAULT_SUBSTRATE, show_default=True, help="Substrate (see `emergence plugins`).")
@click.option("--preset", "preset_name", default="small", show_default=True, help=PRESET_HELP)
@click.option("--steps", default=200, show_default=True, type=click.IntRange(min=1), help="Steps to grow.")
@click.option("--scaffold", default="surge", show_default=True, help="Scaffold plugin (e.g. hrls, surge).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0))
@click.option("--trails", default=10, show_default=True, type=click.IntRange(min=1), help="Trails to print.")
def grow(substrate: str, preset_name: str, steps: int, scaffold: str, seed: int, trails: int) -> None:
    """Grow one agent and print its most recent trails."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from .host import build_agent

    agent = build_agent(installed().substrates[substrate].preset(preset_name), [seed], [seed + 1], scaffolds=[scaffold])
    agent.receive_feedback("Be kind to small voices", 1.0)
    agent.run(steps)
    table = Table(title=f"Last trails of one {scaffold} agent ({substrate}, {preset_name}, {steps} steps)")
    for column in ("iteration", "surge", "energy", "awake", "input", "emotion"):
        table.add_column(column)
    for trail in agent.trails(0)[-trails:]:
        table.add_row(
            str(trail["iteration"]),
            f"{trail['surge']:.3f}",
            f"{trail['energy']:.3f}",
            str(trail["awake"]),
            escape(trail["input"]),
            f"{trail['emotion']:+.4f}",
        )
    Console().print(table)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@metric_option()
@measurement_options(default=False)
@click.option(
    "--html",
    is_flag=True,
    help="Also write report.html: the report and its figures in one page "
    "(a study folder: its report as the study wrote it).",
)
def report(out: Path, emotion_metrics: tuple[str, ...], windows: str | None, burn_in: int | None, html: bool) -> None:
    """Recompute the statistics, table and figures of a results folder from its files alone.

    With --emotion-metric, any metric is computed after the fact from the recorded data; --windows and
    --burn-in read the same data another way.
    """
    from .analysis import render
    from .analysis.html import write_html
    from .api import Results

    if ResultsFolder(out).is_study():
        if not html:
            raise ResultsError(
                f"{out} is a study folder: re-run its `emergence study` command to recompute it, "
                "or pass --html to render its report"
            )
        click.echo(f"report: {write_html(out)}")
        return
    results = Results(out)
    with results.folder.lock():
        problems = results.folder.problems(checkpoints=False)
        if problems:
            raise ResultsError(results.folder.problems_line(problems))
        render(results.analyse(emotion_metrics, windows=windows, burn_in=burn_in), out)
        if html:
            click.echo(f"report: {write_html(out)}")


cli.add_command(
    click.Command(
        "stats",
        callback=report.callback,
        params=report.params,
        short_help="The same as `report` (an alias).",
        help=f"The same as `emergence report` (an alias).\n\n{inspect.cleandoc(report.help)}",
    )
)

# Problems `check` prints before it sums them up.
SHOWN = 20


@cli.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
def check(out: Path) -> None:
    """Check a results folder: every expected part present and matching its checksum, every committed
    checkpoint matching its marker. Re-running the sweep's command rebuilds what is missing."""
    folder = ResultsFolder(out).require_sweep()
    with folder.lock(reading=True):  # a read-only folder can be checked too
        problems = folder.problems()
    for line in problems[:SHOWN]:
        click.echo(line)
    if len(problems) > SHOWN:
        click.echo(f"... and {len(problems) - SHOWN} more")
    if problems:
        raise ResultsError(
            f"{out}: {len(problems)} problem(s); re-run the sweep's command to resume and rebuild what is missing"
        )
    click.echo(f"{out}: every part present and valid")


@cli.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Write report.md (every column) into this folder."
)
@click.option(
    "--allow-different",
    is_flag=True,
    help="Compare sweeps whose steps, windows or burn-in differ (their couplings are measured differently).",
)
def compare(folders: tuple[Path, ...], out: Path | None, allow_different: bool) -> None:
    """Compare sweeps grown separately, each against the first: paired run by run when their run seeds
    match, as independent samples otherwise (said in every line). Every setting in which the sweeps
    differ is listed first."""
    from rich.console import Console

    from .analysis.study_report import print_comparison
    from .api import compare as compare_sweeps

    if len(folders) < 2:
        raise click.UsageError("compare needs at least two results folders")
    comparison = compare_sweeps(*folders, allow_different=allow_different, out=out)
    click.echo(
        f"the sweeps differ from {comparison.labels[0]} in: "
        + ("; ".join(comparison.differences) or "nothing but their folders")
    )
    console = Console()
    print_comparison(console, comparison.title, comparison.question, list(comparison.lines), list(comparison.rows))
    if out is not None:
        console.print(f"report: {comparison.report_path}")


@cli.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the package's folder.",
)
def new(kind: str, name: str, parent: Path) -> None:
    """Write a new plugin package, emergence-NAME/, ready for `pip install -e`."""
    folder = write_package(kind, name, parent)
    click.echo(f"wrote {folder}/: pip install -e {folder} && (cd {folder} && pytest)")


def _add_plugin_commands(group: click.Group) -> None:
    catalogue = installed()
    for name, entry in catalogue.protocols.entries.items():
        if entry.command is not None:
            protocol.add_command(entry.command, name)
    catalogue.pm.hook.register_commands(cli=group)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a user mistake prints one line and returns 2, never a traceback."""
    try:
        _add_plugin_commands(cli)
        cli.main(args=argv, prog_name="emergence", standalone_mode=False)
    except USER_ERRORS as err:
        click.echo(f"error: {err}", err=True)
        return 2
    except OSError as err:  # a file or folder the command could not create, read or write
        where = f"{err.filename}: " if err.filename else ""
        click.echo(f"error: {where}{err.strerror or err}", err=True)
        return 2
    except MemoryError:
        click.echo("error: out of memory; use a smaller --n-main or --chunk-size", err=True)
        return 2
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except click.exceptions.Abort:  # Ctrl-C
        click.echo(
            "aborted; what was written is kept: re-running the same command resumes a sweep where it stopped", err=True
        )
        return 1
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
