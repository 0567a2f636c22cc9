"""The tests between conditions: paired and unpaired means, spread, correlations, trend, Holm, the grid."""

import numpy as np
import pytest
from scipy import stats

from emergence.analysis.contrasts import (
    correlation_difference,
    fisher_z,
    holm,
    mean_difference,
    spread_difference,
    trend,
)
from emergence.analysis.comparison import Axis, Cell, adjust, compare_cells


class TestTests:
    def test_paired_shift_is_detected_and_its_ci_covers_it(self):
        """A shift of 0.3 in every run (plus noise) gives a small p and a CI around 0.3."""
        rng = np.random.default_rng(1)
        x = rng.normal(0, 0.1, 12)
        m = mean_difference(x, x + 0.3 + rng.normal(0, 0.02, 12), paired=True)
        assert m["p_value"] < 0.01 and m["ci_low"] < 0.3 < m["ci_high"] and m["n"] == 12

    def test_no_interval_below_twelve_runs(self):
        """Below 12 runs the difference and its exact p are given, no bootstrap interval (NaN)."""
        x = np.random.default_rng(2).normal(0, 0.1, 8)
        m = mean_difference(x, x + 0.3, paired=True)
        assert m["p_value"] == pytest.approx(2 / 256) and np.isnan(m["ci_low"]) and np.isnan(m["ci_high"])

    def test_paired_test_is_the_exact_sign_flip_test(self):
        """With 6 runs the null has 2^6 sign patterns: all differences positive gives p = 2/64."""
        d = np.array([0.1, 0.2, 0.15, 0.3, 0.05, 0.12])
        assert mean_difference(np.zeros(6), d, paired=True)["p_value"] == pytest.approx(2 / 64)

    def test_identical_samples_are_not_tested(self):
        """The same series in every run: difference 0, p NaN and the reason."""
        m = mean_difference(np.ones(5) * 0.2, np.ones(5) * 0.2, paired=True)
        assert m["difference"] == 0 and np.isnan(m["p_value"]) and m["reason"] == "identical in every run"

    def test_unpaired_matches_a_two_sample_permutation(self):
        """Unpaired: mean(y) - mean(x), and a large shift is significant."""
        rng = np.random.default_rng(2)
        x, y = rng.normal(0, 0.1, 8), rng.normal(0.5, 0.1, 11)
        m = mean_difference(x, y, paired=False)
        assert m["difference"] == pytest.approx(y.mean() - x.mean()) and m["p_value"] < 0.01

    def test_spread_is_brown_forsythe(self):
        """spread_difference is scipy's Levene about the median, with both SDs."""
        rng = np.random.default_rng(3)
        x, y = rng.normal(0, 0.1, 20), rng.normal(0, 0.4, 20)
        s = spread_difference(x, y)
        assert s["p_value"] == pytest.approx(stats.levene(x, y, center="median").pvalue) and s["sd_y"] > s["sd_x"]

    def test_correlation_difference_by_fisher_z(self):
        """Equal r's give p = 1; r = 0.9 against 0 over 30 runs each differ."""
        assert correlation_difference(0.3, 20, 0.3, 20)["p_value"] == pytest.approx(1.0)
        assert correlation_difference(0.0, 30, 0.9, 30)["p_value"] < 1e-4
        assert np.isnan(correlation_difference(0.1, 3, 0.2, 30)["p_value"])

    def test_trend_is_spearman_over_levels(self):
        """Values rising with the level give rho near 1."""
        positions = np.repeat([1.0, 2.0, 5.0], 5)
        assert trend(positions, positions + np.random.default_rng(4).normal(0, 0.1, 15))["rho"] > 0.8

    def test_holm_against_hand_values(self):
        """Holm of (0.01, 0.04, 0.03, NaN): 0.03, 0.06, 0.06 and NaN (three tests)."""
        np.testing.assert_allclose(holm([0.01, 0.04, 0.03, np.nan]), [0.03, 0.06, 0.06, np.nan])

    def test_fisher_z_stays_finite_at_one(self):
        """|r| = 1 is clipped, never an infinite z."""
        assert np.all(np.isfinite(fisher_z([1.0, -1.0, 0.5])))


def _cell(levels, activity, emotion, pairing=(1, 2)):
    return Cell(levels=levels, pairing=pairing, activity=activity, emotion=emotion)


class TestGrid:
    def test_identical_activity_is_said_not_tested(self):
        """Two conditions with the same activity: one 'identical' row, no activity p-values."""
        rng = np.random.default_rng(5)
        a = rng.uniform(0, 0.5, 8)
        cells = [
            _cell({"a": "hrls"}, a, rng.uniform(-0.3, 0.3, 8)),
            _cell({"a": "surge"}, a, rng.uniform(-0.3, 0.3, 8)),
        ]
        rows = adjust(compare_cells(cells, [Axis("a", ("hrls", "surge"))], "mean"))
        activity = [r for r in rows if r["quantity"] == "activity"]
        assert [r["test"] for r in activity] == ["identical"]
        assert {r["test"] for r in rows if r["quantity"] != "activity"} == {"mean", "spread", "corr"}
        assert all(r["n_tests"] == 3 and r["paired"] for r in rows)

    def test_two_by_two_tests_main_effects_and_interaction(self):
        """A 2x2 grid where only x raises emotion: x's main effect is found, y's is not."""
        rng = np.random.default_rng(6)
        base = rng.normal(0, 0.05, 12)
        cells = [
            _cell({"x": x, "y": y}, rng.uniform(0, 0.5, 12), base + (0.4 if x == "1" else 0) + rng.normal(0, 0.02, 12))
            for x in ("0", "1")
            for y in ("0", "1")
        ]
        rows = compare_cells(cells, [Axis("x", ("0", "1")), Axis("y", ("0", "1"))], "mean")
        effects = {r["contrast"]: r for r in rows if r["quantity"] == "emotion" and r["kind"] != "pair"}
        assert set(effects) == {"x: main effect", "y: main effect", "x x y: interaction"}
        assert effects["x: main effect"]["p_value"] < 0.01 < effects["y: main effect"]["p_value"]
        # y changes nothing: its effect is also tested for equivalence within the margin, and shown equivalent
        assert effects["y: main effect"]["margin"] == 0.1 and effects["y: main effect"]["p_equivalent"] < 0.01
        assert effects["x: main effect"]["p_equivalent"] > 0.5  # a change of 0.4 is no equivalence

    def test_ordered_axis_has_a_trend_and_unpaired_cells_are_said(self):
        """Three ordered levels add a trend row; cells of different seeds are compared unpaired."""
        rng = np.random.default_rng(7)
        cells = [
            _cell({"n": str(n)}, rng.uniform(0, 0.5, 6), rng.uniform(-0.3, 0.3, 6), pairing=(n,)) for n in (1, 2, 5)
        ]
        rows = compare_cells(cells, [Axis("n", ("1", "2", "5"), (1.0, 2.0, 5.0))], "mean")
        assert {r["test"] for r in rows if r["kind"] == "trend"} == {"trend"}
        assert not any(r["paired"] for r in rows)
