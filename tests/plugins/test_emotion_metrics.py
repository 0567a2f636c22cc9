import importlib.util
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from emergence.contract import EmotionData
from emergence.contract import UnknownPluginError
from emergence.contract import collect as registry
from emergence.host import make_plugin_manager
from emergence_plugins.emotion.metrics import (
    BUILTIN,
    Autocorrelation,
    Burstiness,
    Mean,
    PrincipalComponent,
    SpectralCentroid,
    Variance,
    Volatility,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_metric" / "emergence_peak.py"
TWOPI = 2 * np.pi


def from_mean(mean, steps=None) -> EmotionData:
    """A twin's data with only the per-step mean filled in."""
    mean = np.asarray(mean, dtype=float)
    steps = np.arange(len(mean)) if steps is None else steps
    return EmotionData(steps, mean, np.zeros(len(mean)), np.arange(0), np.zeros((0, 2)))


def from_field(field, every=1) -> EmotionData:
    """A twin's data recorded from a whole (T, n_emo) field, snapshotted every ``every`` steps."""
    field = np.asarray(field, dtype=float)
    steps = np.arange(len(field))
    return EmotionData(steps, field.mean(1), field.var(1), steps[::every], field[::every])


def values(metric, mean):
    return metric.one(from_mean(mean))[1]


def metrics():
    return registry(make_plugin_manager(), "register_emotion_metrics", "emotion metric")


series_values = arrays(np.float64, st.integers(40, 160), elements=st.floats(-1e3, 1e3, allow_subnormal=False))
small_windowed = [
    SpectralCentroid(window=24, nperseg=8),
    Autocorrelation(window=16, lag=2),
    Volatility(window=16),
    Burstiness(window=32, threshold=0.5),
]


class TestVariance:
    def test_reads_the_recorded_variance(self):
        """variance is the recorded across-unit variance, step for step."""
        field = np.random.default_rng(0).normal(size=(50, 7))
        steps, values_a, _ = Variance().series(from_field(field), from_field(field))
        np.testing.assert_array_equal(steps, np.arange(50))
        np.testing.assert_allclose(values_a, field.var(1))

    def test_constant_field_has_none(self):
        """A uniform field has variance 0 at every step."""
        assert not Variance().one(from_field(np.full((20, 5), 0.3)))[1].any()

    @given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 8)), elements=st.floats(-1e3, 1e3)))
    def test_never_negative(self, field):
        """The variance of any field is >= 0."""
        assert (Variance().one(from_field(field))[1] >= 0).all()


class TestPrincipalComponent:
    def test_rank_one_field(self):
        """A field s(t) u projects onto the leading axis as (s - pooled mean of s) |u|, sign so sum(u) > 0."""
        rng = np.random.default_rng(1)
        u = np.array([0.5, -0.2, 1.0, 0.3])
        s_a, s_b = rng.normal(size=40), rng.normal(size=40) + 1
        steps, pa, pb = PrincipalComponent().series(from_field(np.outer(s_a, u)), from_field(np.outer(s_b, -u)))
        centre = np.concatenate([s_a, -s_b]).mean()
        np.testing.assert_allclose(pa, (s_a - centre) * np.linalg.norm(u), atol=1e-12)
        np.testing.assert_allclose(pb, (-s_b - centre) * np.linalg.norm(u), atol=1e-12)

    def test_component_index(self):
        """component=1 reads the axis of the second-largest variance."""
        rng = np.random.default_rng(2)
        u1, u2 = np.array([1.0, 1.0, 0.0]) / np.sqrt(2), np.array([1.0, -1.0, 0.0]) / np.sqrt(2)
        s1, s2 = 3 * rng.normal(size=200), rng.normal(size=200)
        s1, s2 = s1 - s1.mean(), s2 - s2.mean()
        s2 = s2 - s1 * (s1 @ s2) / (s1 @ s1)  # orthogonal scores: the principal axes are exactly u1, u2
        field = np.outer(s1, u1) + np.outer(s2, u2)
        _, pa, _ = PrincipalComponent(component=1).series(from_field(field), from_field(field))
        np.testing.assert_allclose(np.abs(pa), np.abs(s2), atol=1e-9)

    def test_sign_follows_the_field(self):
        """Negating both fields negates both series: the axis's sign is fixed by its loadings, not the SVD."""
        rng = np.random.default_rng(3)
        fa, fb = rng.normal(size=(30, 6)) + 1, rng.normal(size=(30, 6))
        _, pa, pb = PrincipalComponent().series(from_field(fa), from_field(fb))
        _, na, nb = PrincipalComponent().series(from_field(-fa), from_field(-fb))
        np.testing.assert_allclose(na, -pa, atol=1e-12)
        np.testing.assert_allclose(nb, -pb, atol=1e-12)

    def test_shared_axis(self):
        """Swapping the twins swaps the series: one axis is fitted on both."""
        rng = np.random.default_rng(4)
        a, b = from_field(rng.normal(size=(30, 5))), from_field(rng.normal(size=(30, 5)))
        _, pa, pb = PrincipalComponent().series(a, b)
        _, qb, qa = PrincipalComponent().series(b, a)
        np.testing.assert_allclose(pa, qa, atol=1e-12)
        np.testing.assert_allclose(pb, qb, atol=1e-12)

    def test_uses_snapshots(self):
        """It reads snapshots only, at the snapshot steps; a constant field projects to 0."""
        data = from_field(np.full((40, 4), 0.7), every=10)
        steps, pa, _ = PrincipalComponent().series(data, data)
        assert PrincipalComponent.uses_snapshots
        np.testing.assert_array_equal(steps, [0, 10, 20, 30])
        np.testing.assert_allclose(pa, 0, atol=1e-12)

    def test_refuses_mismatched_twins_and_missing_components(self):
        """Different snapshot steps, or a component the field lacks, raise ValueError."""
        field = np.random.default_rng(5).normal(size=(40, 3))
        with pytest.raises(ValueError, match="different steps"):
            PrincipalComponent().series(from_field(field, 10), from_field(field, 5))
        with pytest.raises(ValueError, match="component 3"):
            PrincipalComponent(component=3).series(from_field(field), from_field(field))


class TestSpectralCentroid:
    def test_sine_on_a_bin(self):
        """A sine at an FFT bin frequency f0 has centroid f0 (Hann leakage is symmetric)."""
        steps, c = SpectralCentroid(window=256, nperseg=64).one(from_mean(np.sin(TWOPI * np.arange(2000) / 8)))
        np.testing.assert_array_equal(steps, np.arange(255, 2000))
        np.testing.assert_allclose(c, 1 / 8, atol=1e-9)

    def test_white_noise_is_near_the_middle(self):
        """White noise spreads power flat over [0, 0.5]: the centroid averages ~0.25."""
        noise = np.random.default_rng(6).normal(size=20_000)
        assert abs(np.mean(values(SpectralCentroid(), noise)) - 0.25) < 0.01

    def test_flat_window_is_undefined(self):
        """A constant series has no spectrum: NaN."""
        assert np.isnan(values(SpectralCentroid(), np.full(300, 0.4))).all()

    def test_nperseg_must_fit(self):
        """nperseg longer than the window is refused, naming the field."""
        with pytest.raises(ValueError, match="nperseg"):
            SpectralCentroid(window=32, nperseg=64)


class TestAutocorrelation:
    def test_sine(self):
        """A sine of period P whose periods fill window - lag gives cos(2 pi lag / P)."""
        r = values(Autocorrelation(window=259, lag=3), np.sin(TWOPI * np.arange(1000) / 16))
        np.testing.assert_allclose(r, np.cos(TWOPI * 3 / 16), atol=1e-9)

    def test_alternating(self):
        """An alternating series has lag-1 autocorrelation -1."""
        np.testing.assert_allclose(values(Autocorrelation(window=50), (-1.0) ** np.arange(200)), -1)

    def test_white_noise(self):
        """White noise is uncorrelated on average."""
        noise = np.random.default_rng(7).normal(size=20_000)
        assert abs(np.mean(values(Autocorrelation(lag=2), noise))) < 0.02

    def test_flat_window_is_undefined(self):
        """A constant series has no correlation: NaN."""
        assert np.isnan(values(Autocorrelation(), np.full(300, 0.4))).all()

    def test_lag_must_leave_pairs(self):
        """A lag that leaves fewer than 2 pairs per window is refused."""
        with pytest.raises(ValueError, match="lag"):
            Autocorrelation(window=10, lag=9)

    @pytest.mark.parametrize("kwargs", [{"window": 0}, {"hop": -1}, {"lag": 0}, {"window": 2.5}])
    def test_bad_parameters_name_the_field(self, kwargs):
        """A bad window, hop or lag fails at construction, naming the field."""
        with pytest.raises((ValueError, TypeError), match=next(iter(kwargs))):
            Autocorrelation(**kwargs)


class TestVolatility:
    def test_sine(self):
        """Increments of sin(w t) over whole periods have SD sqrt(2) sin(w / 2)."""
        steps, vol = Volatility(window=64).one(from_mean(np.sin(TWOPI * np.arange(500) / 16)))
        np.testing.assert_array_equal(steps, np.arange(64, 500))
        np.testing.assert_allclose(vol, np.sqrt(2) * np.sin(np.pi / 16), atol=1e-9)

    def test_ramp_and_constant_are_calm(self):
        """Constant increments (a ramp, a flat series) have volatility 0."""
        np.testing.assert_allclose(values(Volatility(), 0.01 * np.arange(400)), 0, atol=1e-12)
        assert not values(Volatility(), np.full(400, 0.2)).any()

    def test_white_noise(self):
        """Increments of white noise of SD s have SD s sqrt(2)."""
        noise = 0.5 * np.random.default_rng(8).normal(size=20_000)
        assert abs(np.mean(values(Volatility(), noise)) - 0.5 * np.sqrt(2)) < 0.01


def spikes(length, at):
    x = np.zeros(length)
    x[list(at)] = 1.0
    return x


def goh_barabasi(intervals):
    mu, sigma = np.mean(intervals), np.std(intervals)
    return (sigma - mu) / (sigma + mu)


class TestBurstiness:
    def test_periodic_events(self):
        """Evenly spaced events give B = -1."""
        np.testing.assert_allclose(values(Burstiness(window=100), spikes(400, range(3, 400, 10))), -1)

    def test_known_bursts(self):
        """Clustered spikes give B of their inter-spike intervals."""
        at = [10, 12, 14, 100, 102, 104, 200, 202, 204]
        b = values(Burstiness(window=300), spikes(300, at))
        np.testing.assert_allclose(b, [goh_barabasi(np.diff(at))])
        assert b[0] > 0

    def test_poisson_events(self):
        """Spikes at Bernoulli-random times are near B = 0."""
        x = (np.random.default_rng(9).random(20_000) < 0.05).astype(float)
        assert abs(np.nanmean(values(Burstiness(window=2000), x))) < 0.1

    def test_too_few_events_is_undefined(self):
        """Fewer than 3 events (2 intervals) in a window, or a flat window: NaN."""
        assert np.isnan(values(Burstiness(window=100), spikes(100, [20, 60]))).all()
        assert np.isnan(values(Burstiness(), np.full(600, 0.5))).all()

    def test_threshold_must_be_finite(self):
        """A NaN threshold is refused."""
        with pytest.raises(ValueError, match="threshold"):
            Burstiness(threshold=float("nan"))

    @given(series_values)
    def test_bounded(self, x):
        """B lies in [-1, 1] wherever it is defined."""
        b = values(Burstiness(window=32), x)
        assert ((b[~np.isnan(b)] >= -1) & (b[~np.isnan(b)] <= 1)).all()


class TestWindows:
    @pytest.mark.parametrize("metric", small_windowed, ids=lambda m: m.name)
    @given(x=series_values, shift=st.integers(0, 30))
    def test_shift_equivariant(self, metric, x, shift):
        """The metric of a series started ``shift`` steps later is the metric shifted, on the same steps."""
        steps, full = metric.one(from_mean(x))
        later_steps, later = metric.one(from_mean(x[shift:], np.arange(shift, len(x))))
        cut = np.searchsorted(steps, later_steps[0]) if len(later_steps) else len(steps)
        np.testing.assert_array_equal(later_steps, steps[cut:])
        np.testing.assert_allclose(later, full[cut:], rtol=1e-9, atol=1e-12, equal_nan=True)

    @pytest.mark.parametrize("metric", small_windowed, ids=lambda m: m.name)
    def test_hop_subsamples(self, metric):
        """hop=h keeps every h-th window of hop=1."""
        x = np.random.default_rng(10).normal(size=200)
        hopped = attrs.evolve(metric, hop=3)
        steps, full = metric.one(from_mean(x))
        hsteps, part = hopped.one(from_mean(x))
        np.testing.assert_array_equal(hsteps, steps[::3])
        np.testing.assert_allclose(part, full[::3], equal_nan=True)

    @pytest.mark.parametrize("metric", small_windowed, ids=lambda m: m.name)
    def test_short_run_is_empty(self, metric):
        """A run shorter than the window gives empty series, not an error."""
        steps, a, b = metric.series(from_mean(np.ones(5)), from_mean(np.ones(5)))
        assert len(steps) == len(a) == len(b) == 0


class TestRegistry:
    def test_every_builtin_is_registered(self):
        """Each built-in metric is found through the register_emotion_metrics hook, under its name."""
        found = metrics()
        assert set(found.names()) >= {"mean", "variance", "pca", "spectral", "autocorr", "volatility", "burstiness"}
        for metric in BUILTIN:
            assert found[metric.name] is metric

    def test_unknown_lists_known(self):
        """An unknown metric raises UnknownPluginError listing the known names."""
        with pytest.raises(UnknownPluginError, match="autocorr, burstiness"):
            metrics()["kurtosis"]

    @pytest.mark.parametrize("metric", BUILTIN, ids=lambda m: m.name)
    def test_conformance(self, metric):
        """Every metric gives three equal-length arrays on recorded steps, NaN-free on a noisy run."""
        rng = np.random.default_rng(11)
        a, b = (from_field(np.tanh(rng.normal(size=(1500, 8))), every=5) for _ in range(2))
        steps, va, vb = metric.series(a, b)
        assert len(steps) == len(va) == len(vb) > 100
        assert np.isin(steps, a.steps).all() and np.isfinite(va).all() and np.isfinite(vb).all()
        assert metric.description and metric.uses_snapshots == (metric.name == "pca")

    def test_mean_is_the_recorded_mean(self):
        """mean returns the recorded per-step mean."""
        np.testing.assert_array_equal(Mean().one(from_mean([1.0, 2.0]))[1], [1.0, 2.0])


class TestExamplePlugin:
    def test_registers_and_computes(self):
        """The example package's module, registered directly, adds ``peak``: max |a| per snapshot."""
        spec = importlib.util.spec_from_file_location("emergence_peak", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found = registry(make_plugin_manager(plugins=[module]), "register_emotion_metrics", "emotion metric")
        assert "peak" in found and "mean" in found
        field = np.array([[0.1, -0.9], [0.5, 0.2], [-0.3, 0.3]])
        steps, pa, _ = found["peak"].series(from_field(field), from_field(field))
        np.testing.assert_array_equal(steps, [0, 1, 2])
        np.testing.assert_allclose(pa, [0.9, 0.5, 0.3])
