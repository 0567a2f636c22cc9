"""Sweep verdicts: coupled and twin-specific said apart, each with its power."""

import numpy as np

from emergence.analysis.controls import run_controls
from emergence.analysis.statistics import coupling
from emergence.analysis.summary import MetricSummary, QuantitySummary, SweepInfo, SweepSummary
from emergence.analysis.verdicts import sweep_lines
from emergence.analysis.windows import Windows


def _summary(runs: int, shared: float, seed: int = 0) -> SweepSummary:
    """A summary of a synthetic sweep whose twins share a signal of weight ``shared``."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal((runs, 2000))
    series = [shared * common + rng.standard_normal((runs, 2000)) for _ in range(2)]
    series += [rng.standard_normal((runs, 2000)) for _ in range(2)]
    windows = Windows("trail", 16, 20, burn_in=100)
    controls = run_controls(*series, windows, detrends=("none",), n_null=199, n_shifts=19, seed=seed)
    base = controls["detrend"]["none"]["summary"]
    sweep = SweepInfo(
        protocol="twins",
        substrate="fields",
        a=("hrls",),
        b=("surge",),
        runs=runs,
        steps=2000,
        window=20,
        init="same",
        n_main=40,
        n_emo=8,
        snapshot_every=5,
        weight_noise_mode="step",
        windows=windows.spec,
        burn_in=100,
        windows_text=windows.describe(2000),
    )
    metric = MetricSummary(
        description="mean",
        uses_snapshots=False,
        emotion=QuantitySummary(**base["emotion"]),
        controls=controls,
        corr_activity_emotion=coupling(base["activity"]["per_run"]["corr"], base["emotion"]["per_run"]["corr"]),
    )
    return SweepSummary(sweep=sweep, activity=QuantitySummary(**base["activity"]), metrics={"mean": metric})


class TestSweepLines:
    def test_two_runs_say_the_nulls_cannot_reject(self):
        """With 2 runs the sign-flip test and the cross-pair null cannot reject: the lines say so, with the
        smallest p, and never call the result "a shared trend"."""
        lines = sweep_lines(_summary(2, 0.0))
        text = "\n".join(lines)
        assert "the sign-flip test against 0 cannot reject with 2 runs (its smallest p is 0.5)" in text
        assert "twin-specific? the cross-pair null cannot reject with 2 runs" in text
        assert "shared trend" not in text and lines[0].startswith("measured on trail windows")

    def test_a_real_coupling_is_called_coupled_and_twin_specific(self):
        """Twins sharing a run-specific signal, 12 runs: coupled (against 0 and the shift null) and
        twin-specific (above mismatched pairs)."""
        text = "\n".join(sweep_lines(_summary(12, 1.0)))
        assert "activity coupling" in text and ": coupled (" in text
        assert "activity coupling: twin-specific," in text

    def test_uncoupled_twins_with_power(self):
        """Unrelated twins, 12 runs: no coupling detected, no twin-specific coupling detected."""
        text = "\n".join(sweep_lines(_summary(12, 0.0, seed=4)))
        assert "activity coupling" in text and "no coupling detected" in text
        assert "no twin-specific coupling detected" in text


class TestEquivalence:
    @staticmethod
    def _lines(shift: float, runs: int) -> list[str]:
        import numpy as np

        from emergence.analysis.comparison import Axis, Cell, adjust, compare_cells
        from emergence.analysis.verdicts import comparison_lines

        rng = np.random.default_rng(3)
        base = rng.uniform(-0.3, 0.3, runs)
        cells = [
            Cell(
                levels={"a": level},
                pairing=(1,),
                activity=base + d + rng.normal(0, 0.005, runs),
                emotion=base + d + rng.normal(0, 0.005, runs),
            )
            for level, d in (("x", 0.0), ("y", shift))
        ]
        return comparison_lines(adjust(compare_cells(cells, [Axis("a", ("x", "y"))], "mean")))

    def test_no_change_larger_than_the_margin(self):
        """Twelve paired runs that barely differ: no difference, and none larger than the margin."""
        line = next(found for found in self._lines(0.0, 12) if "emotion coupling" in found)
        assert "no difference detected, and none larger than ±0.10 in Fisher z" in line

    def test_too_few_runs_to_exclude_a_change(self):
        """Three runs cannot show equivalence either: the line says a change is not excluded."""
        line = next(found for found in self._lines(0.0, 3) if "emotion coupling" in found)
        assert "a change of ±0.10 in Fisher z is not excluded either" in line

    def test_the_interval_is_marked_as_before_holm(self):
        """The bootstrap interval is per test: the line says so, since it can exclude zero while the
        Holm-adjusted p does not reject."""
        line = next(found for found in self._lines(0.0, 12) if "emotion coupling" in found)
        assert "95% CI before Holm [" in line and "Holm over" in line
