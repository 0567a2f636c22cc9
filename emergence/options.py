"""Command-line options shared by the core's commands and the protocols' (no torch at import)."""

from __future__ import annotations

import click

__all__ = ["metric_option"]


def metric_option(**kwargs):
    return click.option(
        "--emotion-metric", "emotion_metrics", multiple=True, metavar="NAME",
        help="Emotion metric(s) for the statistics (repeatable; see `emergence plugins`).", **kwargs,
    )
