"""The comparison of a study: every test between its conditions, one row each, Holm-adjusted together.

A study is a grid of conditions over axes; each condition (a ``Cell``) holds its runs' A_corr_run and
E_corr_run. Along each axis, each level is compared with the axis's first level (the reference), the
other axes held fixed: mean and spread of the Fisher z of A_corr_run and E_corr_run, and
corr(A_corr_run, E_corr_run). An ordered axis of three or more levels adds a Spearman trend; a 2x2 grid
tests its two main effects and the interaction on the means instead of the pairwise means. Every
p-value of the study is then adjusted by Holm's method, the number of tests stated with each row.
"""

from __future__ import annotations

from itertools import product

import numpy as np
from attrs import field, frozen
from scipy import stats

from .contrasts import IDENTICAL, correlation_difference, fisher_z, holm, mean_difference, spread_difference, trend
from .power import tost

__all__ = ["Axis", "Cell", "compare_cells", "adjust", "COLUMNS"]

COLUMNS = (
    "contrast",
    "kind",
    "quantity",
    "test",
    "metric",
    "reference",
    "value",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_holm",
    "n_tests",
    "n_runs",
    "paired",
    "margin",
    "p_equivalent",
    "note",
)
EQUIVALENCE_MARGIN = 0.1  # in Fisher z (about 0.1 in r near 0): a paired mean within it is "no change"


@frozen
class Axis:
    """An axis of a study: its level labels in order; ``positions`` (numbers) when it is ordered."""

    name: str
    values: tuple[str, ...] = field(converter=tuple)
    positions: tuple[float, ...] | None = None


@frozen
class Cell:
    """One condition's runs: its level on each axis, the key its runs are paired by, and per run the
    activity and emotion couplings (A_corr_run, E_corr_run)."""

    levels: dict[str, str]
    pairing: tuple
    activity: np.ndarray = field(converter=lambda v: np.asarray(v, dtype=np.float64))
    emotion: np.ndarray = field(converter=lambda v: np.asarray(v, dtype=np.float64))

    def values(self, quantity: str) -> np.ndarray:
        return self.activity if quantity == "activity" else self.emotion


def _row(**values) -> dict:
    nan = float("nan")
    return {**{c: nan for c in COLUMNS}, "note": "", "paired": False, "n_tests": 0, **values}


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.all((np.abs(a - b) < IDENTICAL) | (np.isnan(a) & np.isnan(b))))


def _pearson(cell: Cell) -> tuple[float, int]:
    ok = np.isfinite(cell.activity) & np.isfinite(cell.emotion)
    if ok.sum() < 3 or np.ptp(cell.activity[ok]) == 0 or np.ptp(cell.emotion[ok]) == 0:
        return float("nan"), int(ok.sum())
    return float(stats.pearsonr(cell.activity[ok], cell.emotion[ok]).statistic), int(ok.sum())


def _pair_rows(
    ref: Cell, cell: Cell, contrast: str, metric: str, quantities: tuple[str, ...], tests: tuple[str, ...], seed: int
) -> list[dict]:
    paired = ref.pairing == cell.pairing
    rows = []
    for quantity in quantities:
        x, y = ref.values(quantity), cell.values(quantity)
        common = dict(contrast=contrast, kind="pair", quantity=quantity, metric=metric, paired=paired)
        if _identical(x, y):
            rows.append(
                _row(
                    **common,
                    test="identical",
                    reference=float(np.nanmean(x)),
                    value=float(np.nanmean(y)),
                    difference=0.0,
                    n_runs=int(np.isfinite(x).sum()),
                    note="identical in every run",
                )
            )
            continue
        zx, zy = fisher_z(x), fisher_z(y)
        if "mean" in tests:
            m = mean_difference(zx, zy, paired=paired, seed=seed)
            rows.append(
                _row(
                    **common,
                    test="mean",
                    reference=float(np.nanmean(x)),
                    value=float(np.nanmean(y)),
                    difference=m["difference"],
                    ci_low=m["ci_low"],
                    ci_high=m["ci_high"],
                    p_value=m["p_value"],
                    n_runs=m["n"],
                    note=m["reason"] or "",
                    **(_equivalent(zx, zy, seed) if paired else {}),
                )
            )
        s = spread_difference(zx, zy)
        sd_x, sd_y = float(np.nanstd(x, ddof=1)), float(np.nanstd(y, ddof=1))
        rows.append(
            _row(
                **common,
                test="spread",
                reference=sd_x,
                value=sd_y,
                difference=sd_y - sd_x,
                p_value=s["p_value"],
                n_runs=s["n"],
                note=s["reason"] or "",
            )
        )
    (r_x, n_x), (r_y, n_y) = _pearson(ref), _pearson(cell)
    c = correlation_difference(r_x, n_x, r_y, n_y)
    rows.append(
        _row(
            contrast=contrast,
            kind="pair",
            quantity="activity~emotion",
            test="corr",
            metric=metric,
            paired=paired,
            reference=r_x,
            value=r_y,
            difference=c["difference"],
            p_value=c["p_value"],
            n_runs=min(n_x, n_y),
            note=c["reason"] or "",
        )
    )
    return rows


def _equivalent(x, y, seed: int) -> dict:
    """The paired equivalence test of y against x within the margin (TOST), as a row's columns."""
    return dict(margin=EQUIVALENCE_MARGIN, p_equivalent=tost(x, y, EQUIVALENCE_MARGIN, seed=seed)["p_value"])


def _trend_rows(axis: Axis, line: list[Cell], where: str, metric: str, quantities: tuple[str, ...]) -> list[dict]:
    rows = []
    for quantity in quantities:
        values = [c.values(quantity) for c in line]
        common = dict(
            contrast=f"{axis.name}: trend{where}",
            kind="trend",
            quantity=quantity,
            metric=metric,
            reference=float(np.nanmean(values[0])),
            value=float(np.nanmean(values[-1])),
            paired=all(c.pairing == line[0].pairing for c in line),
        )
        if all(_identical(values[0], v) for v in values[1:]):
            rows.append(
                _row(
                    **common,
                    test="identical",
                    difference=0.0,
                    n_runs=int(np.isfinite(values[0]).sum()),
                    note="identical in every run",
                )
            )
            continue
        positions = np.concatenate([np.full(v.size, p) for v, p in zip(values, axis.positions)])
        t = trend(positions, fisher_z(np.concatenate(values)))
        rows.append(
            _row(
                **common, test="trend", difference=t["rho"], p_value=t["p_value"], n_runs=t["n"], note=t["reason"] or ""
            )
        )
    return rows


def _effect_rows(
    axes: tuple[Axis, Axis], grid: dict, metric: str, quantities: tuple[str, ...], seed: int
) -> list[dict]:
    (x, y) = axes
    cells = {(i, j): grid[(x.values[i], y.values[j])] for i in (0, 1) for j in (0, 1)}
    if len({c.pairing for c in cells.values()}) > 1:
        return []  # effects are per-run contrasts: they need paired conditions
    rows = []
    for quantity in quantities:
        z = {k: fisher_z(c.values(quantity)) for k, c in cells.items()}
        effects = {
            f"{x.name}: main effect": ((z[1, 0] + z[1, 1]) - (z[0, 0] + z[0, 1])) / 2,
            f"{y.name}: main effect": ((z[0, 1] + z[1, 1]) - (z[0, 0] + z[1, 0])) / 2,
            f"{x.name} x {y.name}: interaction": (z[1, 1] - z[1, 0]) - (z[0, 1] - z[0, 0]),
        }
        for contrast, d in effects.items():
            zero = np.zeros_like(d)
            m = mean_difference(zero, d, paired=True, seed=seed)
            identical = m["reason"] == "identical in every run"
            rows.append(
                _row(
                    contrast=contrast,
                    kind=contrast.rsplit(": ", 1)[1],
                    quantity=quantity,
                    metric=metric,
                    test="identical" if identical else "mean",
                    difference=m["difference"],
                    ci_low=m["ci_low"],
                    ci_high=m["ci_high"],
                    p_value=m["p_value"],
                    n_runs=m["n"],
                    paired=True,
                    note=m["reason"] or "",
                    **({} if identical else _equivalent(zero, d, seed)),
                )
            )
    return rows


def _where(axes: list[Axis], fixed: tuple[str, ...]) -> str:
    return f" ({', '.join(f'{a.name}={v}' for a, v in zip(axes, fixed))})" if axes else ""


def compare_cells(
    cells: list[Cell], axes: list[Axis], metric: str, *, activity: bool = True, seed: int = 0
) -> list[dict]:
    """Every test of a study's grid for one emotion metric (rows with ``COLUMNS``, not yet adjusted);
    ``activity=False`` leaves out the activity tests (already made for another metric)."""
    grid = {tuple(c.levels[a.name] for a in axes): c for c in cells}
    two_by_two = len(axes) == 2 and all(len(a.values) == 2 for a in axes)
    quantities = ("activity", "emotion") if activity else ("emotion",)
    tests = ("spread",) if two_by_two else ("mean", "spread")
    rows = []
    for i, axis in enumerate(axes):
        others = [a for a in axes if a is not axis]
        for fixed in product(*(a.values for a in others)):

            def cell(value, fixed=fixed, i=i):
                key = list(fixed)
                key.insert(i, value)
                return grid[tuple(key)]

            line = [cell(v) for v in axis.values]
            where = _where(others, fixed)
            for value, c in zip(axis.values[1:], line[1:]):
                contrast = f"{axis.name}: {value} vs {axis.values[0]}{where}"
                rows += _pair_rows(line[0], c, contrast, metric, quantities, tests, seed)
            if axis.positions is not None and len(axis.values) >= 3:
                rows += _trend_rows(axis, line, where, metric, quantities)
    if two_by_two:
        rows += _effect_rows((axes[0], axes[1]), grid, metric, quantities, seed)
    return rows


def adjust(rows: list[dict]) -> list[dict]:
    """The rows with ``p_holm`` (Holm over every defined p-value of the study), ``n_tests``, and
    ``p_equivalent`` Holm-adjusted over the study's equivalence tests."""
    adjusted = holm([r["p_value"] for r in rows])
    equivalent = holm([r["p_equivalent"] for r in rows])  # the equivalence tests: a family of their own
    n = int(np.isfinite([r["p_value"] for r in rows]).sum())
    return [
        {**r, "p_holm": float(p), "p_equivalent": float(e), "n_tests": n} for r, p, e in zip(rows, adjusted, equivalent)
    ]
