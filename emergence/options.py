"""Command-line options shared by the core's commands and the protocols' (no torch at import)."""

from __future__ import annotations

import math

import click

from .config import ConfigError
from .overrides import parse_assignments

__all__ = [
    "metric_option",
    "settings_option",
    "executor_options",
    "executor_spec",
    "add_executor_option",
    "measurement_options",
    "FINITE",
    "PRESET_HELP",
]

PRESET_HELP = (
    "Agent preset: small (a quick sweep, paper's regime at 500 neurons), paper (the write-up's sizes, by "
    "screen and a search at 10,000 neurons), paper-screen, paper-chaotic, small-chaotic, paper-rms or "
    "small-saturated (earlier readings; docs/regime.md); "
    "the transformer and rl have small and paper."
)


class FiniteFloat(click.ParamType):
    """A float option that refuses NaN and infinities (click names the option in its error)."""

    name = "number"

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


FINITE = FiniteFloat()


def metric_option(**kwargs):
    return click.option(
        "--emotion-metric",
        "emotion_metrics",
        multiple=True,
        metavar="NAME",
        help="Emotion metric(s) for the statistics (repeatable; see `emergence plugins`).",
        **kwargs,
    )


def settings_option():
    """``--set FIELD=VALUE`` (repeatable), as a dict ``settings`` of field name -> text."""
    return click.option(
        "--set",
        "settings",
        multiple=True,
        metavar="FIELD=VALUE",
        callback=lambda ctx, param, texts: parse_assignments(texts),
        help="Set any field of the agent's config, e.g. --set emo_noise=0.06; xF scales the preset's "
        "value (--set n_main=x2). Repeatable; see docs/model.md for the fields.",
    )


def executor_options(function):
    """``--executor``, ``--workers`` and ``--threads``: where a sweep's chunks grow (an executor plugin may
    add options of its own settings: ``add_executor_option``)."""
    options = (
        click.option(
            "--executor",
            default="local",
            show_default=True,
            metavar="NAME[:FIELD=VALUE,...]",
            help="Where the chunks of runs grow: local (worker processes here), ray or slurm, with "
            "settings, e.g. slurm:partition=gpu,time=240 (docs/distributed.md).",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            help="Chunks grown at once. [local: the cores at 2 threads each, one per GPU on CUDA; "
            "ray, slurm: as many as the cluster takes]",
        ),
        click.option(
            "--threads", type=click.IntRange(min=1), help="CPU threads per worker (torch's and the fused kernels'). [2]"
        ),
    )
    return _stack(options)(function)


def _stack(options):
    """A decorator applying ``options`` so that they list in their order."""

    def decorate(function):
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


EXECUTOR_SETTINGS = "emergence.executor_settings"  # where plugins' executor options leave their values


def add_executor_option(cli: click.Group, flag: str, executor: str, setting: str, **kwargs) -> None:
    """Give every command of ``cli`` that takes ``--executor`` the option ``flag``, a short way to write
    one setting of ``executor`` (``--ray-address X`` for ``--executor ray:address=X``), once; for an
    executor plugin's ``register_commands``. ``executor_spec`` folds its value into the spec."""

    def keep(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is not None:
            ctx.meta.setdefault(EXECUTOR_SETTINGS, []).append((flag, executor, setting, value))

    commands = [cli]
    while commands:
        command = commands.pop()
        commands += getattr(command, "commands", {}).values()
        names = {param.name for param in command.params}
        if "executor" in names and flag not in {o for p in command.params for o in p.opts}:
            command.params.append(click.Option([flag], expose_value=False, callback=keep, **kwargs))


def executor_spec(executor: str) -> str:
    """``--executor``'s spec with the executor options given folded in (``add_executor_option``); given
    without ``--executor``, such an option names its executor."""
    context = click.get_current_context(silent=True)
    for flag, name, setting, value in context.meta.get(EXECUTOR_SETTINGS, []) if context else []:
        if executor == "local":  # the default
            executor = name
        if executor.partition(":")[0] != name:
            raise ConfigError(f"{flag} is for --executor {name}, not {executor.partition(':')[0]!r}")
        executor = f"{executor}{',' if ':' in executor else ':'}{setting}={value!r}"
    return executor


def _windows(ctx, param, value):
    if value is None:
        return None
    from .analysis.windows import parse_windows

    try:
        return parse_windows(value).spec
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def measurement_options(default: bool = True):
    """``--windows`` and ``--burn-in``: where the statistics take their windows. With ``default`` False
    (re-analysing a folder) an option not given keeps the folder's own."""
    keep = " [the folder's own]" if not default else ""
    options = (
        click.option(
            "--windows",
            callback=_windows,
            metavar="trail:L[@E]|contiguous",
            default="trail:16" if default else None,
            show_default=default,
            help="Windows of the statistics: r over the last L steps before each of ~100 checkpoints "
            "(the write-up's; @E: every E steps), or contiguous blocks of --checkpoint-every "
            f"steps.{keep}",
        ),
        click.option(
            "--burn-in",
            "burn_in",
            type=click.IntRange(min=0),
            help="Steps dropped from the start of every run before any statistic (the start-up "
            "transient from the zero state). " + (keep.strip() or "[100, or a tenth of a shorter run]"),
        ),
    )
    return _stack(options)
