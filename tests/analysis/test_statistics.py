import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from emergence.analysis.statistics import (
    MIN_BOOTSTRAP_RUNS,
    coupling,
    describe,
    dispersion,
    quantity_summary,
    twin_summary,
    window_correlations,
)
from emergence.analysis.windows import Windows, parse_windows
from strategies import json_ready


def _pearson_per_window(x, y, window):
    """The independent computation: scipy.stats.pearsonr on each window, NaN where a side is constant."""
    out, start = [], 0
    while start < len(x):
        xs, ys = x[start : start + window], y[start : start + window]
        if len(xs) < 3:
            break
        out.append(np.nan if np.ptp(xs) == 0 or np.ptp(ys) == 0 else stats.pearsonr(xs, ys).statistic)
        start += window
    return np.array(out)


def _sweep(rng, runs=6, steps=230, coupling_a=0.6, coupling_e=0.2):
    shared = rng.standard_normal((2, runs, steps))
    series = [coupling_a * shared[0] + rng.standard_normal((runs, steps)) for _ in range(2)]
    series += [coupling_e * shared[1] + rng.standard_normal((runs, steps)) for _ in range(2)]
    return series


finite = st.floats(-1e3, 1e3, allow_nan=False)


class TestWindows:
    def test_partial_window_rule(self):
        """A last partial window is kept only with at least 3 points."""
        assert Windows.blocks(10).count(100) == 10
        assert Windows.blocks(10).count(102) == 10
        assert Windows.blocks(10).count(103) == 11
        assert Windows.blocks(10).count(2) == 0

    def test_trail_windows_end_at_checkpoints(self):
        """trail:L takes the last L steps before each of ~100 checkpoints (every steps // 100), leaving
        out those reaching into the burn-in; @E sets the spacing."""
        starts, stops = parse_windows("trail:16", burn_in=100).bounds(50_000)
        assert stops.tolist() == list(range(500, 50_001, 500)) and (stops - starts == 16).all()
        starts, stops = parse_windows("trail:16@50", burn_in=100).bounds(1_000)
        assert starts[0] == 134 and stops[-1] == 1_000 and len(stops) == 18

    def test_contiguous_windows_after_burn_in(self):
        """A contiguous block straddling the burn-in is cut to start after it; the others keep their place."""
        starts, stops = Windows.blocks(250, burn_in=100).bounds(1_000)
        assert starts.tolist() == [100, 250, 500, 750] and stops.tolist() == [250, 500, 750, 1_000]

    @pytest.mark.parametrize("spec", ["trail", "trail:2", "trail:x", "blocks", "trail:16@y"])
    def test_bad_specs(self, spec):
        """A malformed windows spec is one clear error naming the forms."""
        with pytest.raises(ValueError, match="trail"):
            parse_windows(spec)

    def test_trail_windows_are_pearson_on_the_slice(self, seed):
        """Each trail window r is scipy's pearsonr on the L steps before its checkpoint."""
        rng = np.random.default_rng(seed)
        x, y = rng.standard_normal(1_000), rng.standard_normal(1_000)
        windows = parse_windows("trail:16", burn_in=100)
        r = window_correlations(x, y, windows)
        for k, (a, b) in enumerate(zip(*windows.bounds(1_000))):
            assert r[k] == pytest.approx(stats.pearsonr(x[a:b], y[a:b]).statistic, abs=1e-10)

    @pytest.mark.parametrize("steps", [200, 202, 207])
    def test_matches_scipy_pearsonr(self, seed, steps):
        """Each window r equals scipy.stats.pearsonr on that window, partial last window included."""
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((3, steps))
        y = 0.5 * x + rng.standard_normal((3, steps))
        r = window_correlations(x, y, 20)
        for run in range(3):
            np.testing.assert_allclose(r[run], _pearson_per_window(x[run], y[run], 20), atol=1e-12)

    def test_constant_window_is_nan_not_zero(self, seed):
        """A window where either series is constant (exactly, or up to rounding) gives NaN, never 0."""
        rng = np.random.default_rng(seed)
        x, y = rng.standard_normal(60), rng.standard_normal(60)
        x[:20] = 0.1
        y[40:] = 7.3
        r = window_correlations(x, y, 20)
        assert np.isnan(r[0]) and np.isnan(r[2]) and np.isfinite(r[1])

    def test_nan_window_is_nan(self, seed):
        """A window holding a NaN (a metric with no value there) has no r either, and is counted."""
        rng = np.random.default_rng(seed)
        x, y = rng.standard_normal((1, 60)), rng.standard_normal((1, 60))
        y[0, 25] = np.nan
        assert np.isnan(window_correlations(x, y, 20)).tolist() == [[False, True, False]]
        assert quantity_summary(x, y, 20)["across_steps"]["n_constant"] == 1

    @given(
        arrays(np.float64, (2, 37), elements=finite), arrays(np.float64, (2, 37), elements=finite), st.integers(3, 40)
    )
    def test_bounded_and_symmetric(self, x, y, window):
        """Window r's are NaN or within [-1, 1], and swapping the twins changes nothing."""
        r = window_correlations(x, y, window)
        assert np.all(np.isnan(r) | (np.abs(r) <= 1))
        np.testing.assert_array_equal(np.isnan(r), np.isnan(window_correlations(y, x, window)))
        np.testing.assert_allclose(r, window_correlations(y, x, window), atol=1e-12)

    @given(arrays(np.float64, 40, elements=finite), st.floats(0.1, 10), st.floats(-100, 100))
    def test_affine_invariant(self, x, scale, shift):
        """r is unchanged when one twin's series is scaled by a positive factor and shifted."""
        y = np.cos(np.arange(40.0))
        r = window_correlations(x, y, 10)
        moved = window_correlations(scale * x + shift, y, 10)
        ok = np.isfinite(r) & np.isfinite(moved)
        np.testing.assert_allclose(r[ok], moved[ok], atol=1e-6)

    def test_bad_inputs_refused(self):
        """A window under 3 steps or twins of different shapes are refused with a message."""
        with pytest.raises(ValueError, match="window"):
            quantity_summary(np.zeros((2, 10)), np.zeros((2, 10)), 2)
        with pytest.raises(ValueError, match="no window fits"):
            quantity_summary(np.zeros((2, 10)), np.zeros((2, 10)), Windows("trail", 16, 10))
        with pytest.raises(ValueError, match="shape"):
            quantity_summary(np.zeros((2, 10)), np.zeros((3, 10)), 5)


class TestQuantitySummary:
    def test_levels_agree_with_window_rs(self, seed):
        """Per run: mean of its window r's ignoring NaN; across runs and steps: numpy with ddof=1."""
        rng = np.random.default_rng(seed)
        a, b, _, _ = _sweep(rng)
        a[1, :20] = 3.0
        out = quantity_summary(a, b, 20)
        r = np.array([_pearson_per_window(a[i], b[i], 20) for i in range(6)])
        run = np.nanmean(r, axis=1)
        np.testing.assert_allclose(out["per_run"]["corr"], run, atol=1e-12)
        assert out["per_run"]["n_constant_windows"] == [0, 1, 0, 0, 0, 0]
        steps = out["across_steps"]
        assert steps["n_windows"] == r.size and steps["n_constant"] == 1 and steps["n"] == r.size - 1
        assert math.isclose(steps["sd"], np.nanstd(r, ddof=1), abs_tol=1e-12)
        runs = out["across_runs"]
        assert math.isclose(runs["mean"], run.mean(), abs_tol=1e-12)
        assert math.isclose(runs["sd"], run.std(ddof=1), abs_tol=1e-12)
        assert (runs["min"], runs["max"]) == pytest.approx((run.min(), run.max()))

    def test_run_without_defined_window(self):
        """A run whose every window is constant has a NaN run-level value, counted as undefined."""
        a = np.vstack([np.ones(40), np.arange(40.0) % 7])
        out = quantity_summary(a, np.sin(np.arange(80.0)).reshape(2, 40), 10)
        assert math.isnan(out["per_run"]["corr"][0])
        assert out["across_runs"]["n_undefined"] == 1 and out["across_runs"]["n"] == 1

    def test_describe_empty(self):
        """Describing nothing gives NaNs and a count of 0, without warnings."""
        out = describe([np.nan])
        assert out["n"] == 0 and all(math.isnan(out[k]) for k in ("mean", "sd", "min", "max"))


class TestTwinSummary:
    def test_json_ready(self, seed):
        """The summary holds only plain JSON types and round-trips through json."""
        out = twin_summary(*_sweep(np.random.default_rng(seed)), 20, n_resamples=199)
        assert json_ready(out)
        assert json.loads(json.dumps(out))["n_windows_per_run"] == 12

    def test_coupling_matches_pearsonr(self, seed):
        """corr(A_corr_run, E_corr_run) is scipy's pearsonr; the seeded CI is reproducible and holds r."""
        rng = np.random.default_rng(seed)
        a, e = rng.standard_normal(30), rng.standard_normal(30)
        e += a
        out = coupling(a, e, n_resamples=999, seed=3)
        expected = stats.pearsonr(a, e)
        assert out["r"] == pytest.approx(expected.statistic) and out["p_value"] == pytest.approx(expected.pvalue)
        assert out["ci_low"] < out["r"] < out["ci_high"] and out["reason"] is None
        assert coupling(a, e, n_resamples=999, seed=3) == out

    def test_no_bootstrap_interval_below_twelve_runs(self, seed):
        """Below 12 runs r and p are given, the interval is not (its coverage would not hold), with why."""
        rng = np.random.default_rng(seed)
        a = rng.standard_normal(MIN_BOOTSTRAP_RUNS - 1)
        out = coupling(a, a + rng.standard_normal(a.size), n_resamples=199)
        assert math.isfinite(out["r"]) and out["reason"] is None and math.isnan(out["ci_low"])
        assert "12 runs" in out["ci_reason"]

    @pytest.mark.parametrize("runs", [1, 2])
    def test_too_few_runs(self, runs):
        """Under 3 runs the coupling is NaN with a reason, not an error."""
        out = coupling(np.arange(runs, dtype=float), np.arange(runs, dtype=float))
        assert math.isnan(out["r"]) and math.isnan(out["ci_low"]) and "3 runs" in out["reason"]

    def test_swapping_twins(self, seed):
        """Swapping twin A and twin B leaves every statistic unchanged."""
        a, b, c, d = _sweep(np.random.default_rng(seed))
        one, two = twin_summary(a, b, c, d, 20, n_resamples=199), twin_summary(b, a, d, c, 20, n_resamples=199)
        for quantity in ("activity", "emotion"):
            assert one[quantity]["per_run"]["corr"] == pytest.approx(two[quantity]["per_run"]["corr"])
            assert one[quantity]["across_steps"] == pytest.approx(two[quantity]["across_steps"])
        assert one["corr_activity_emotion"]["r"] == pytest.approx(two["corr_activity_emotion"]["r"])


class TestDispersion:
    def test_synthetic_sweep_reproduces_a_known_window_sd(self):
        """Trail windows of a synthetic sweep whose twins share a signal with a known correlation give the
        window SD and mean that short windows of that coupling must give, and a between-run SD near 0
        when every run has the same coupling."""
        rng = np.random.default_rng(7)
        runs, steps, rho = 40, 20_000, 0.2
        shared = rng.standard_normal((runs, steps))
        a = np.sqrt(rho) * shared + np.sqrt(1 - rho) * rng.standard_normal((runs, steps))
        b = np.sqrt(rho) * shared + np.sqrt(1 - rho) * rng.standard_normal((runs, steps))
        windows = parse_windows("trail:16", burn_in=100)
        d = quantity_summary(a, b, windows)["dispersion"]
        # r of 16 iid pairs with correlation rho: mean ~rho, SD from the Fisher z approximation
        expected = np.tanh(np.arctanh(rho) + rng.standard_normal(200_000) / np.sqrt(13)).std()
        assert d["window_sd"] == pytest.approx(expected, abs=0.02)
        assert d["between_run_sd"] < 0.01 and d["run_sd"] == pytest.approx(d["sampling_sd"], rel=0.25)

    def test_between_run_sd_finds_a_real_spread(self):
        """Runs whose true couplings differ by SD s show a between-run SD near s."""
        rng = np.random.default_rng(8)
        true = 0.3 + 0.15 * rng.standard_normal(400)
        r = np.clip(true[:, None] + 0.3 * rng.standard_normal((400, 100)), -1, 1)
        d = dispersion(r)
        assert d["between_run_sd"] == pytest.approx(0.15, abs=0.02) and d["range"][0] < d["range"][1]
