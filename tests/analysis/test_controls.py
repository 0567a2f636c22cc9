import json

import numpy as np
import pytest
from scipy import signal, stats

from emergence.analysis.controls import (
    DETRENDS,
    STATISTICS,
    autocorrelation_time,
    control_rows,
    cross_pair_null,
    run_controls,
    sensitivity,
    surrogate_null,
    sign_flip_zero,
    smallest_p,
    sweep_statistics,
    window_significance,
)
from emergence.analysis.statistics import run_correlations, unit_windows, window_correlations
from emergence.analysis.windows import Windows, segments
from strategies import json_ready

WINDOW = 50


def _ar1(rng, shape, phi):
    """Independent AR(1) series with unit innovations along the last axis."""
    return signal.lfilter([1.0], [1.0, -phi], rng.standard_normal(shape), axis=-1)


def _trend_only(rng, runs=12, steps=1000):
    """Twins sharing only a steep linear trend common to every run, plus independent noise."""
    trend = 10.0 * np.arange(steps) / WINDOW
    return [trend + rng.standard_normal((runs, steps)) for _ in range(4)]


def _coupled(rng, runs=12, steps=1000):
    """Twins sharing a run-specific signal in both quantities: real coupling, no common trend."""
    shared = [_ar1(rng, (runs, steps), 0.8) for _ in range(2)]
    return [s + rng.standard_normal((runs, steps)) for s in shared for _ in range(2)]


class TestDetrend:
    def test_linear_is_scipy_detrend_per_window(self, seed):
        """ "linear" equals scipy.signal.detrend on each window, a kept partial window included."""
        x = np.random.default_rng(seed).standard_normal((2, 107)).cumsum(axis=1)
        values, mask = segments(x, Windows.blocks(20), "linear")
        expected = signal.detrend(x[:, :100].reshape(2, 5, 20), axis=-1)
        np.testing.assert_allclose(values[:, :5], expected, atol=1e-10)
        np.testing.assert_allclose(values[:, 5, :7], signal.detrend(x[:, 100:], axis=-1), atol=1e-10)
        assert mask.sum(axis=-1).tolist() == [20] * 5 + [7]

    def test_diff_is_within_each_window(self, seed):
        """ "diff" gives each window's own first differences (one point fewer)."""
        x = np.random.default_rng(seed).standard_normal(60)
        values, mask = segments(x, Windows("trail", 10, 20), "diff")
        np.testing.assert_allclose(values[0, : mask[0].sum()], np.diff(x[10:20]))

    def test_line_becomes_constant(self):
        """A window that is a straight line has no detrended r: NaN, never a rounding-noise value."""
        x = 0.37 * np.arange(60.0) + 12.0
        y = np.random.default_rng(0).standard_normal(60)
        assert np.isnan(window_correlations(x, y, 20, "linear")).all()

    def test_unknown_detrend(self):
        """An unknown detrending is refused, naming the choices."""
        with pytest.raises(ValueError, match="none, diff, linear"):
            window_correlations(np.zeros(10), np.zeros(10), 5, "quadratic")


class TestSweepStatistics:
    def test_vectorised_equals_rows(self, seed):
        """The statistics of a stack of sweeps equal those of each sweep, NaN runs skipped."""
        rng = np.random.default_rng(seed)
        a, e = rng.uniform(-1, 1, (5, 9)), rng.uniform(-1, 1, (5, 9))
        a[0, 2] = e[1, 4] = np.nan
        stacked = sweep_statistics(a, e)
        for i in range(5):
            one = sweep_statistics(a[i], e[i])
            ok = np.isfinite(a[i]) & np.isfinite(e[i])
            assert one["mean_activity"] == pytest.approx(np.nanmean(a[i]))
            assert one["sd_emotion"] == pytest.approx(np.nanstd(e[i], ddof=1))
            assert one["corr_activity_emotion"] == pytest.approx(stats.pearsonr(a[i][ok], e[i][ok]).statistic)
            assert {k: float(v[i]) for k, v in stacked.items()} == pytest.approx(one)


class TestCrossPairNull:
    def test_common_trend_is_not_coupling(self, seed):
        """Twins sharing only a common trend: raw r high, detrended r near 0, twin statistic inside its null."""
        series = _trend_only(np.random.default_rng(seed))
        raw = run_correlations(window_correlations(series[0], series[1], WINDOW))
        assert raw.mean() > 0.8
        for detrend in ("diff", "linear"):
            r = run_correlations(window_correlations(series[0], series[1], WINDOW, detrend))
            assert abs(r.mean()) < 0.05
        null = cross_pair_null(*series, WINDOW, n_null=199, seed=seed)["statistics"]["mean_activity"]
        assert null["null_mean"] > 0.8
        assert null["p_value"] > 1 / 200 and abs(null["effect_size"]) < 4  # not beyond every null sweep

    def test_real_coupling_stands_out(self, seed):
        """Twins with real coupling: every mean statistic far outside its null, at the smallest p-value."""
        out = cross_pair_null(*_coupled(np.random.default_rng(seed)), WINDOW, n_null=199, seed=seed)
        for key, quantity in (("mean_activity", "activity"), ("mean_emotion", "emotion")):
            c = out["statistics"][key]
            assert c["twin"] > 0.3 and abs(out["pairs"][quantity]["mean"]) < 0.05
            assert c["null_mean"] < c["twin"] / 12 + 0.05  # null sweeps keep about one twin pair in 12
            assert c["p_value"] == pytest.approx(1 / 200) and c["effect_size"] > 5
        assert out["all_pairs"] and out["n_pairs"] == 12 * 11

    def test_p_value_uniform_under_null(self):
        """With independent twins the permutation p-value is uniform (KS test over seeded sweeps)."""
        rng = np.random.default_rng(7)
        p = {key: [] for key in STATISTICS}
        for i in range(300):
            series = [_ar1(rng, (8, 100), 0.5) for _ in range(4)]
            out = cross_pair_null(*series, 20, n_null=99, seed=i)["statistics"]
            for key in p:
                p[key].append(out[key]["p_value"])
        for key, values in p.items():
            assert stats.kstest(values, "uniform").pvalue > 0.01, key

    def test_subset_of_pairs(self, seed):
        """Past max_pairs a seeded random subset of mismatched pairs is used: about the same pair null."""
        series = _coupled(np.random.default_rng(seed))
        every = cross_pair_null(*series, WINDOW, n_null=199, seed=1)
        some = cross_pair_null(*series, WINDOW, n_null=199, max_pairs=40, seed=1)
        assert not some["all_pairs"] and some["n_pairs"] == 40
        for key, quantity in (("mean_activity", "activity"), ("mean_emotion", "emotion")):
            assert some["statistics"][key]["null_mean"] == pytest.approx(every["pairs"][quantity]["mean"], abs=0.03)
            assert some["statistics"][key]["twin"] == every["statistics"][key]["twin"]
            assert some["statistics"][key]["p_value"] < 0.01

    def test_pairs_agree_with_direct_computation(self, seed):
        """The null pair values are the run-level corr of A of run r with B of run s, computed directly."""
        rng = np.random.default_rng(seed)
        series = [rng.standard_normal((3, 120)) for _ in range(4)]
        out = cross_pair_null(*series, 20)
        direct = [
            run_correlations(window_correlations(series[0][r], series[1][s], 20))
            for r in range(3)
            for s in range(3)
            if r != s
        ]
        assert out["pairs"]["activity"]["mean"] == pytest.approx(np.mean(direct))
        assert out["pairs"]["activity"]["min"] == pytest.approx(np.min(direct))

    def test_single_run(self):
        """One run has no mismatched pair: the null is NaN with a reason."""
        out = cross_pair_null(*np.random.default_rng(0).standard_normal((4, 1, 60)), 20)
        assert out["reason"] and np.isnan(out["statistics"]["mean_activity"]["null_mean"])


class TestSurrogates:
    def test_autocorrelation_time(self, seed):
        """The e-folding time of an AR(1) series is about -1/ln(phi); a constant series gets 0."""
        tau = autocorrelation_time(_ar1(np.random.default_rng(seed), (4, 20_000), 0.9))
        assert np.all(np.abs(tau - 9.5) <= 3)
        assert autocorrelation_time(np.ones(50)) == 0

    @pytest.mark.parametrize("detrend", DETRENDS)
    def test_coupled_runs_exceed_their_surrogates(self, seed, detrend):
        """Each really coupled run lies above the 95th percentile of its shifted-B null."""
        out = surrogate_null(*_coupled(np.random.default_rng(seed)), WINDOW, detrend=detrend, n_shifts=19, seed=seed)
        for quantity in ("activity", "emotion"):
            per_run = out["per_run"][quantity]
            assert per_run["fraction_above_p95"] == 1.0
            assert max(per_run["p_value"]) == pytest.approx(1 / 20)
        assert out["n_runs_used"] == 12 and out["reason"] is None

    def test_independent_runs_mostly_within(self, seed):
        """Independent twins exceed their surrogate 95th percentile in few runs."""
        rng = np.random.default_rng(seed)
        out = surrogate_null(*[_ar1(rng, (40, 600), 0.7) for _ in range(4)], WINDOW, n_shifts=39, seed=seed)
        assert out["per_run"]["activity"]["fraction_above_p95"] < 0.2

    def test_no_shift_long_enough(self):
        """A run too short for a shift longer than its autocorrelation time is left out, with a reason."""
        ramp = np.tile(np.arange(5.0), (2, 1))
        out = surrogate_null(ramp, ramp**2, ramp, ramp, 5)
        assert out["n_runs_used"] == 0 and out["reason"]
        assert np.isnan(out["per_run"]["activity"]["p_value"]).all()


class TestSignificance:
    def test_white_noise_near_alpha(self, seed):
        """Independent white noise: raw and adjusted fractions of significant windows are both near alpha."""
        rng = np.random.default_rng(seed)
        out = window_significance(rng.standard_normal((20, 4000)), rng.standard_normal((20, 4000)), 100)
        assert 0.02 < out["fraction_significant_raw"] < 0.09
        assert 0.02 < out["fraction_significant_adjusted"] < 0.09

    def test_autocorrelation_inflates_raw_only(self, seed):
        """Independent slow AR(1) series: many windows are significant raw, few after adjusting."""
        rng = np.random.default_rng(seed)
        out = window_significance(_ar1(rng, (20, 4000), 0.95), _ar1(rng, (20, 4000), 0.95), 100)
        assert out["fraction_significant_raw"] > 0.3
        assert out["fraction_significant_adjusted"] < 0.12
        assert out["n_eff"]["mean"] < 20

    def test_n_eff_formula(self):
        """n_eff = n (1 - r1x r1y) / (1 + r1x r1y), with the lag-1 autocorrelations of the window."""
        rng = np.random.default_rng(3)
        x, y = _ar1(rng, 200, 0.6), _ar1(rng, 200, 0.3)
        zx, zy = unit_windows(x, 200)[0], unit_windows(y, 200)[0]
        rho = (zx[:-1] @ zx[1:]) * (zy[:-1] @ zy[1:])
        assert window_significance(x, y, 200)["n_eff"]["mean"] == pytest.approx(200 * (1 - rho) / (1 + rho))


class TestSensitivity:
    def test_burn_in_and_lengths(self, seed):
        """A shared start inside the burn-in raises the coupling only when kept; each window length is reported."""
        rng = np.random.default_rng(seed)
        series = [rng.standard_normal((6, 500)) for _ in range(4)]
        start = rng.standard_normal((6, WINDOW))
        series[0][:, :WINDOW] = series[1][:, :WINDOW] = start
        out = sensitivity(*series, Windows.blocks(WINDOW, burn_in=WINDOW))
        burn = out["burn_in"]
        assert burn["kept"]["mean_activity"] > burn["dropped"]["mean_activity"] + 0.05
        assert abs(burn["dropped"]["mean_activity"]) < 0.05
        assert [row["window"] for row in out["window_lengths"]] == [25, 50, 100]
        assert [row["n_windows"] for row in out["window_lengths"]] == [18, 9, 5]


class TestBurnIn:
    def test_no_null_sees_the_burn_in(self, seed):
        """Every null is computed after the burn-in: a start-up shared by all runs changes no twin
        statistic or null value once dropped."""
        rng = np.random.default_rng(seed)
        series = [rng.standard_normal((6, 600)) for _ in range(4)]
        clean = [s.copy() for s in series]
        ramp = np.linspace(0, 50, 100)  # every agent rises together from zero
        for s in series:
            s[:, :100] += ramp
        windows = Windows("trail", 16, 50, burn_in=100)
        for control in (cross_pair_null, surrogate_null):
            dirty, plain = control(*series, windows, seed=seed), control(*clean, windows, seed=seed)
            for key in STATISTICS:
                assert dirty["statistics"][key]["twin"] == pytest.approx(plain["statistics"][key]["twin"], nan_ok=True)
                assert dirty["statistics"][key]["null_mean"] == pytest.approx(
                    plain["statistics"][key]["null_mean"], nan_ok=True
                )

    def test_kept_start_up_looks_like_coupling(self, seed):
        """With no burn-in the common start-up makes unrelated twins look coupled against the shift null."""
        rng = np.random.default_rng(seed)
        series = [rng.standard_normal((6, 2000)) for _ in range(4)]
        for s in series:
            s[:, :100] += np.linspace(0, 50, 100)
        kept = surrogate_null(*series, Windows.blocks(500), seed=seed)["statistics"]["mean_activity"]
        dropped = surrogate_null(*series, Windows.blocks(500, burn_in=100), seed=seed)["statistics"]["mean_activity"]
        assert kept["twin"] > 0.2 and abs(dropped["twin"]) < 0.1


class TestTiesAndPower:
    def test_two_runs_cannot_reject(self):
        """With 2 runs the cross-pair null holds the twin value itself (the identity permutation), computed
        another way: a tie up to rounding counts as extreme, so p is about 0.5, never 0.001; and the
        smallest p this null can give with 2 runs is 0.5."""
        rng = np.random.default_rng(3)
        series = [rng.standard_normal((2, 300)) * 0.1 + 0.3 for _ in range(4)]
        out = cross_pair_null(*series, 50, n_null=999, seed=1)
        for key in ("mean_activity", "mean_emotion"):
            assert out["statistics"][key]["p_value"] >= 0.4
        assert out["smallest_p"] == 0.5

    def test_smallest_p(self):
        """The smallest attainable p: 2/2^n (sign flip), 1/n! (cross-pair), 1/(shifts+1) (surrogate)."""
        assert smallest_p("sign_flip", 2) == 0.5 and smallest_p("sign_flip", 6) == pytest.approx(2 / 64)
        assert smallest_p("cross_pair", 3, 999) == pytest.approx(1 / 6)
        assert smallest_p("cross_pair", 10, 999) == pytest.approx(1 / 1000)
        assert smallest_p("surrogate", 5, 39) == pytest.approx(0.025)

    def test_sign_flip_exact(self):
        """The exact sign-flip p of run means against 0 equals the enumeration by hand."""
        r = np.array([0.1, 0.2, 0.3, -0.05])
        z = np.arctanh(r)
        flips = [
            np.abs((np.array(s) * z).mean()) >= abs(z.mean()) - 1e-12
            for s in np.array(np.meshgrid(*[[-1, 1]] * 4)).T.reshape(-1, 4)
        ]
        assert sign_flip_zero(r)["p_value"] == pytest.approx(np.mean(flips))
        assert sign_flip_zero(r)["smallest_p"] == pytest.approx(2 / 16)


class TestRunControls:
    def test_report_and_table(self, seed):
        """Everything runs on a small sweep; the result is JSON-ready and the table has one row per null."""
        out = run_controls(
            *_coupled(np.random.default_rng(seed), runs=5, steps=400), WINDOW, n_null=49, n_shifts=19, seed=seed
        )
        assert json_ready(out) and set(out["detrend"]) == set(DETRENDS)
        json.dumps(out)
        rows = control_rows(out)
        assert len(rows) == len(DETRENDS) * 2 * len(STATISTICS)
        assert set(rows[0]) == {
            "detrend",
            "control",
            "statistic",
            "quantity",
            "twin",
            "null_mean",
            "null_sd",
            "difference",
            "p_value",
            "effect_size",
            "n_null",
        }
