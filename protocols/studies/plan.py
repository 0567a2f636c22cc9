"""A study's power before it grows: the size of its Holm family, the smallest adjusted p its runs allow,
the effect they can detect and the runs a stated effect needs (``emergence.analysis.power``)."""

from __future__ import annotations

import numpy as np

from emergence.analysis.comparison import Axis, Cell, adjust, compare_cells
from emergence.analysis.power import detectable_dz, holm_floor, runs_needed
from emergence.config import ConfigError
from emergence.contract import Study

from .design import axis_name, conditions

__all__ = ["family_size", "plan_lines", "check_power", "default_runs", "STATED_EFFECT", "ALPHA", "POWER"]

STATED_EFFECT = 1.0  # the paired effect dz a built-in study's default runs detect: a large one
ALPHA, POWER = 0.05, 0.8


def _ordered(value) -> bool:
    """A level that resolves to a number (a number, or ``xF`` of the preset's value): an ordered axis."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        float(str(value).removeprefix("x"))
        return True
    except ValueError:
        return False


def family_size(study: Study, n_metrics: int = 1) -> int:
    """How many tests Holm adjusts together in the study's comparison: its own comparison run on stand-in
    runs (every test defined), so the count follows the comparison's design exactly."""
    rng = np.random.default_rng(0)

    def cell(levels):
        return Cell(levels=levels, pairing=(), activity=rng.uniform(-0.5, 0.5, 8), emotion=rng.uniform(-0.5, 0.5, 8))

    rows = []
    if not study.axes:
        axis = Axis("metric", tuple(f"m{i}" for i in range(n_metrics)))
        rows = compare_cells([cell({"metric": m}) for m in axis.values], [axis], "", activity=False)
        return adjust(rows)[0]["n_tests"] if rows else 0
    names, grid = axis_name(study), conditions(study)
    axes = []
    for name in names:
        values = tuple(dict.fromkeys("+".join(str(c[p]) for p in name.split("+")) for c in grid))
        first = [c[name.split("+")[0]] for c in grid]
        ordered = all(_ordered(v) for v in first)
        axes.append(Axis(name, values, tuple(float(i) for i in range(len(values))) if ordered else None))
    cells = [cell({a.name: "+".join(str(c[p]) for p in a.name.split("+")) for a in axes}) for c in grid]
    for i in range(n_metrics):
        rows += compare_cells(cells, axes, f"m{i}", activity=i == 0)
    return adjust(rows)[0]["n_tests"] if rows else 0


def default_runs(study: Study, n_metrics: int = 1) -> int:
    """The runs a study grows when none are given: enough to detect ``STATED_EFFECT`` after Holm."""
    return runs_needed(STATED_EFFECT, max(1, family_size(study, n_metrics)), ALPHA, POWER)


def plan_lines(study: Study, runs: int, n_metrics: int = 1, effect: float = STATED_EFFECT) -> list[str]:
    """What the study can answer with ``runs`` runs, in words."""
    m = max(1, family_size(study, n_metrics))
    floor, dz = holm_floor(runs, m), detectable_dz(runs, m, ALPHA, POWER)
    lines = [
        f"study {study.name}: {len(conditions(study)) or 1} conditions, {m} tests adjusted together (Holm)",
        f"with {runs} runs: smallest attainable Holm p {floor:.3g}"
        + (f" >= {ALPHA}: no test can come out positive, whatever the effect" if floor >= ALPHA else ""),
        f"detectable paired effect (power {POWER:.0%}, alpha {ALPHA}): "
        + (f"dz {dz:.2f} (the mean per-run change of Fisher z over its SD)" if np.isfinite(dz) else "none"),
        f"runs needed for dz {effect:g}: {runs_needed(effect, m, ALPHA, POWER)}",
    ]
    return lines


def check_power(study: Study, runs: int, n_metrics: int = 1, force: bool = False) -> str | None:
    """Refuse (ConfigError) a design whose Holm floor is not below alpha; with ``force``, the warning."""
    m = max(1, family_size(study, n_metrics))
    floor = holm_floor(runs, m)
    if floor < ALPHA:
        return None
    message = (
        f"study {study.name} with {runs} runs cannot detect anything: {m} tests adjusted together leave "
        f"a smallest Holm p of {floor:.3g} >= {ALPHA}; grow at least "
        f"{runs_needed(STATED_EFFECT, m, ALPHA, POWER)} runs (--runs) for a dz of {STATED_EFFECT:g}"
    )
    if not force:
        raise ConfigError(message + ", or pass --force")
    return "warning: " + message
