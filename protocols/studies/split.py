"""A study's within-run comparison (``Study.split``): each run before and after a step it names.

The step is a field of the agent's config (``onset``). Every condition whose step falls inside its runs,
with a window on each side, is split there and compared with the study's first condition split at the
same step: conditions share their run seeds, so both comparisons are paired by run.
"""

from __future__ import annotations

from typing import Any

from emergence.analysis.within import split_lines, split_sweep
from emergence.api import Results

from .design import folder_name

__all__ = ["split_verdicts"]


def split_verdicts(field: str, grown: list[tuple[dict[str, Any], Results]]) -> list[str]:
    """The verdict lines of the split at each condition's ``field`` (none when the study has no split)."""
    if not field:
        return []
    (first_condition, first), *_ = grown
    lines = []
    for condition, results in grown:
        config = results.manifest["config"]
        at = config["agent"].get(field)
        if not isinstance(at, int) or not 0 < at < config["steps"]:
            continue
        split = split_sweep(results.steps, results.summary.sweep, at)
        if not all(q["windows_before"] and q["windows_after"] for q in split.values()):
            lines.append(
                f"{folder_name(condition)}: no window before or none after {field} = {at:,}: not split "
                "(choose more --steps or other --windows)"
            )
            continue
        reference = (
            None
            if results is first
            else (folder_name(first_condition), split_sweep(first.steps, first.summary.sweep, at))
        )
        lines += split_lines(folder_name(condition), field, at, split, reference)
    return lines or [f"no condition's {field} falls inside its runs: no within-run comparison"]
