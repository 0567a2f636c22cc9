"""From a results folder to numbers, words and figures: statistics, null controls, the summary and the
report. numpy, scipy, pyarrow and matplotlib only: never torch, never an agent; the emotion metrics
come in as a registry."""

from .report import figures, print_tables, render, show_written, write_report
from .summarise import analyse, compute_summary
from .summary import MetricSummary, SweepSummary

__all__ = [
    "analyse",
    "compute_summary",
    "SweepSummary",
    "MetricSummary",
    "figures",
    "print_tables",
    "render",
    "show_written",
    "write_report",
]
