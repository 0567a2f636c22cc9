"""Command-line options shared by the core's commands and the protocols' (no torch at import)."""

from __future__ import annotations

import math

import click

from .overrides import parse_assignments

__all__ = ["metric_option", "settings_option", "FINITE"]


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
        "--emotion-metric", "emotion_metrics", multiple=True, metavar="NAME",
        help="Emotion metric(s) for the statistics (repeatable; see `emergence plugins`).", **kwargs,
    )


def settings_option():
    """``--set FIELD=VALUE`` (repeatable), as a dict ``settings`` of field name -> text."""
    return click.option(
        "--set", "settings", multiple=True, metavar="FIELD=VALUE",
        callback=lambda ctx, param, texts: parse_assignments(texts),
        help="Set any field of the agent's config, e.g. --set emo_noise=0.06; xF scales the preset's "
             "value (--set n_main=x2). Repeatable; see docs/model.md for the fields.",
    )
